package host_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/wasmauth/wasmauth/e2e/host"
	"github.com/wasmauth/wasmauth/filter/behaviour"
)

// bigValue returns n printable bytes that differ along their whole length.
func bigValue(n int, seed byte) string {
	const alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_"
	b := make([]byte, n)
	x := uint32(seed) + 1
	for i := range b {
		x = x*1664525 + 1013904223
		b[i] = alphabet[x>>26]
	}
	return string(b)
}

func exactConfig(value string) string {
	return `{"basic_auth_rules": [{"name": "big", "prefix": "/big", "metadata": [{"name": "x-big", "exact": "` + value + `"}]}]}`
}

// TestLargeHeadersExactBytes sends headers of 2, 8, 32 and 60 KB through the host: the
// filter must see the exact bytes, so the identical value passes and a value one byte
// different (first, middle or last byte) is refused.
func TestLargeHeadersExactBytes(t *testing.T) {
	rt := newRuntime(t, "wasmauth.wasm", host.RuntimeOptions{})
	for _, kb := range []int{2, 8, 32, 60} {
		value := bigValue(kb<<10, byte(kb))
		p, err := rt.NewPlugin(context.Background(), host.PluginOptions{Config: []byte(exactConfig(value)), VMs: 1})
		if err != nil {
			t.Fatal(err)
		}
		req := func(v string) host.Headers {
			return host.Headers{{":method", "GET"}, {":authority", "big.example.com"}, {":path", "/big/x"}, {":scheme", "http"}, {"x-big", v}}
		}
		flip := func(i int) string {
			b := []byte(value)
			if b[i] == 'a' {
				b[i] = 'b'
			} else {
				b[i] = 'a'
			}
			return string(b)
		}
		cases := []struct {
			name  string
			value string
			allow bool
		}{
			{"exact", value, true},
			{"first byte differs", flip(0), false},
			{"middle byte differs", flip(len(value) / 2), false},
			{"last byte differs", flip(len(value) - 1), false},
			{"one byte shorter", value[:len(value)-1], false},
		}
		for _, c := range cases {
			t.Run(fmt.Sprintf("%dKB/%s", kb, c.name), func(t *testing.T) {
				res, err := p.Do(req(c.value))
				if err != nil {
					t.Fatal(err)
				}
				allowed := res.Local == nil && res.Action == host.ActionContinue
				if allowed != c.allow {
					t.Fatalf("allowed=%v, want %v (local reply %+v)", allowed, c.allow, res.Local)
				}
				if c.allow && res.Upstream.Value("x-big") != value {
					t.Fatal("the upstream header differs from the one sent")
				}
			})
		}
		p.Close(context.Background())
	}
}

// mixConfig serves the mixed-load test: plaintext users only (hashing cost is not what
// is measured here), a metadata rule for the big headers.
const mixConfig = `{
  "realm": "mem",
  "users": ["alice:alice-password"],
  "basic_auth_rules": [
    {"name": "api", "prefix": "/api", "allow": ["alice"]},
    {"name": "greeter", "prefix": "/helloworld.Greeter/", "allow": ["alice"]},
    {"name": "big", "prefix": "/big", "metadata": [{"name": "x-big", "prefix": "v"}]}
  ]
}`

