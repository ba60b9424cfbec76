package main

import (
	"strings"
	"testing"

	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm/types"

	"github.com/wasmauth/wasmauth/filter/behaviour"
)

// TestHostileCorpus runs every hostile request natively and against the compiled
// module: each must get exactly its expected outcome (no bypass) and none may trap.
func TestHostileCorpus(t *testing.T) {
	vmTest(t, func(t *testing.T, vm types.VMContext) {
		host, status := newHost(t, vm, behaviour.HostileConfig)
		if status != types.OnPluginStartStatusOK {
			t.Fatalf("plugin refused to start: %v", host.GetCriticalLogs())
		}
		for _, c := range behaviour.HostileCases() {
			t.Run(c.Name, func(t *testing.T) { checkCase(t, host, c) })
		}
	})
}

// TestHostileCorpusLogsNoCredential runs the whole hostile corpus and then searches the
// logs of every level for the configured passwords and every credential sent, in clear,
// base64 and as header values.
func TestHostileCorpusLogsNoCredential(t *testing.T) {
	secrets := behaviour.HostileSecrets()
	for _, c := range behaviour.HostileCases() {
		for _, h := range c.Request {
			if h[0] == "authorization" || h[0] == "password" {
				secrets = append(secrets, h[1])
				if rest, ok := strings.CutPrefix(strings.ToLower(h[1]), "basic "); ok && len(rest) > 8 {
					secrets = append(secrets, strings.TrimSpace(h[1][6:]))
				}
			}
		}
	}
	vmTest(t, func(t *testing.T, vm types.VMContext) {
		host, status := newHost(t, vm, behaviour.HostileConfig)
		if status != types.OnPluginStartStatusOK {
			t.Fatalf("plugin refused to start: %v", host.GetCriticalLogs())
		}
		denials := 0
		for _, c := range behaviour.HostileCases() {
			id := host.InitializeHttpContext()
			host.CallOnRequestHeaders(id, c.Request, false)
			if host.GetSentLocalResponse(id) != nil {
				denials++
			}
			host.CompleteHttpContext(id)
		}
		levels := map[string][]string{
			"trace": host.GetTraceLogs(), "debug": host.GetDebugLogs(), "info": host.GetInfoLogs(),
			"warn": host.GetWarnLogs(), "error": host.GetErrorLogs(), "critical": host.GetCriticalLogs(),
		}
		if got := len(levels["warn"]); got != denials {
			t.Errorf("%d warnings for %d denials: the log check must see every denial", got, denials)
		}
		for level, lines := range levels {
			for _, line := range lines {
				for _, s := range secrets {
					if len(s) >= 6 && strings.Contains(line, s) {
						t.Errorf("%s log line contains a credential (%.40q...): %.300s", level, s, line)
					}
				}
				if len(line) > 2048 {
					t.Errorf("%s log line of %d bytes: hostile input must be truncated", level, len(line))
				}
			}
		}
	})
}
