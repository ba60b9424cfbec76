package host_test

import (
	"context"
	"os"
	"testing"

	"github.com/wasmauth/wasmauth/e2e/host"
)

// TestVMEnvironment: each plugin's VMs see exactly the configured environment through
// WASI environ_get (sorted NAME=VALUE entries), not the host's.
func TestVMEnvironment(t *testing.T) {
	wasm, err := os.ReadFile("testdata/env.wasm")
	if err != nil {
		t.Fatal(err)
	}
	rt, err := host.NewRuntime(context.Background(), wasm, host.RuntimeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer rt.Close(context.Background())
	var logs []string
	p, err := rt.NewPlugin(context.Background(), host.PluginOptions{
		VMs: 2, Env: map[string]string{"B": "two", "A": "1"},
		Logger: func(e host.LogEntry) { logs = append(logs, e.Message) },
	})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close(context.Background())
	if len(logs) != 2 || logs[0] != "A=1\x00B=two\x00" || logs[1] != logs[0] {
		t.Fatalf("VMs saw environments %q", logs)
	}
	// The module returns false from proxy_on_vm_start without environment: a StartError.
	if _, err := rt.NewPlugin(context.Background(), host.PluginOptions{VMs: 1}); err == nil {
		t.Fatal("a VM refusing to start was accepted")
	}
}

func TestSharedDataCAS(t *testing.T) {
	rt := newRuntime(t, "noop.wasm", host.RuntimeOptions{})
	steps := []struct {
		value string
		cas   uint32
		want  host.Status
	}{
		{"a", 0, host.StatusOK},
		{"b", 0, host.StatusOK}, // unconditional
		{"c", 12345, host.StatusCASMismatch},
	}
	for i, s := range steps {
		if got := rt.SetSharedData("k", []byte(s.value), s.cas); got != s.want {
			t.Fatalf("step %d: %v, want %v", i, got, s.want)
		}
	}
	v, cas, ok := rt.SharedData("k")
	if !ok || string(v) != "b" || cas == 0 {
		t.Fatalf("got %q cas %d", v, cas)
	}
	if got := rt.SetSharedData("k", []byte("d"), cas); got != host.StatusOK {
		t.Fatalf("matching CAS refused: %v", got)
	}
	if got := rt.SetSharedData("k", []byte("e"), cas); got != host.StatusCASMismatch {
		t.Fatalf("stale CAS accepted: %v", got)
	}
}

// TestMetricsAndLogs: the filter defines and increments its metrics through the host,
// shared by every VM of the runtime.
func TestMetricsAndLogs(t *testing.T) {
	rt := newRuntime(t, "wasmauth.wasm", host.RuntimeOptions{})
	p, err := rt.NewPlugin(context.Background(), host.PluginOptions{Config: []byte(mixConfig), VMs: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close(context.Background())
	before := sumCounters(rt)
	for i := 0; i < 10; i++ {
		if _, err := p.Do(host.Headers{{":method", "GET"}, {":authority", "a"}, {":path", "/api"}, {":scheme", "http"}}); err != nil {
			t.Fatal(err)
		}
	}
	if len(rt.Metrics()) == 0 {
		t.Fatal("the filter defined no metrics")
	}
	if after := sumCounters(rt); after < before+10 {
		t.Fatalf("counters went from %d to %d over 10 requests on 2 VMs", before, after)
	}
	t.Logf("metrics: %+v", rt.Metrics())
}

func sumCounters(rt *host.Runtime) int64 {
	var n int64
	for _, m := range rt.Metrics() {
		if m.Type == host.MetricCounter {
			n += m.Value
		}
	}
	return n
}
