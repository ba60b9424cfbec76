package bench

import (
	"context"
	"fmt"
	"runtime"
	"slices"

	"github.com/wasmauth/wasmauth/e2e/host"
)

// Modules are the two compiled modules compared: the filter and the no-op baseline.
type Modules struct {
	Filter, Noop *host.Runtime
}

// Close releases both runtimes.
func (m Modules) Close() {
	if m.Filter != nil {
		m.Filter.Close(context.Background())
	}
	if m.Noop != nil {
		m.Noop.Close(context.Background())
	}
}

// Timing controls how a per-request cost is sampled: Rounds rounds, each running Batch
// requests on the filter and then Batch on the no-op module (interleaved so that both
// see the same machine noise); the median round is reported. Time is the calling
// thread's CPU time (see ClockName), so other processes on the machine do not count.
type Timing struct {
	Rounds, Batch int
}

// DefaultTiming is what the report uses.
var DefaultTiming = Timing{Rounds: 7, Batch: 20000}

// Cost is a per-request cost of the filter and of the no-op module on the same request.
type Cost struct {
	FilterNS, NoopNS float64
}

// Ratio is the filter's cost in units of the no-op's.
func (c Cost) Ratio() float64 { return c.FilterNS / c.NoopNS }

// Plugins is one configuration loaded into one VM of each module.
type Plugins struct {
	Filter, Noop *host.Plugin
}

// Close stops both plugins.
func (p Plugins) Close() {
	p.Filter.Close(context.Background())
	p.Noop.Close(context.Background())
}

// Load starts one VM of each module with config.
func (m Modules) Load(config string) (Plugins, error) {
	return m.LoadWith(host.PluginOptions{Config: []byte(config), VMs: 1})
}

// LoadWith starts a plugin of each module with opts (its configuration and the
// properties the host reports, such as the client address).
func (m Modules) LoadWith(opts host.PluginOptions) (Plugins, error) {
	f, err := m.Filter.NewPlugin(context.Background(), opts)
	if err != nil {
		return Plugins{}, fmt.Errorf("filter: %w", err)
	}
	n, err := m.Noop.NewPlugin(context.Background(), opts)
	if err != nil {
		f.Close(context.Background())
		return Plugins{}, fmt.Errorf("no-op: %w", err)
	}
	return Plugins{f, n}, nil
}

// Run sends n copies of req through p and checks every filter result against want
// (pass nil to skip checks, as for the no-op module).
func Run(p *host.Plugin, req host.Headers, n int, want *Outcome) error {
	for i := 0; i < n; i++ {
		res, err := p.Do(req)
		if err != nil {
			return err
		}
		if want != nil {
			if err := want.Check(res); err != nil {
				return fmt.Errorf("request %d: %w", i, err)
			}
		}
	}
	return nil
}

// Measure returns the per-request cost of req through both plugins. The filter's
// results are checked against want on every request: a wrong verdict fails the
// measurement instead of producing a fast, meaningless number.
func (t Timing) Measure(p Plugins, req host.Headers, want Outcome) (Cost, error) {
	// Warm-up: fills the filter's caches (bcrypt) and grows the heap once.
	if err := Run(p.Filter, req, 200, &want); err != nil {
		return Cost{}, err
	}
	if err := Run(p.Noop, req, 200, nil); err != nil {
		return Cost{}, err
	}
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	var fs, ns []float64
	for r := 0; r < t.Rounds; r++ {
		start := threadCPU()
		if err := Run(p.Filter, req, t.Batch, &want); err != nil {
			return Cost{}, err
		}
		fs = append(fs, float64(threadCPU()-start)/float64(t.Batch))
		start = threadCPU()
		if err := Run(p.Noop, req, t.Batch, nil); err != nil {
			return Cost{}, err
		}
		ns = append(ns, float64(threadCPU()-start)/float64(t.Batch))
	}
	return Cost{FilterNS: median(fs), NoopNS: median(ns)}, nil
}

// LoadTime is the median time to start one VM with a configuration (instantiate,
// proxy_on_vm_start, proxy_on_configure: what Envoy does for a new plugin
// configuration on each worker) for the filter and for the no-op module.
func (m Modules) LoadTime(config string, rounds int) (Cost, error) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	once := func(rt *host.Runtime) (float64, error) {
		start := threadCPU()
		p, err := rt.NewPlugin(context.Background(), host.PluginOptions{Config: []byte(config), VMs: 1})
		el := threadCPU() - start
		if err != nil {
			return 0, err
		}
		p.Close(context.Background())
		return float64(el), nil
	}
	var fs, ns []float64
	for r := 0; r < rounds; r++ {
		if r == 1 && fs[0] > 2e9 {
			break // a load that takes seconds is measured once
		}
		f, err := once(m.Filter)
		if err != nil {
			return Cost{}, fmt.Errorf("filter: %w", err)
		}
		n, err := once(m.Noop)
		if err != nil {
			return Cost{}, fmt.Errorf("no-op: %w", err)
		}
		fs, ns = append(fs, f), append(ns, n)
	}
	return Cost{FilterNS: median(fs), NoopNS: median(ns)}, nil
}

func median(xs []float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	if len(s) == 0 {
		return 0
	}
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// Pause is what one garbage collection costs a VM of the gctorture build (the shipped
// filter plus an export that runs runtime.GC) holding a configuration.
type Pause struct {
	NS     float64 // median CPU time of one collection
	Memory uint32  // the VM's linear memory once the configuration is loaded
}

// CollectionPause loads config into one VM of gctorture (a runtime of
// out/wasmauth-gctorture.wasm) and times rounds forced collections. A request pays
// this when its allocation finds the heap full: TinyGo's collector marks the live heap
// and sweeps every block of it, so the pause grows with the heap the policy needs.
func CollectionPause(gctorture *host.Runtime, config string, rounds int) (Pause, error) {
	p, err := gctorture.NewPlugin(context.Background(), host.PluginOptions{Config: []byte(config), VMs: 1})
	if err != nil {
		return Pause{}, err
	}
	defer p.Close(context.Background())
	vm := p.VMs()[0]
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	var ts []float64
	for r := 0; r < rounds; r++ {
		start := threadCPU()
		if _, err := vm.CallExport(host.GCExport); err != nil {
			return Pause{}, err
		}
		ts = append(ts, float64(threadCPU()-start))
	}
	return Pause{NS: median(ts), Memory: vm.MemorySize()}, nil
}

// Allocations loads opts into one VM of gctorture (a runtime of
// out/wasmauth-gctorture.wasm, which counts its heap allocations) and returns the
// allocations per request of n copies of req, after a warm-up. Each allocation brings
// the next collection closer: a request that allocates nothing never sets one off.
func Allocations(gctorture *host.Runtime, opts host.PluginOptions, req host.Headers, want Outcome, n int) (float64, error) {
	opts.VMs = 1
	p, err := gctorture.NewPlugin(context.Background(), opts)
	if err != nil {
		return 0, err
	}
	defer p.Close(context.Background())
	vm := p.VMs()[0]
	if err := Run(p, req, 20, &want); err != nil { // the slow-hash cache, the VM's buffers
		return 0, err
	}
	before, err := vm.Mallocs()
	if err != nil {
		return 0, err
	}
	if err := Run(p, req, n, &want); err != nil {
		return 0, err
	}
	after, err := vm.Mallocs()
	if err != nil {
		return 0, err
	}
	return float64(after-before) / float64(n), nil
}