// mixedLoad runs up to n mixed requests through one VM and samples its linear memory
// every 1,000 requests. stop (may be nil) ends the run early given the samples so far.
func mixedLoad(t *testing.T, module string, n int, typicalOnly bool, stop func([]uint32) bool) []uint32 {
	t.Helper()
	rt := newRuntime(t, module, host.RuntimeOptions{})
	p, err := rt.NewPlugin(context.Background(), host.PluginOptions{Config: []byte(mixConfig), VMs: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close(context.Background())
	vm := p.VMs()[0]
	t.Logf("%s: %s of linear memory after start", module, mib(vm.MemorySize()))
	sizes := []int{100, 1 << 10, 4 << 10, 16 << 10, 60 << 10}
	if typicalOnly {
		sizes = []int{100, 300, 1 << 10}
	}
	pads := make([]string, len(sizes))
	for i, s := range sizes {
		pads[i] = "v" + bigValue(s-1, byte(i))
	}
	good, bad := behaviour.Basic("alice", "alice-password"), behaviour.Basic("alice", "wrong")
	var samples []uint32
	for i := 0; i < n; i++ {
		pad := pads[(i/4)%len(pads)]
		var h host.Headers
		wantStatus, wantGRPC := 0, int32(-1)
		switch i % 4 {
		case 0: // allowed, big unrelated header
			h = host.Headers{{":method", "GET"}, {":authority", "a.example.com"}, {":path", "/api/items"}, {":scheme", "http"}, {"authorization", good}, {"x-pad", pad}}
		case 1: // denied: wrong password
			h = host.Headers{{":method", "GET"}, {":authority", "a.example.com"}, {":path", "/api/items"}, {":scheme", "http"}, {"authorization", bad}, {"x-pad", pad}}
			wantStatus = 401
		case 2: // gRPC denied: no credentials
			h = host.Headers{{":method", "POST"}, {":authority", "a.example.com"}, {":path", "/helloworld.Greeter/SayHello"}, {":scheme", "http"}, {"content-type", "application/grpc"}, {"te", "trailers"}, {"x-pad", pad}}
			wantStatus, wantGRPC = 401, 16
		case 3: // allowed by a metadata check on the big header itself
			h = host.Headers{{":method", "GET"}, {":authority", "a.example.com"}, {":path", "/big/1"}, {":scheme", "http"}, {"x-big", pad}}
		}
		res, err := p.Do(h)
		if err != nil {
			t.Fatalf("request %d: %v", i, err)
		}
		status, grpc := 0, int32(-1)
		if res.Local != nil {
			status, grpc = res.Local.StatusCode, res.Local.GRPCStatus
		}
		if status != wantStatus || grpc != wantGRPC {
			t.Fatalf("request %d (kind %d): status %d grpc %d, want %d %d", i, i%4, status, grpc, wantStatus, wantGRPC)
		}
		if (i+1)%1000 == 0 {
			samples = append(samples, vm.MemorySize())
			if stop != nil && stop(samples) {
				break
			}
		}
	}
	return samples
}

// plateau checks that memory did not grow at all in the second half of the samples.
func plateau(samples []uint32) error {
	if len(samples) < 4 {
		return fmt.Errorf("only %d samples", len(samples))
	}
	mid := samples[len(samples)/2-1]
	for i := len(samples) / 2; i < len(samples); i++ {
		if samples[i] != mid {
			return fmt.Errorf("memory grew from %d to %d bytes between request %d and %d", mid, samples[i], len(samples)/2*1000, (i+1)*1000)
		}
	}
	return nil
}

func mib(b uint32) string { return fmt.Sprintf("%.1f MiB", float64(b)/(1<<20)) }

// TestMemoryPlateau is issue 9's proof: 100,000 mixed requests through one VM of the
// shipped module; linear memory reaches a plateau and stays flat.
func TestMemoryPlateau(t *testing.T) {
	start := time.Now()
	samples := mixedLoad(t, "wasmauth.wasm", 100_000, false, nil)
	t.Logf("100,000 requests in %v; memory at 1k: %s, 50k: %s, 100k: %s", time.Since(start).Round(time.Millisecond),
		mib(samples[0]), mib(samples[49]), mib(samples[len(samples)-1]))
	if len(samples) != 100 {
		t.Fatalf("%d samples, want 100", len(samples))
	}
	if err := plateau(samples); err != nil {
		t.Fatal(err)
	}
}

// TestMemoryTypicalHeaders records the plateau with typical header sizes (100 B - 1 KB).
func TestMemoryTypicalHeaders(t *testing.T) {
	samples := mixedLoad(t, "wasmauth.wasm", 10_000, true, nil)
	t.Logf("typical headers: %s after 10,000 requests", mib(samples[len(samples)-1]))
	if err := plateau(samples); err != nil {
		t.Fatal(err)
	}
}

// TestMemoryLeakDetected runs the same load on the default TinyGo build, which exports
// TinyGo's own malloc: the host allocates through it, as Envoy does, and that malloc keeps
// every block until a free() that never comes. The plateau check must fail, proving it can.
func TestMemoryLeakDetected(t *testing.T) {
	samples := mixedLoad(t, "wasmauth-leaky.wasm", 40_000, false, func(s []uint32) bool {
		return len(s) >= 4 && s[len(s)-1] > s[1]+64<<20 // clearly growing: stop
	})
	t.Logf("leaky build after %d requests: %s (at 2k: %s)", len(samples)*1000, mib(samples[len(samples)-1]), mib(samples[1]))
	if err := plateau(samples); err == nil {
		t.Fatalf("the malloc-exporting build showed no growth over %d requests: the memory test cannot fail", len(samples)*1000)
	}
	if samples[len(samples)-1] <= samples[1] {
		t.Fatal("no growth")
	}
}

// TestAllocatorChoice checks Envoy's rule: exported malloc first, proxy_on_memory_allocate otherwise.
func TestAllocatorChoice(t *testing.T) {
	for _, c := range []struct{ module, want string }{
		{"wasmauth.wasm", host.AllocMalloc},       // the filter's own malloc
		{"wasmauth-leaky.wasm", host.AllocMalloc}, // TinyGo's
		{"noop.wasm", host.AllocOnMemory},
	} {
		rt := newRuntime(t, c.module, host.RuntimeOptions{})
		if got := rt.Allocator(); got != c.want {
			t.Errorf("%s: allocator %s, want %s", c.module, got, c.want)
		}
		if c.want == host.AllocOnMemory && slices.Contains(rt.Exports(), "malloc") {
			t.Errorf("%s exports malloc", c.module)
		}
	}
}
