package host_test

import (
	"context"
	"strings"
	"testing"

	"github.com/wasmauth/wasmauth/e2e/host"
	"github.com/wasmauth/wasmauth/filter/behaviour"
)

// TestHostileCorpus runs the shared hostile corpus through the compiled module on the
// project's own host: every request gets exactly its expected outcome, no VM traps, and
// no log line (any level) contains a credential.
func TestHostileCorpus(t *testing.T) {
	rt := newRuntime(t, "wasmauth.wasm", host.RuntimeOptions{})
	var logs []host.LogEntry
	p, err := rt.NewPlugin(context.Background(), host.PluginOptions{
		Config: []byte(behaviour.HostileConfig), VMs: 2, LogLevel: host.LogTrace,
		Logger: func(e host.LogEntry) { logs = append(logs, e) },
	})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close(context.Background())
	for _, c := range behaviour.HostileCases() {
		t.Run(c.Name, func(t *testing.T) { checkCase(t, p, c) })
	}
	for _, vm := range p.VMs() {
		if err := vm.Failed(); err != nil {
			t.Errorf("VM %d trapped: %v", vm.Index(), err)
		}
	}
	secrets := behaviour.HostileSecrets()
	for _, c := range behaviour.HostileCases() {
		if v := c.Header("authorization"); len(v) > 6 {
			secrets = append(secrets, strings.TrimSpace(v[6:]))
		}
	}
	if len(logs) < len(behaviour.HostileCases())/2 {
		t.Fatalf("only %d log lines: the log check must see the denials", len(logs))
	}
	for _, l := range logs {
		for _, s := range secrets {
			if len(s) >= 6 && strings.Contains(l.Message, s) {
				t.Errorf("log line contains a credential (%.40q): %.300s", s, l.Message)
			}
		}
	}
}
