package host_test

import (
	"context"
	"testing"

	"github.com/wasmauth/wasmauth/e2e/host"
	"github.com/wasmauth/wasmauth/filter/behaviour"
)

// BenchmarkHostRequest measures one request through the host as Envoy drives it
// (create, request headers, done, log, delete) on one VM: the filter against the no-op
// module built with the same toolchain.
func BenchmarkHostRequest(b *testing.B) {
	req := host.Headers{{":method", "GET"}, {":authority", "a.example.com"}, {":path", "/api/items"}, {":scheme", "http"},
		{"user-agent", "bench"}, {"authorization", behaviour.Basic("alice", "alice-password")}}
	for _, module := range []string{"noop.wasm", "wasmauth.wasm"} {
		b.Run(module, func(b *testing.B) {
			rt := newRuntime(b, module, host.RuntimeOptions{})
			p, err := rt.NewPlugin(context.Background(), host.PluginOptions{Config: []byte(mixConfig), VMs: 1})
			if err != nil {
				b.Fatal(err)
			}
			defer p.Close(context.Background())
			b.ReportAllocs()
			for b.Loop() {
				res, err := p.Do(req)
				if err != nil || res.Local != nil {
					b.Fatalf("%v %+v", err, res.Local)
				}
			}
		})
	}
}
