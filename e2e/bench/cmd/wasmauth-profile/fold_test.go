package main

import (
	"bufio"
	"strings"
	"testing"
	"time"

	"github.com/wasmauth/wasmauth/e2e/bench"
	"github.com/wasmauth/wasmauth/e2e/internal/wasmtest"
)

// TestFold folds lines as perf prints them with wazero's perf map: exported functions
// are named by their export name, the others "module.function" (TinyGo's module is
// "main"), each basic block with its own ":::::L" label.
func TestFold(t *testing.T) {
	report := `# Samples: 41K of event 'cpu-clock'
#
# Overhead  Symbol
# ........  ......
#
     8.12%  [.] runtime.memmove
     6.89%  [.] [322/580]proxy_on_request_headers:::::L90
     2.00%  [.] [322/580]proxy_on_request_headers:::::L4
     1.50%  [.] [40/580]main.runtime.hashmapGet:::::L9
     1.25%  [.] [40/580]main.runtime.hashmapGet
     0.70%  [k] pvm_irq_enable
     0.10%  [.] [559/580]main.(*github.com/wasmauth/wasmauth/config.Policy).MatchRules:::::L2
`
	rows, err := fold(bufio.NewScanner(strings.NewReader(report)))
	if err != nil {
		t.Fatal(err)
	}
	want := []row{
		{"proxy_on_request_headers", true, 8.89},
		{"runtime.memmove", false, 8.12},
		{"runtime.hashmapGet", true, 2.75},
		{"pvm_irq_enable", false, 0.70},
		{"(*github.com/wasmauth/wasmauth/config.Policy).MatchRules", true, 0.10},
	}
	if len(rows) != len(want) {
		t.Fatalf("got %d rows %+v, want %d", len(rows), rows, len(want))
	}
	for i, w := range want {
		g := rows[i]
		if g.Name != w.Name || g.Wasm != w.Wasm || g.Percent < w.Percent-1e-9 || g.Percent > w.Percent+1e-9 {
			t.Errorf("row %d = %+v, want %+v", i, g, w)
		}
	}
}

func TestFoldRejectsUnknownLines(t *testing.T) {
	_, err := fold(bufio.NewScanner(strings.NewReader("  5.00%  something else\n")))
	if err == nil {
		t.Fatal("a line that is not perf's report format was accepted")
	}
}

// TestRun drives every scenario briefly through the compiled module (what perf records
// under make profile); an unknown scenario is refused with the list of known ones.
func TestRun(t *testing.T) {
	module := wasmtest.Path(t, "wasmauth.wasm")
	for _, s := range append(bench.Scenarios(), bench.Throttled()) {
		if err := run(module, s.Name, 20*time.Millisecond, ""); err != nil {
			t.Errorf("%s: %v", s.Name, err)
		}
	}
	err := run(module, "no such scenario", time.Millisecond, "")
	if err == nil || !strings.Contains(err.Error(), `"allow plaintext"`) {
		t.Errorf("unknown scenario: error %v, want one listing the scenarios", err)
	}
}
