package bench

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strings"
	"time"

	"github.com/wasmauth/wasmauth/e2e/host"
)

// Options configure a full benchmark run (Report).
type Options struct {
	FilterWasm, NoopWasm string // paths of out/wasmauth.wasm and out/noop.wasm
	// GCTortureWasm is out/wasmauth-gctorture.wasm, which counts the heap allocations
	// of each request scenario and times one collection per scaled configuration;
	// empty skips those notes and rows.
	GCTortureWasm string
	// Timing of the per-request scenarios; the scaling matrix uses half the batch.
	Timing Timing
	// MemoryRequests is the length of the mixed load through one VM (1,000,000).
	MemoryRequests int
	// Gateway: the wasmauth-gateway binary and h2load; empty GatewayBin skips this part
	// (GatewaySkipped then says why).
	GatewayBin, H2LoadBin string
	GatewaySkipped        string
	SmallRequests         int   // h2load -n for small requests
	BodyBytes             int64 // size of each large upload (100 MB)
	BodyRequests          int   // h2load -n for large uploads
	TempDir               string
	// Logf reports progress (may be nil).
	Logf func(format string, args ...any)
}

// Row is one line of the results table.
type Row struct {
	Group, Measure string
	Filter, Noop   string
	Ratio          string
	Note           string
}

// Results are a finished run.
type Results struct {
	Machine []string // "CPU: ...", "Go: ...", ...
	Rows    []Row
	Elapsed time.Duration
}

func (o *Options) logf(format string, args ...any) {
	if o.Logf != nil {
		o.Logf(format, args...)
	}
}

