package host_test

import (
	"context"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/wasmauth/wasmauth/e2e/host"
	"github.com/wasmauth/wasmauth/e2e/internal/wasmtest"
)

func mustModule(t testing.TB, name string) []byte { return wasmtest.Module(t, name) }

// TestTrapFailsClosed: a trap inside the guest is an error for that stream (the caller
// denies), the host keeps running and the next stream gets a fresh VM.
func TestTrapFailsClosed(t *testing.T) {
	wasm, err := os.ReadFile("testdata/trap.wasm")
	if err != nil {
		t.Fatal(err)
	}
	rt, err := host.NewRuntime(context.Background(), wasm, host.RuntimeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer rt.Close(context.Background())
	p, err := rt.NewPlugin(context.Background(), host.PluginOptions{VMs: 1})
	if err != nil {
		t.Fatal(err)
	}
	first := p.VMs()[0]
	for i := 0; i < 3; i++ {
		_, err := p.Do(host.Headers{{":method", "GET"}, {":path", "/"}})
		var trap *host.TrapError
		if !errors.As(err, &trap) || trap.Callback != "proxy_on_request_headers" || !strings.Contains(err.Error(), "unreachable") {
			t.Fatalf("request %d: error %v, want a TrapError from proxy_on_request_headers", i, err)
		}
	}
	if first.Failed() == nil {
		t.Fatal("the VM that trapped is not marked failed")
	}
	if p.VMs()[0] == first {
		t.Fatal("the failed VM was not replaced")
	}
}

// TestConfigureRefused: a configuration the filter refuses is a StartError carrying the
// filter's own log lines, as Envoy reports them.
func TestConfigureRefused(t *testing.T) {
	rt := newRuntime(t, "wasmauth.wasm", host.RuntimeOptions{})
	var logged []host.LogEntry
	_, err := rt.NewPlugin(context.Background(), host.PluginOptions{
		Config: []byte(`{"basic_auth_rules": [{"prefix": "/x", "request_methods": ["GET"]}]}`), VMs: 2,
		Logger: func(e host.LogEntry) { logged = append(logged, e) },
	})
	var se *host.StartError
	if !errors.As(err, &se) || se.Phase != "proxy_on_configure" {
		t.Fatalf("error %v, want a StartError from proxy_on_configure", err)
	}
	if len(se.Logs) == 0 || len(logged) == 0 {
		t.Fatalf("no log lines explain the refusal: %v", err)
	}
	if !strings.Contains(err.Error(), "credentials") {
		t.Errorf("refusal does not name the problem: %v", err)
	}
	t.Logf("refusal: %v", err)
}
