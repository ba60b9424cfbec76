// Command wasmauth-profile shows where a request's time goes inside the compiled module.
//
// wazero compiles the module to machine code that Go's profiler cannot see. Built with
// -tags perfmap, wazero writes /tmp/perf-PID.map, which lets Linux perf name the compiled
// wasm functions; this command drives one benchmark scenario under `perf record` and then
// folds perf's report into one row per function (wasm or host). `make profile` runs both
// steps:
//
//	wasmauth-profile -module out/wasmauth-profile.wasm -scenario "allow plaintext" -duration 5s
//	wasmauth-profile -report out/perf.data
package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"time"

	"github.com/wasmauth/wasmauth/e2e/bench"
	"github.com/wasmauth/wasmauth/e2e/host"
)

func main() {
	module := flag.String("module", "out/wasmauth-profile.wasm", "module to run")
	scenario := flag.String("scenario", "allow plaintext", "benchmark scenario (see e2e/bench/scenario.go)")
	duration := flag.Duration("duration", 5*time.Second, "how long to send requests")
	pidFile := flag.String("pid-file", "", "write this process's id here (names its perf map)")
	report := flag.String("report", "", "instead of running: fold this perf.data into a per-function table")
	top := flag.Int("top", 40, "rows in the report")
	flag.Parse()

	var err error
	if *report != "" {
		err = printReport(*report, *top)
	} else {
		err = run(*module, *scenario, *duration, *pidFile)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "wasmauth-profile:", err)
		os.Exit(1)
	}
}

// run sends the scenario's request through one VM of module until d has passed,
// checking every verdict.
func run(module, name string, d time.Duration, pidFile string) error {
	var sc *bench.Scenario
	var names []string
	for _, s := range append(bench.Scenarios(), bench.Throttled()) {
		names = append(names, strconv.Quote(s.Name))
		if s.Name == name {
			sc = &s
		}
	}
	if sc == nil {
		return fmt.Errorf("unknown scenario %q; one of %s", name, strings.Join(names, ", "))
	}
	if pidFile != "" {
		if err := os.WriteFile(pidFile, []byte(strconv.Itoa(os.Getpid())+"\n"), 0o644); err != nil {
			return err
		}
	}
	wasm, err := os.ReadFile(module)
	if err != nil {
		return err
	}
	ctx := context.Background()
	rt, err := host.NewRuntime(ctx, wasm, host.RuntimeOptions{})
	if err != nil {
		return err
	}
	defer rt.Close(ctx)
	p, err := rt.NewPlugin(ctx, sc.Options())
	if err != nil {
		return err
	}
	defer p.Close(ctx)
	batch := 1000
	if sc.Slow {
		batch = max(batch/bench.SlowBatchDivisor, 1) // a bcrypt check per request
	}
	start := time.Now()
	n := 0
	for time.Since(start) < d {
		if err := bench.Run(p, sc.Request, batch, &sc.Want); err != nil {
			return err
		}
		n += batch
	}
	el := time.Since(start)
	// Wall time, slowed down by perf when it records: for orientation only.
	fmt.Printf("%s: %d requests in %v (%.0f ns/request)\n", name, n, el.Round(time.Millisecond), float64(el.Nanoseconds())/float64(n))
	return nil
}

// printReport runs perf report on data and prints one row per function.
func printReport(data string, top int) error {
	out, err := exec.Command("perf", "report", "-i", data, "--stdio", "--no-children", "--sort", "sym", "-g", "none").Output()
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return fmt.Errorf("perf report: %v: %s", err, bytes.TrimSpace(ee.Stderr))
		}
		return fmt.Errorf("perf report: %w", err)
	}
	rows, err := fold(bufio.NewScanner(bytes.NewReader(out)))
	if err != nil {
		return err
	}
	var wasmTotal, total float64
	for _, r := range rows {
		total += r.Percent
		if r.Wasm {
			wasmTotal += r.Percent
		}
	}
	fmt.Printf("samples: %.1f%% in wasm functions, %.1f%% in the host (Go, wazero, kernel)\n\n", wasmTotal, total-wasmTotal)
	fmt.Println("| % of all | % of wasm | where | function |")
	fmt.Println("|--:|--:|---|---|")
	for i, r := range rows {
		if i == top {
			break
		}
		ofWasm, where := "", "host"
		if r.Wasm {
			ofWasm, where = fmt.Sprintf("%.2f", 100*r.Percent/wasmTotal), "wasm"
		}
		fmt.Printf("| %.2f | %s | %s | %s |\n", r.Percent, ofWasm, where, r.Name)
	}
	return nil
}
