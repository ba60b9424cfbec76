package host_test

import (
	"context"
	"reflect"
	"testing"

	"github.com/wasmauth/wasmauth/e2e/host"
	"github.com/wasmauth/wasmauth/filter/behaviour"
)

// TestGCTorture runs the whole behaviour table on the gctorture build with a garbage
// collection forced before every guest allocation the host makes. Every verdict and the
// complete upstream header list must be identical to the normal build's, and match the table.
func TestGCTorture(t *testing.T) {
	if _, err := host.NewRuntime(context.Background(), mustModule(t, "wasmauth.wasm"), host.RuntimeOptions{GCTorture: true}); err == nil {
		t.Fatal("GC torture accepted a module without " + host.GCExport)
	}
	normal := newRuntime(t, "wasmauth.wasm", host.RuntimeOptions{})
	torture := newRuntime(t, "wasmauth-gctorture.wasm", host.RuntimeOptions{GCTorture: true})
	for _, c := range behaviour.Cases() {
		t.Run(c.Name, func(t *testing.T) {
			var results [2]host.Result
			for i, rt := range []*host.Runtime{normal, torture} {
				p, err := rt.NewPlugin(context.Background(), host.PluginOptions{Config: []byte(c.Config), VMs: 1})
				if err != nil {
					t.Fatal(err)
				}
				if i == 1 {
					checkCase(t, p, c)
				}
				results[i], err = p.Do(host.Headers(c.Request))
				if err != nil {
					t.Fatal(err)
				}
				p.Close(context.Background())
			}
			if torture.ForcedGCs() == 0 {
				t.Fatal("no collection was forced")
			}
			if !reflect.DeepEqual(results[0], results[1]) {
				t.Fatalf("gctorture result differs:\nnormal:  %+v\ntorture: %+v", results[0], results[1])
			}
		})
	}
}
