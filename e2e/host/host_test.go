package host_test

import (
	"context"
	"testing"

	"github.com/wasmauth/wasmauth/e2e/host"
	"github.com/wasmauth/wasmauth/e2e/internal/wasmtest"
	"github.com/wasmauth/wasmauth/filter/behaviour"
)

func newRuntime(t testing.TB, module string, opts host.RuntimeOptions) *host.Runtime {
	t.Helper()
	rt, err := host.NewRuntime(context.Background(), wasmtest.Module(t, module), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { rt.Close(context.Background()) })
	return rt
}

// checkCase runs one behaviour case through p and compares the outcome with the table.
func checkCase(t *testing.T, p *host.Plugin, c behaviour.Case) {
	t.Helper()
	res, err := p.Do(host.Headers(c.Request))
	if err != nil {
		t.Fatalf("request: %v", err)
	}
	if c.Want.Status == 0 {
		if res.Local != nil {
			t.Fatalf("got local reply %d (grpc %d, body %q), want the request to continue", res.Local.StatusCode, res.Local.GRPCStatus, res.Local.Body)
		}
		if res.Action != host.ActionContinue {
			t.Fatalf("action %v, want Continue", res.Action)
		}
		for k, want := range c.Want.Upstream {
			got, _ := res.Upstream.Get(k)
			if got != want {
				t.Errorf("upstream header %q = %q, want %q", k, got, want)
			}
		}
		return
	}
	if res.Local == nil {
		t.Fatalf("request continued (action %v), want local reply %d", res.Action, c.Want.Status)
	}
	if res.Local.StatusCode != c.Want.Status {
		t.Errorf("status %d, want %d", res.Local.StatusCode, c.Want.Status)
	}
	if res.Local.GRPCStatus != c.Want.GRPCStatus {
		t.Errorf("grpc_status argument %d, want %d", res.Local.GRPCStatus, c.Want.GRPCStatus)
	}
	for k, want := range c.Want.ReplyHeaders {
		if got, _ := res.Local.Headers.Get(k); got != want {
			t.Errorf("reply header %q = %q, want %q", k, got, want)
		}
	}
}

func TestBehaviourTable(t *testing.T) {
	rt := newRuntime(t, "wasmauth.wasm", host.RuntimeOptions{})
	if got := rt.Allocator(); got != host.AllocMalloc {
		t.Fatalf("allocator %s, want %s (the filter's own, as Envoy picks it)", got, host.AllocMalloc)
	}
	plugins := map[string]*host.Plugin{}
	for _, c := range behaviour.Cases() {
		t.Run(c.Name, func(t *testing.T) {
			p, ok := plugins[c.Config]
			if !ok {
				var err error
				p, err = rt.NewPlugin(context.Background(), host.PluginOptions{Config: []byte(c.Config), VMs: 1})
				if err != nil {
					t.Fatal(err)
				}
				plugins[c.Config] = p
			}
			checkCase(t, p, c)
		})
	}
}
