// Command wasmauth-config validates wasmauth configurations before they reach
// a gateway:
//
//	wasmauth-config check FILE...
//
// A FILE ending in .json (or starting with '{') is a pluginConfig document;
// any other FILE is YAML, and every WasmPlugin in it (multi-document streams
// are fine) has its spec.pluginConfig checked. Problems are printed to stderr
// exactly as the filter reports them, prefixed with "FILE: " and, for YAML,
// "WasmPlugin/<name>: ". Exit status: 0 all valid, 1 something invalid, 2 usage.
package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/wasmauth/wasmauth/config"
	"github.com/wasmauth/wasmauth/config/wasmplugin"
)

const usage = `usage: wasmauth-config check FILE...

Checks pluginConfig JSON files, or every WasmPlugin in YAML files, with the
same parser the filter uses. Exit status 0: valid, 1: invalid, 2: usage.
`

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	switch args[0] {
	case "-h", "-help", "--help", "help":
		fmt.Fprint(stdout, usage)
		return 0
	case "check":
	default:
		fmt.Fprintf(stderr, "wasmauth-config: unknown command %q\n%s", args[0], usage)
		return 2
	}
	files := args[1:]
	if len(files) == 0 {
		fmt.Fprintf(stderr, "wasmauth-config: check needs at least one FILE\n%s", usage)
		return 2
	}
	status := 0
	for _, f := range files {
		if !checkFile(f, stdout, stderr) {
			status = 1
		}
	}
	return status
}

// checkFile reports on one file and returns whether it is valid.
func checkFile(name string, stdout, stderr io.Writer) bool {
	data, err := os.ReadFile(name)
	if err != nil {
		fmt.Fprintf(stderr, "%s: %v\n", name, err)
		return false
	}
	if isJSON(name, data) {
		pol, err := config.Parse(data)
		if err != nil {
			printErr(stderr, name+": ", err)
			return false
		}
		printWarnings(stderr, name+": ", pol.Warnings())
		fmt.Fprintf(stdout, "%s: ok\n", name)
		return true
	}
	problems, err := wasmplugin.Check(data)
	if err != nil {
		fmt.Fprintf(stderr, "%s: %v\n", name, err)
		return false
	}
	if len(problems) == 0 {
		fmt.Fprintf(stderr, "%s: no WasmPlugin found\n", name)
		return false
	}
	ok := true
	for _, p := range problems {
		prefix := name + ": WasmPlugin/" + p.Plugin.Name + ": "
		if p.Err != nil {
			printErr(stderr, prefix, p.Err)
			ok = false
			continue
		}
		printWarnings(stderr, prefix, p.Warnings)
		fmt.Fprintf(stdout, "%sok\n", prefix)
	}
	return ok
}

func isJSON(name string, data []byte) bool {
	if strings.HasSuffix(name, ".json") {
		return true
	}
	if strings.HasSuffix(name, ".yaml") || strings.HasSuffix(name, ".yml") {
		return false
	}
	t := bytes.TrimSpace(data)
	return len(t) > 0 && t[0] == '{'
}

// printErr prints one line per problem, each with the prefix.
func printErr(w io.Writer, prefix string, err error) {
	for _, line := range strings.Split(err.Error(), "\n") {
		fmt.Fprintf(w, "%s%s\n", prefix, line)
	}
}

// printWarnings prints one "warning:" line per warning, each with the prefix.
func printWarnings(w io.Writer, prefix string, ws config.Errors) {
	for _, e := range ws {
		fmt.Fprintf(w, "%swarning: %s\n", prefix, e)
	}
}