// Report runs every measurement and returns the table rows.
func Report(ctx context.Context, o Options) (*Results, error) {
	start := time.Now()
	filterWasm, err := os.ReadFile(o.FilterWasm)
	if err != nil {
		return nil, fmt.Errorf("%w (run `make wasm-variants`)", err)
	}
	noopWasm, err := os.ReadFile(o.NoopWasm)
	if err != nil {
		return nil, fmt.Errorf("%w (run `make wasm-variants`)", err)
	}
	res := &Results{Machine: Machine(filterWasm)}
	add := func(r Row) { res.Rows = append(res.Rows, r) }

	// Size.
	fs, err := Size(filterWasm)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", o.FilterWasm, err)
	}
	ns, err := Size(noopWasm)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", o.NoopWasm, err)
	}
	add(Row{"size", "module (bytes)", kb(fs.Total), kb(ns.Total), ratio(float64(fs.Total), float64(ns.Total)), target(fs.Total < 400_000, "target < 400 KB")})
	add(Row{"size", "code section", kb(fs.Code), kb(ns.Code), "", ""})
	add(Row{"size", "data section", kb(fs.Data), kb(ns.Data), "", ""})
	add(Row{"size", "custom sections (names, producers)", kb(fs.Custom), kb(ns.Custom), "", "not needed at run time"})

	mods := Modules{}
	defer mods.Close()
	if mods.Filter, err = host.NewRuntime(ctx, filterWasm, host.RuntimeOptions{}); err != nil {
		return nil, err
	}
	if mods.Noop, err = host.NewRuntime(ctx, noopWasm, host.RuntimeOptions{}); err != nil {
		return nil, err
	}
	var gctorture *host.Runtime
	if o.GCTortureWasm != "" {
		wasm, err := os.ReadFile(o.GCTortureWasm)
		if err != nil {
			return nil, fmt.Errorf("%w (run `make wasm-variants`)", err)
		}
		if gctorture, err = host.NewRuntime(ctx, wasm, host.RuntimeOptions{}); err != nil {
			return nil, err
		}
		defer gctorture.Close(ctx)
	}

	// Per-request scenarios.
	o.logf("per-request scenarios (%d rounds x %d requests per module)", o.Timing.Rounds, o.Timing.Batch)
	ps, err := mods.Load(Config)
	if err != nil {
		return nil, err
	}
	measure := func(ps Plugins, s Scenario) error {
		timing := o.Timing
		if s.Slow {
			timing.Batch = max(timing.Batch/SlowBatchDivisor, 1)
		}
		c, err := timing.Measure(ps, s.Request, s.Want)
		if err != nil {
			return fmt.Errorf("%s: %w", s.Name, err)
		}
		var notes []string
		switch {
		case strings.HasPrefix(s.Name, "allow"):
			notes = append(notes, target(c.Ratio() <= 1.5, "target <= 1.5x"))
		case s.Slow:
			notes = append(notes, "a dummy bcrypt check (cost 5): a failure costs what an unknown user costs")
		}
		if gctorture != nil {
			n := 200
			if s.Slow {
				n = 5
			}
			a, err := Allocations(gctorture, s.Options(), s.Request, s.Want, n)
			if err != nil {
				return fmt.Errorf("%s: allocations: %w", s.Name, err)
			}
			notes = append(notes, fmt.Sprintf("%g heap allocations per request", a))
		}
		add(Row{"request", s.Name, nsStr(c.FilterNS), nsStr(c.NoopNS), ratio(c.FilterNS, c.NoopNS), strings.Join(notes, "; ")})
		return nil
	}
	for _, s := range Scenarios() {
		if err := measure(ps, s); err != nil {
			ps.Close()
			return nil, err
		}
	}
	ps.Close()
	th := Throttled()
	ts, err := mods.LoadWith(th.Options())
	if err != nil {
		return nil, err
	}
	err = measure(ts, th)
	ts.Close()
	if err != nil {
		return nil, err
	}

	// Scaling.
	scaleTiming := Timing{Rounds: o.Timing.Rounds, Batch: max(o.Timing.Batch/2, 1)}
	for _, kind := range ScaleKinds {
		var one Cost
		for _, n := range ScaleSizes {
			o.logf("scaling: %d %s", n, kind)
			cfg := ScaledConfig(kind, n)
			load, err := mods.LoadTime(cfg, 5)
			if err != nil {
				return nil, fmt.Errorf("%s=%d: %w", kind, n, err)
			}
			ps, err := mods.Load(cfg)
			if err != nil {
				return nil, fmt.Errorf("%s=%d: %w", kind, n, err)
			}
			c, err := scaleTiming.Measure(ps, ScaledRequest(kind, n), allowed)
			ps.Close()
			if err != nil {
				return nil, fmt.Errorf("%s=%d: %w", kind, n, err)
			}
			note := ""
			if n == 1 {
				one = c
			} else {
				// Compared in units of the no-op measured alongside each: the rows run
				// seconds apart, and a shared machine's speed moves more than that.
				r := c.Ratio() / one.Ratio()
				note = fmt.Sprintf("%.2fx of 1 %s (each against its no-op)", r, strings.TrimSuffix(kind, "s"))
				if n == 10000 {
					note = target(r <= 2, note+"; target <= 2x")
				}
			}
			add(Row{"scale", fmt.Sprintf("%d %s: request", n, kind), nsStr(c.FilterNS), nsStr(c.NoopNS), ratio(c.FilterNS, c.NoopNS), note})
			add(Row{"scale", fmt.Sprintf("%d %s: config load (VM start + configure)", n, kind), msStr(load.FilterNS), msStr(load.NoopNS), ratio(load.FilterNS, load.NoopNS),
				fmt.Sprintf("%d bytes of JSON", len(cfg))})
			if gctorture != nil {
				pause, err := CollectionPause(gctorture, cfg, 5)
				if err != nil {
					return nil, fmt.Errorf("%s=%d: collection: %w", kind, n, err)
				}
				add(Row{"scale", fmt.Sprintf("%d %s: one garbage collection", n, kind), msStr(pause.NS), "", "",
					"paid by a request that allocates into a full heap (see the allocation counts); " + mibStr(pause.Memory) + " of linear memory"})
			}
		}
	}

	// Memory.
	if o.MemoryRequests > 0 {
		const every, warm = 10_000, 10_000
		o.logf("memory: %d mixed requests through one VM of each module", o.MemoryRequests)
		ps, err := mods.Load(Config)
		if err != nil {
			return nil, err
		}
		fm, err := MixedLoad(ps.Filter, o.MemoryRequests, every, warm, true)
		if err != nil {
			ps.Close()
			return nil, fmt.Errorf("memory (filter): %w", err)
		}
		nm, err := MixedLoad(ps.Noop, o.MemoryRequests, every, warm, false)
		ps.Close()
		if err != nil {
			return nil, fmt.Errorf("memory (no-op): %w", err)
		}
		growth := fm.Growth()
		note := "flat after warm-up"
		if growth != "" {
			note = "GROWS: " + growth
		}
		add(Row{"memory", fmt.Sprintf("linear memory after %s requests (warm-up)", count(warm)), mibStr(fm.AfterWarmUp()), mibStr(nm.AfterWarmUp()), "", fmt.Sprintf("mixed: %d scenarios x headers of 0-16 KB", mixedScenarios())})
		add(Row{"memory", fmt.Sprintf("linear memory after %s requests", count(fm.Requests)), mibStr(fm.Final()), mibStr(nm.Final()), "", target(growth == "", note)})
		add(Row{"memory", fmt.Sprintf("CPU time for %s mixed requests (one VM)", count(fm.Requests)), fm.CPU.Round(time.Millisecond).String(), nm.CPU.Round(time.Millisecond).String(),
			ratio(float64(fm.CPU), float64(nm.CPU)), fmt.Sprintf("wall %s / %s", fm.Elapsed.Round(time.Millisecond), nm.Elapsed.Round(time.Millisecond))})
	}

	// Gateway.
	if o.GatewayBin == "" {
		add(Row{"gateway", "h2load through wasmauth-gateway", "-", "-", "", "skipped: " + o.GatewaySkipped})
	} else {
		rows, err := gatewayRows(ctx, o)
		if err != nil {
			return nil, fmt.Errorf("gateway: %w", err)
		}
		res.Rows = append(res.Rows, rows...)
	}
	res.Elapsed = time.Since(start)
	return res, nil
}

