// Command wasmauth-bench runs the whole benchmark (package bench) and prints one
// markdown table, also written to -out:
//
//	make wasm-variants
//	cd e2e && go run ./bench/cmd/wasmauth-bench -root ..
//
// Every number is paired with the no-op filter measured in the same run. The gateway
// part needs h2load (Debian nghttp2-client) and builds the wasmauth-gateway command; it
// is skipped, with the reason in the table, when either is unavailable.
package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"log"
	"os"
	"os/exec"
	"path/filepath"
	"time"

	"github.com/wasmauth/wasmauth/e2e/bench"
)

func main() {
	root := flag.String("root", "..", "repository root (holds out/)")
	out := flag.String("out", "", "markdown output file (default ROOT/out/bench.md)")
	requests := flag.Int("memory-requests", 1_000_000, "mixed requests through one VM for the memory measurement (0 skips)")
	rounds := flag.Int("rounds", bench.DefaultTiming.Rounds, "timing rounds per scenario (median reported)")
	batch := flag.Int("batch", bench.DefaultTiming.Batch, "requests per timing round")
	gw := flag.Bool("gateway", true, "measure through the wasmauth-gateway command with h2load")
	small := flag.Int("small-requests", 20000, "h2load requests for the small-request run")
	bodyMB := flag.Int("body-mb", 100, "size of each large upload in MB (MiB)")
	bodies := flag.Int("body-requests", 5, "h2load requests for the large-upload run")
	strict := flag.Bool("strict", false, "exit 1 when a target is missed")
	flag.Parse()
	logger := log.New(os.Stderr, "wasmauth-bench: ", log.Ltime)
	if *out == "" {
		*out = filepath.Join(*root, "out", "bench.md")
	}
	tmp, err := os.MkdirTemp("", "wasmauth-bench-")
	if err != nil {
		logger.Fatal(err)
	}
	defer os.RemoveAll(tmp)
	o := bench.Options{
		FilterWasm: filepath.Join(*root, "out", "wasmauth.wasm"), NoopWasm: filepath.Join(*root, "out", "noop.wasm"),
		GCTortureWasm: filepath.Join(*root, "out", "wasmauth-gctorture.wasm"),
		Timing:        bench.Timing{Rounds: *rounds, Batch: *batch}, MemoryRequests: *requests,
		SmallRequests: *small, BodyBytes: int64(*bodyMB) << 20, BodyRequests: *bodies, TempDir: tmp,
		Logf: logger.Printf,
	}
	if *gw {
		o.GatewayBin, o.H2LoadBin, o.GatewaySkipped = gatewayTools(logger, filepath.Join(*root, "e2e"), tmp)
	} else {
		o.GatewaySkipped = "-gateway=false"
	}
	res, err := bench.Report(context.Background(), o)
	if err != nil {
		logger.Fatal(err)
	}
	var b bytes.Buffer
	if err := res.Markdown(&b, "## wasmauth benchmark"); err != nil {
		logger.Fatal(err)
	}
	os.Stdout.Write(b.Bytes())
	if err := os.WriteFile(*out, b.Bytes(), 0o644); err != nil {
		logger.Fatal(err)
	}
	logger.Printf("written to %s", *out)
	if missed := res.Failed(); len(missed) > 0 {
		for _, r := range missed {
			logger.Printf("target missed: %s %s: %s", r.Group, r.Measure, r.Note)
		}
		if *strict {
			os.Exit(1)
		}
	}
}

// gatewayTools finds h2load and builds the gateway command; on failure it returns the
// reason instead.
func gatewayTools(logger *log.Logger, e2eDir, tmp string) (gatewayBin, h2load, skipped string) {
	h2load, err := exec.LookPath("h2load")
	if err != nil {
		return "", "", "h2load not found (apt-get install -y nghttp2-client)"
	}
	bin := filepath.Join(tmp, "wasmauth-gateway")
	start := time.Now()
	cmd := exec.Command("go", "build", "-o", bin, "./cmd/wasmauth-gateway")
	cmd.Dir = e2eDir
	if outp, err := cmd.CombinedOutput(); err != nil {
		return "", "", fmt.Sprintf("building wasmauth-gateway failed: %v %s", err, bytes.TrimSpace(outp))
	}
	logger.Printf("built wasmauth-gateway in %v", time.Since(start).Round(time.Millisecond))
	return bin, h2load, ""
}
