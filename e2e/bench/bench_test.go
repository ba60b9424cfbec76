package bench_test

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"testing"

	"github.com/wasmauth/wasmauth/e2e/bench"
	"github.com/wasmauth/wasmauth/e2e/host"
	"github.com/wasmauth/wasmauth/e2e/internal/wasmtest"
)

var (
	shared    bench.Modules
	sharedErr error
	sharedSet bool
)

// modules compiles both modules once per test binary (compiling takes seconds).
func modules(t testing.TB) bench.Modules {
	t.Helper()
	if !sharedSet {
		sharedSet = true
		shared.Filter, sharedErr = host.NewRuntime(context.Background(), wasmtest.Module(t, "wasmauth.wasm"), host.RuntimeOptions{})
		if sharedErr == nil {
			shared.Noop, sharedErr = host.NewRuntime(context.Background(), wasmtest.Module(t, "noop.wasm"), host.RuntimeOptions{})
		}
	}
	if sharedErr != nil {
		t.Fatal(sharedErr)
	}
	return shared
}

func TestMain(m *testing.M) {
	code := m.Run()
	shared.Close()
	os.Exit(code)
}

// TestScenarios checks that every benchmark request gets the verdict it is named for
// from the compiled filter, so a benchmark can never time a wrong code path.
func TestScenarios(t *testing.T) {
	m := modules(t)
	ps, err := m.Load(bench.Config)
	if err != nil {
		t.Fatal(err)
	}
	defer ps.Close()
	for _, s := range bench.Scenarios() {
		t.Run(s.Name, func(t *testing.T) {
			for i := 0; i < 2; i++ { // the second run takes the cached path
				res, err := ps.Filter.Do(s.Request)
				if err != nil {
					t.Fatal(err)
				}
				if err := s.Want.Check(res); err != nil {
					t.Fatal(err)
				}
			}
			res, err := ps.Noop.Do(s.Request)
			if err != nil || res.Local != nil || res.Action != host.ActionContinue {
				t.Fatalf("no-op module: %v %+v", err, res)
			}
		})
	}
}

// TestScaledConfigs checks that each scaled configuration loads and allows its request
// and refuses the same request with a wrong password.
func TestScaledConfigs(t *testing.T) {
	m := modules(t)
	for _, kind := range bench.ScaleKinds {
		for _, n := range []int{1, 100} {
			t.Run(kind+"="+strconv.Itoa(n), func(t *testing.T) {
				ps, err := m.Load(bench.ScaledConfig(kind, n))
				if err != nil {
					t.Fatal(err)
				}
				defer ps.Close()
				req := bench.ScaledRequest(kind, n)
				res, err := ps.Filter.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				if err := (bench.Outcome{Status: 0, GRPCStatus: -1}).Check(res); err != nil {
					t.Fatal(err)
				}
				bad := req.Clone()
				bad.Set("authorization", bench.Basic("u", "wrong"))
				if res, err = ps.Filter.Do(bad); err != nil {
					t.Fatal(err)
				}
				if err := (bench.Outcome{Status: 401, GRPCStatus: -1}).Check(res); err != nil {
					t.Fatalf("wrong password: %v", err)
				}
			})
		}
	}
}

// TestMixedLoadShort runs the memory measurement's load briefly: every verdict is
// checked, and the samples arrive where expected.
func TestMixedLoadShort(t *testing.T) {
	m := modules(t)
	ps, err := m.Load(bench.Config)
	if err != nil {
		t.Fatal(err)
	}
	defer ps.Close()
	run, err := bench.MixedLoad(ps.Filter, 4000, 1000, 2000, true)
	if err != nil {
		t.Fatal(err)
	}
	if len(run.Samples) != 4 || run.AfterWarmUp() == 0 || run.Final() == 0 {
		t.Fatalf("samples %v", run.Samples)
	}
	t.Logf("memory after 2k: %d, after 4k: %d bytes", run.AfterWarmUp(), run.Final())
	if _, err := bench.MixedLoad(ps.Filter, 10, 1000, 2000, true); err == nil {
		t.Fatal("a load shorter than its warm-up was accepted")
	}
}

func TestMemoryRunGrowth(t *testing.T) {
	for _, c := range []struct {
		samples []uint32
		grows   bool
	}{
		{[]uint32{1, 2, 2, 2}, false}, // growth during warm-up does not count
		{[]uint32{1, 2, 2, 3}, true},
		{[]uint32{2, 2, 2, 2}, false},
	} {
		r := bench.MemoryRun{Samples: c.samples, Every: 10, WarmUp: 20}
		if got := r.Growth() != ""; got != c.grows {
			t.Errorf("%v: growth %q, want growth=%v", c.samples, r.Growth(), c.grows)
		}
	}
}

