package host_test

import (
	"context"
	"errors"
	"fmt"
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

// TestFaultyHeaderMapFailsClosed: when the host's header read fails or returns
// something that is not the ABI's encoding, the filter answers 500 (gRPC INTERNAL)
// without trapping, logs why, and serves the next request normally.
func TestFaultyHeaderMapFailsClosed(t *testing.T) {
	var fault func(b []byte) ([]byte, host.Status)
	rt := newRuntime(t, "wasmauth.wasm", host.RuntimeOptions{
		HeaderMapPairs: func(b []byte) ([]byte, host.Status) { return fault(b) },
	})
	var logged []host.LogEntry
	p, err := rt.NewPlugin(context.Background(), host.PluginOptions{
		Config: []byte(`{"basic_auth_rules": [{"prefix": "/", "credentials": ["alice:alice-password"]}]}`), VMs: 1,
		Logger: func(e host.LogEntry) { logged = append(logged, e) },
	})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close(context.Background())
	vm := p.VMs()[0]
	req := host.Headers{{":method", "GET"}, {":authority", "api.example.com"}, {":path", "/"}, {"authorization", "Basic YWxpY2U6YWxpY2UtcGFzc3dvcmQ="}}
	for _, c := range []struct {
		name  string
		fault func([]byte) ([]byte, host.Status)
		log   string
	}{
		{"truncated", func(b []byte) ([]byte, host.Status) { return b[:len(b)-1], host.StatusOK }, "malformed"},
		{"no NUL after a value", func(b []byte) ([]byte, host.Status) {
			b = append([]byte(nil), b...)
			b[len(b)-1] = 'x'
			return b, host.StatusOK
		}, "malformed"},
		{"count past the end", func(b []byte) ([]byte, host.Status) {
			b = append([]byte(nil), b...)
			b[3] = 0x7f
			return b, host.StatusOK
		}, "malformed"},
		{"no block", func([]byte) ([]byte, host.Status) { return nil, host.StatusOK }, "not found"},
		{"status", func([]byte) ([]byte, host.Status) { return nil, host.StatusBadArgument }, "status 2"},
	} {
		t.Run(c.name, func(t *testing.T) {
			logged = nil
			fault = c.fault
			res, err := p.Do(req)
			if err != nil {
				t.Fatalf("the request trapped: %v", err)
			}
			if res.Status() != 500 || res.Action == host.ActionContinue {
				t.Fatalf("status %d, action %v; want a local 500 and the request stopped", res.Status(), res.Action)
			}
			if !strings.Contains(fmt.Sprint(logged), c.log) {
				t.Errorf("log %v does not say %q", logged, c.log)
			}
			fault = func(b []byte) ([]byte, host.Status) { return b, host.StatusOK }
			if res, err := p.Do(req); err != nil || res.Status() != 0 || res.Action != host.ActionContinue {
				t.Fatalf("the next, well-read request: %+v, %v; want it to continue", res, err)
			}
			if p.VMs()[0] != vm {
				t.Fatal("the VM was replaced")
			}
		})
	}
}
