package main

import (
	"bufio"
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// row is one function's share of the samples.
type row struct {
	Name    string
	Wasm    bool // a compiled wasm function (named through wazero's perf map)
	Percent float64
}

// fold reads `perf report --stdio --sort sym -g none` and adds up the lines of each
// function. wazero names every basic block of a compiled function
// "[index/count]module.function:::::Llabel"; those become one row named "function".
func fold(sc *bufio.Scanner) ([]row, error) {
	sums := map[row]float64{}
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		pct, rest, ok := strings.Cut(line, "%")
		if !ok || strings.HasPrefix(line, "#") {
			continue
		}
		p, err := strconv.ParseFloat(pct, 64)
		if err != nil {
			continue // a header or summary line
		}
		// rest is "  [.] symbol" or "  [k] symbol".
		rest = strings.TrimSpace(rest)
		if len(rest) < 3 || rest[0] != '[' || rest[2] != ']' {
			return nil, fmt.Errorf("unexpected perf report line %q", line)
		}
		sums[symbol(strings.TrimSpace(rest[3:]))] += p
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	rows := make([]row, 0, len(sums))
	for r, p := range sums {
		r.Percent = p
		rows = append(rows, r)
	}
	slices.SortFunc(rows, func(a, b row) int {
		return cmp.Or(cmp.Compare(b.Percent, a.Percent), strings.Compare(a.Name, b.Name))
	})
	return rows, nil
}

// symbol turns one perf symbol into its row key.
func symbol(s string) row {
	if !strings.HasPrefix(s, "[") {
		return row{Name: s}
	}
	end := strings.IndexByte(s, ']')
	if end < 0 {
		return row{Name: s}
	}
	name := s[end+1:]
	if i := strings.Index(name, ":::::"); i >= 0 {
		name = name[:i]
	}
	// wazero's debug names are "module.function"; TinyGo names its module "main".
	if _, fn, ok := strings.Cut(name, "."); ok {
		name = fn
	}
	return row{Name: name, Wasm: true}
}
