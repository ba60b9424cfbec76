package bench

import (
	"fmt"
	"runtime"
	"time"

	"github.com/wasmauth/wasmauth/e2e/host"
)

// padSizes are the sizes of an unrelated header added to the mixed load, so that the
// host hands the filter header maps of very different sizes.
var padSizes = []int{0, 512, 4 << 10, 16 << 10}

// padValue returns n printable bytes that differ along their whole length.
func padValue(n int, seed uint32) string {
	const alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_"
	b := make([]byte, n)
	x := seed + 1
	for i := range b {
		x = x*1664525 + 1013904223
		b[i] = alphabet[x>>26]
	}
	return string(b)
}

// MixedRequests returns the mixed load's request list: every scenario but the Slow
// ones combined with every pad size, in an order that interleaves both. Request i of
// the load is MixedRequests()[i % len].
func MixedRequests() ([]host.Headers, []Outcome) {
	sc := Scenarios()
	var reqs []host.Headers
	var wants []Outcome
	for p, size := range padSizes {
		for _, s := range sc {
			if s.Slow {
				continue
			}
			h := s.Request.Clone()
			if size > 0 {
				h.Add("x-pad", padValue(size, uint32(p)))
			}
			reqs = append(reqs, h)
			wants = append(wants, s.Want)
		}
	}
	return reqs, wants
}

// MemoryRun is linear memory over a long mixed load through one VM.
type MemoryRun struct {
	Requests int
	Elapsed  time.Duration // wall clock
	CPU      time.Duration // CPU time of the thread that ran the load
	// Samples[i] is the memory size after (i+1)*Every requests.
	Samples []uint32
	Every   int
	// WarmUp is the number of requests after which growth counts as growth.
	WarmUp int
}

// AfterWarmUp is the memory size once WarmUp requests have run.
func (m MemoryRun) AfterWarmUp() uint32 { return m.Samples[m.WarmUp/m.Every-1] }

// Final is the memory size after the last request.
func (m MemoryRun) Final() uint32 { return m.Samples[len(m.Samples)-1] }

// Growth describes any growth after warm-up: "" when memory stayed flat.
func (m MemoryRun) Growth() string {
	base := m.AfterWarmUp()
	for i := m.WarmUp / m.Every; i < len(m.Samples); i++ {
		if m.Samples[i] != base {
			return fmt.Sprintf("grew from %d to %d bytes by request %d (final %d)", base, m.Samples[i], (i+1)*m.Every, m.Final())
		}
	}
	return ""
}

// MixedLoad sends n mixed requests (see MixedRequests) through p's only VM and samples
// its linear memory every `every` requests. With check, every verdict is compared with
// the scenario's (the no-op module is run without).
func MixedLoad(p *host.Plugin, n, every, warmUp int, check bool) (MemoryRun, error) {
	vms := p.VMs()
	if len(vms) != 1 {
		return MemoryRun{}, fmt.Errorf("the plugin has %d VMs, want 1", len(vms))
	}
	if every <= 0 || warmUp < every || warmUp%every != 0 || n < warmUp {
		return MemoryRun{}, fmt.Errorf("bad sampling: n=%d every=%d warm-up=%d", n, every, warmUp)
	}
	reqs, wants := MixedRequests()
	run := MemoryRun{Requests: n, Every: every, WarmUp: warmUp}
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	start, cpu := time.Now(), threadCPU()
	for i := 0; i < n; i++ {
		k := i % len(reqs)
		res, err := p.Do(reqs[k])
		if err != nil {
			return run, fmt.Errorf("request %d: %w", i, err)
		}
		if check {
			if err := wants[k].Check(res); err != nil {
				return run, fmt.Errorf("request %d: %w", i, err)
			}
		}
		if (i+1)%every == 0 {
			run.Samples = append(run.Samples, vms[0].MemorySize())
		}
	}
	run.Elapsed, run.CPU = time.Since(start), time.Duration(threadCPU()-cpu)
	return run, nil
}