func gatewayRows(ctx context.Context, o Options) ([]Row, error) {
	sink, err := StartSink()
	if err != nil {
		return nil, err
	}
	defer sink.Close()
	dir := o.TempDir
	cfgPath := filepath.Join(dir, "bench-config.json")
	if err := os.WriteFile(cfgPath, []byte(Config), 0o644); err != nil {
		return nil, err
	}
	bodyPath := filepath.Join(dir, "bench-body.bin")
	if err := writeBody(bodyPath, o.BodyBytes); err != nil {
		return nil, err
	}
	defer os.Remove(bodyPath)
	auth := "authorization: " + Basic("alice", "alice-password")
	type run struct {
		name string
		load H2Load
	}
	runs := []run{
		{fmt.Sprintf("small GET, %s requests, 4 connections x 10 streams (req/s)", count(o.SmallRequests)),
			H2Load{Bin: o.H2LoadBin, N: o.SmallRequests, C: 4, M: 10, Headers: []string{auth}, Timeout: 2 * time.Minute}},
		{fmt.Sprintf("%d MB POST bodies, %d requests, 1 connection (req/s)", o.BodyBytes>>20, o.BodyRequests),
			H2Load{Bin: o.H2LoadBin, N: o.BodyRequests, C: 1, M: 1, Headers: []string{auth}, DataFile: bodyPath, Timeout: 3 * time.Minute}},
	}
	results := make([][2]H2Result, len(runs))
	for m, module := range []string{o.FilterWasm, o.NoopWasm} {
		o.logf("gateway: h2load against %s", filepath.Base(module))
		g, err := StartGateway(o.GatewayBin, module, cfgPath, sink.Addr, 0)
		if err != nil {
			return nil, err
		}
		for i, r := range runs {
			r.load.URL = "http://" + g.Addr + "/api/items"
			if r.load.DataFile != "" {
				r.load.URL = "http://" + g.Addr + "/api/upload"
			}
			// A short warm-up on fresh connections, then the measured run.
			warm := r.load
			warm.N = max(warm.N/10, 1)
			if _, err := warm.Run(ctx); err != nil {
				g.Stop()
				return nil, err
			}
			hr, err := r.load.Run(ctx)
			if err != nil {
				g.Stop()
				return nil, err
			}
			results[i][m] = hr
		}
		g.Stop()
	}
	var rows []Row
	for i, r := range runs {
		f, n := results[i][0], results[i][1]
		note := ""
		if r.load.DataFile != "" {
			mbs := func(h H2Result) float64 { return h.ReqPerSec * float64(o.BodyBytes) / (1 << 20) }
			note = fmt.Sprintf("%.0f vs %.0f MiB/s", mbs(f), mbs(n))
		}
		rows = append(rows, Row{"gateway", r.name, fmt.Sprintf("%.1f", f.ReqPerSec), fmt.Sprintf("%.1f", n.ReqPerSec),
			fmt.Sprintf("%.2fx of no-op throughput", f.ReqPerSec/n.ReqPerSec), note})
	}
	return rows, nil
}