// TestReport runs the whole report with small counts, without the gateway part. It
// is skipped unless WASMAUTH_BENCH_REPORT=1 (make bench runs the full command instead).
func TestReport(t *testing.T) {
	if os.Getenv("WASMAUTH_BENCH_REPORT") != "1" {
		t.Skip("set WASMAUTH_BENCH_REPORT=1 to run the report with small counts (make bench runs the full one)")
	}
	res, err := bench.Report(context.Background(), bench.Options{
		FilterWasm: wasmtest.Path(t, "wasmauth.wasm"), NoopWasm: wasmtest.Path(t, "noop.wasm"),
		GCTortureWasm: wasmtest.Path(t, "wasmauth-gctorture.wasm"),
		Timing:        bench.Timing{Rounds: 3, Batch: 500}, MemoryRequests: 20_000, GatewaySkipped: "test", Logf: t.Logf,
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := res.Markdown(testWriter{t}, ""); err != nil {
		t.Fatal(err)
	}
}

// TestCollectionPause: the pause row times real collections of a VM that holds the
// configuration (the gctorture build runs runtime.GC when asked; a host call that did
// nothing would take no measurable time and leave the memory at its start size).
func TestCollectionPause(t *testing.T) {
	rt, err := host.NewRuntime(context.Background(), wasmtest.Module(t, "wasmauth-gctorture.wasm"), host.RuntimeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer rt.Close(context.Background())
	small, err := bench.CollectionPause(rt, bench.ScaledConfig(bench.ScaleRules, 1), 3)
	if err != nil {
		t.Fatal(err)
	}
	large, err := bench.CollectionPause(rt, bench.ScaledConfig(bench.ScaleRules, 1000), 3)
	if err != nil {
		t.Fatal(err)
	}
	if small.NS <= 0 || large.NS <= 0 {
		t.Errorf("collection times %v and %v: the clock did not move", small.NS, large.NS)
	}
	if large.Memory <= small.Memory {
		t.Errorf("1,000 rules hold %d bytes of linear memory, 1 rule %d: the configuration was not loaded", large.Memory, small.Memory)
	}
	t.Logf("one collection: 1 rule %.2f ms (%d KiB), 1,000 rules %.2f ms (%d KiB)", small.NS/1e6, small.Memory>>10, large.NS/1e6, large.Memory>>10)
}

// TestThrottledScenario checks the throttled request's verdict and that throttling is
// really on for it: after max_failures wrong passwords the same request is refused.
func TestThrottledScenario(t *testing.T) {
	m := modules(t)
	s := bench.Throttled()
	ps, err := m.LoadWith(s.Options())
	if err != nil {
		t.Fatal(err)
	}
	defer ps.Close()
	if err := bench.Run(ps.Filter, s.Request, 2, &s.Want); err != nil {
		t.Fatal(err)
	}
	wrong := s.Request.Clone()
	wrong.Set("authorization", bench.Basic("alice", "not-her-password"))
	if err := bench.Run(ps.Filter, wrong, 10, &bench.Outcome{Status: 401, GRPCStatus: -1}); err != nil {
		t.Fatal(err)
	}
	if err := bench.Run(ps.Filter, s.Request, 1, &bench.Outcome{Status: 429, GRPCStatus: -1}); err != nil {
		t.Fatalf("after 10 failures: %v", err)
	}
}

type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) { w.t.Log(string(p)); return len(p), nil }

// BenchmarkRequest times each scenario through one VM of the filter and of the no-op
// module (same request headers): compare the two sub-benchmarks of a scenario.
func BenchmarkRequest(b *testing.B) {
	m := modules(b)
	ps, err := m.Load(bench.Config)
	if err != nil {
		b.Fatal(err)
	}
	defer ps.Close()
	for _, s := range bench.Scenarios() {
		for _, mod := range []struct {
			name string
			p    *host.Plugin
			want *bench.Outcome
		}{{"wasmauth", ps.Filter, &s.Want}, {"noop", ps.Noop, nil}} {
			b.Run(s.Name+"/"+mod.name, func(b *testing.B) {
				if err := bench.Run(mod.p, s.Request, 100, mod.want); err != nil {
					b.Fatal(err)
				}
				for b.Loop() {
					if err := bench.Run(mod.p, s.Request, 1, mod.want); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

// BenchmarkScale times an allowed request against 1, 100 and 10,000 rules, hosts and
// users.
func BenchmarkScale(b *testing.B) {
	m := modules(b)
	allowed := &bench.Outcome{Status: 0, GRPCStatus: -1}
	for _, kind := range bench.ScaleKinds {
		for _, n := range bench.ScaleSizes {
			b.Run(fmt.Sprintf("%s=%d", kind, n), func(b *testing.B) {
				ps, err := m.Load(bench.ScaledConfig(kind, n))
				if err != nil {
					b.Fatal(err)
				}
				defer ps.Close()
				req := bench.ScaledRequest(kind, n)
				for b.Loop() {
					if err := bench.Run(ps.Filter, req, 1, allowed); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

// BenchmarkConfigLoad times starting one VM with a scaled configuration (instantiate,
// vm start, configure); the noop sub-benchmark is the same start without parsing.
func BenchmarkConfigLoad(b *testing.B) {
	m := modules(b)
	for _, kind := range bench.ScaleKinds {
		for _, n := range bench.ScaleSizes {
			cfg := []byte(bench.ScaledConfig(kind, n))
			for _, mod := range []struct {
				name string
				rt   *host.Runtime
			}{{"wasmauth", m.Filter}, {"noop", m.Noop}} {
				b.Run(fmt.Sprintf("%s=%d/%s", kind, n, mod.name), func(b *testing.B) {
					for b.Loop() {
						p, err := mod.rt.NewPlugin(context.Background(), host.PluginOptions{Config: cfg, VMs: 1})
						if err != nil {
							b.Fatal(err)
						}
						p.Close(context.Background())
					}
				})
			}
		}
	}
}

// TestAllocations: the count comes from the module's own allocator, per request: an
// allowed plaintext request allocates nothing, a full bcrypt check (the dummy one
// after a wrong password) does.
func TestAllocations(t *testing.T) {
	rt, err := host.NewRuntime(context.Background(), wasmtest.Module(t, "wasmauth-gctorture.wasm"), host.RuntimeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer rt.Close(context.Background())
	for _, s := range bench.Scenarios() {
		if s.Name != "allow plaintext" && s.Name != "deny wrong password" {
			continue
		}
		a, err := bench.Allocations(rt, s.Options(), s.Request, s.Want, 5)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("%s: %g heap allocations per request", s.Name, a)
		if (s.Name == "allow plaintext") != (a == 0) {
			t.Errorf("%s: %g heap allocations per request", s.Name, a)
		}
	}
}