// writeBody writes n pseudo-random bytes to path.
func writeBody(path string, n int64) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := bufio.NewWriterSize(f, 1<<20)
	buf := make([]byte, 64<<10)
	x := uint32(12345)
	for i := range buf {
		x = x*1664525 + 1013904223
		buf[i] = byte(x >> 24)
	}
	for left := n; left > 0; {
		k := min(int64(len(buf)), left)
		if _, err := w.Write(buf[:k]); err != nil {
			f.Close()
			return err
		}
		buf[0]++ // no two chunks alike
		left -= k
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// Machine describes where the run happened: CPU, cores, Go, wazero and the toolchain
// recorded in the filter's producers section.
func Machine(filterWasm []byte) []string {
	cpu := "unknown"
	if f, err := os.Open("/proc/cpuinfo"); err == nil {
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			if k, v, ok := strings.Cut(sc.Text(), ":"); ok && strings.TrimSpace(k) == "model name" {
				cpu = strings.TrimSpace(v)
				break
			}
		}
		f.Close()
	}
	wazero := "unknown"
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, d := range bi.Deps {
			if d.Path == "github.com/tetratelabs/wazero" {
				wazero = d.Version
			}
		}
	}
	out := []string{
		"CPU: " + cpu,
		fmt.Sprintf("cores: %d (GOMAXPROCS %d), %s/%s", runtime.NumCPU(), runtime.GOMAXPROCS(0), runtime.GOOS, runtime.GOARCH),
		"host: Go " + strings.TrimPrefix(runtime.Version(), "go") + ", wazero " + wazero,
	}
	if b, err := os.ReadFile("/proc/loadavg"); err == nil {
		f := strings.Fields(string(b))
		if len(f) >= 3 {
			out = append(out, "load average at start: "+strings.Join(f[:3], " ")+" (timings are "+ClockName+", medians)")
		}
	}
	if p := Producer(filterWasm, "processed-by"); p != "" {
		out = append(out, "module built by: "+p)
	}
	return out
}

// Markdown writes the results as the machine lines and one table.
func (r *Results) Markdown(w io.Writer, title string) error {
	var b strings.Builder
	if title != "" {
		fmt.Fprintf(&b, "%s\n\n", title)
	}
	for _, m := range r.Machine {
		fmt.Fprintf(&b, "- %s\n", m)
	}
	fmt.Fprintf(&b, "- run: %s, total %s\n\n", time.Now().UTC().Format("2006-01-02 15:04 UTC"), r.Elapsed.Round(time.Second))
	b.WriteString("| | measure | wasmauth | no-op | ratio | note |\n|---|---|--:|--:|--:|---|\n")
	for _, row := range r.Rows {
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s |\n", row.Group, row.Measure, row.Filter, row.Noop, row.Ratio, row.Note)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// Failed lists the rows whose note marks a missed target.
func (r *Results) Failed() []Row {
	var out []Row
	for _, row := range r.Rows {
		if strings.HasPrefix(row.Note, "MISSED") || strings.HasPrefix(row.Note, "GROWS") || strings.Contains(row.Note, "MISSED") {
			out = append(out, row)
		}
	}
	return out
}

func target(ok bool, note string) string {
	if ok {
		return note + " (met)"
	}
	return "MISSED: " + note
}

func ratio(a, b float64) string {
	if b == 0 {
		return ""
	}
	return fmt.Sprintf("%.2fx", a/b)
}

func nsStr(ns float64) string { return fmt.Sprintf("%s ns", count(int(ns+0.5))) }

func msStr(ns float64) string { return fmt.Sprintf("%.2f ms", ns/1e6) }

func mibStr(b uint32) string { return fmt.Sprintf("%.2f MiB", float64(b)/(1<<20)) }

func kb(n int) string { return fmt.Sprintf("%s (%.1f KB)", count(n), float64(n)/1000) }

// count formats n with thousands separators.
func count(n int) string {
	s := fmt.Sprint(n)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

// mixedScenarios is the number of scenarios in the mixed memory load.
func mixedScenarios() int {
	n := 0
	for _, s := range Scenarios() {
		if !s.Slow {
			n++
		}
	}
	return n
}
