package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os/exec"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/tetratelabs/wazero"
)

// envoyHostFunctions are the env.proxy_* functions Envoy's proxy-wasm host
// (proxy-wasm-cpp-host, include/proxy-wasm/exports.h) registers for ABI 0.2.x.
// A module importing anything else is refused when Envoy links it.
var envoyHostFunctions = words(`
	proxy_log proxy_get_log_level proxy_get_status proxy_set_property proxy_get_property
	proxy_send_local_response proxy_get_shared_data proxy_set_shared_data
	proxy_register_shared_queue proxy_resolve_shared_queue proxy_dequeue_shared_queue
	proxy_enqueue_shared_queue proxy_get_header_map_value proxy_add_header_map_value
	proxy_replace_header_map_value proxy_remove_header_map_value proxy_get_header_map_pairs
	proxy_set_header_map_pairs proxy_get_header_map_size proxy_get_buffer_status
	proxy_get_buffer_bytes proxy_set_buffer_bytes proxy_http_call proxy_grpc_call
	proxy_grpc_stream proxy_grpc_close proxy_grpc_cancel proxy_grpc_send
	proxy_set_tick_period_milliseconds proxy_get_current_time_nanoseconds proxy_define_metric
	proxy_increment_metric proxy_record_metric proxy_get_metric proxy_set_effective_context
	proxy_done proxy_call_foreign_function proxy_get_configuration proxy_continue_request
	proxy_continue_response proxy_clear_route_cache proxy_continue_stream proxy_close_stream`)

// envoyWASIFunctions are the WASI functions the same host provides, under both
// wasi_snapshot_preview1 and wasi_unstable.
var envoyWASIFunctions = words(`
	fd_write fd_read fd_seek fd_close fd_fdstat_get environ_get environ_sizes_get
	args_get args_sizes_get proc_exit clock_time_get random_get`)

// requiredExports are the entry points a proxy-wasm 0.2 HTTP filter must export, and
// the filter's own malloc (hostmem_tinygo.go), which Envoy prefers to
// proxy_on_memory_allocate.
var requiredExports = []string{
	"proxy_abi_version_0_2_0", "malloc", "proxy_on_memory_allocate", "proxy_on_vm_start",
	"proxy_on_configure", "proxy_on_context_create", "proxy_on_request_headers",
	"proxy_on_done", "proxy_on_log", "proxy_on_delete",
}

func words(s string) map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(s) {
		m[w] = true
	}
	return m
}

// interfaceProblems lists every way the module's imports and exports differ from what
// Envoy accepts and what a leak-free build looks like.
func interfaceProblems(t *testing.T, bin []byte) []string {
	t.Helper()
	ctx := context.Background()
	r := wazero.NewRuntime(ctx)
	defer r.Close(ctx)
	mod, err := r.CompileModule(ctx, bin)
	if err != nil {
		t.Fatalf("compile: %v", err)
	}
	var problems []string
	for _, f := range mod.ImportedFunctions() {
		module, name, _ := f.Import()
		switch module {
		case "env":
			if !envoyHostFunctions[name] {
				problems = append(problems, fmt.Sprintf("imports %s.%s, which Envoy does not provide", module, name))
			}
		case "wasi_snapshot_preview1", "wasi_unstable":
			if !envoyWASIFunctions[name] {
				problems = append(problems, fmt.Sprintf("imports %s.%s, which Envoy does not provide", module, name))
			}
		default:
			problems = append(problems, fmt.Sprintf("imports from unknown module %s (%s)", module, name))
		}
	}
	exports := mod.ExportedFunctions()
	for _, name := range requiredExports {
		if _, ok := exports[name]; !ok {
			problems = append(problems, "does not export "+name)
		}
	}
	// TinyGo's own C allocator exports these along with its malloc, which keeps every
	// block until free(): Envoy never frees, so it would leak on every request.
	for _, name := range []string{"free", "calloc", "realloc"} {
		if _, ok := exports[name]; ok {
			problems = append(problems, "exports "+name+": TinyGo's leaking allocator is linked (build with -tags=custommalloc)")
		}
	}
	if _, ok := mod.ExportedMemories()["memory"]; !ok {
		problems = append(problems, "does not export its memory as \"memory\"")
	}
	sort.Strings(problems)
	return problems
}

func TestModuleInterface(t *testing.T) {
	if p := interfaceProblems(t, compiledModule(t, "wasmauth.wasm")); len(p) > 0 {
		t.Errorf("out/wasmauth.wasm:\n  %s", strings.Join(p, "\n  "))
	}
	// The check must be able to fail: a default TinyGo build exports free.
	p := interfaceProblems(t, compiledModule(t, "wasmauth-leaky.wasm"))
	if !strings.Contains(strings.Join(p, "\n"), "exports free") {
		t.Errorf("the malloc-exporting build was not flagged; problems: %v", p)
	}
}

var (
	funcHeader = regexp.MustCompile(`^[0-9a-f]+ func\[\d+\] <(.*)>:$`)
	funcName   = regexp.MustCompile(`^ - func\[\d+\] sig=\d+ <(.*)>$`)
)

// functionNames lists the module's function names (its name section) with wabt's
// wasm-objdump.
func functionNames(t *testing.T, path string) []string {
	t.Helper()
	objdump, err := exec.LookPath("wasm-objdump")
	if err != nil {
		t.Fatal("wasm-objdump not found: build/bootstrap-tinygo.sh installs Debian's wabt")
	}
	out, err := exec.Command(objdump, "-x", "-j", "Function", path).Output()
	if err != nil {
		t.Fatalf("wasm-objdump -x: %v", err)
	}
	var names []string
	for sc := bufio.NewScanner(bytes.NewReader(out)); sc.Scan(); {
		if m := funcName.FindStringSubmatch(sc.Text()); m != nil {
			names = append(names, m[1])
		}
	}
	if len(names) == 0 {
		t.Fatalf("%s: no function names: is the name section missing?", path)
	}
	return names
}

// allocatorProblems uses wabt's wasm-objdump to find a second heap: a libc allocator
// linked in, or memory.grow anywhere but TinyGo's own heap growth.
func allocatorProblems(t *testing.T, path string) []string {
	t.Helper()
	objdump, err := exec.LookPath("wasm-objdump")
	if err != nil {
		t.Fatal("wasm-objdump not found: build/bootstrap-tinygo.sh installs Debian's wabt")
	}
	var problems []string
	for _, name := range functionNames(t, path) {
		switch {
		case strings.Contains(name, "dlmalloc"), name == "sbrk", name == "calloc",
			name == "realloc", name == "free", name == "__libc_malloc":
			problems = append(problems, "links C allocator function "+name)
		}
	}
	out, err := exec.Command(objdump, "-d", path).Output()
	if err != nil {
		t.Fatalf("wasm-objdump -d: %v", err)
	}
	current, grows := "", 0
	for sc := bufio.NewScanner(bytes.NewReader(out)); sc.Scan(); {
		line := sc.Text()
		if m := funcHeader.FindStringSubmatch(line); m != nil {
			current = m[1]
			continue
		}
		if strings.Contains(line, "| memory.grow") {
			grows++
			if current != "runtime.growHeap" {
				problems = append(problems, "memory.grow in "+current)
			}
		}
	}
	if grows == 0 {
		problems = append(problems, "no memory.grow found at all: is the name section missing?")
	}
	return problems
}

func TestModuleHasOneHeap(t *testing.T) {
	compiledModule(t, "wasmauth.wasm")
	if p := allocatorProblems(t, repoRoot+"/out/wasmauth.wasm"); len(p) > 0 {
		t.Errorf("out/wasmauth.wasm:\n  %s", strings.Join(p, "\n  "))
	}
	// The check must be able to fail: the default build has a second allocator entry point.
	if p := allocatorProblems(t, repoRoot+"/out/wasmauth-leaky.wasm"); len(p) == 0 {
		t.Error("the malloc-exporting build was not flagged")
	}
}

// unusedPackages are packages the filter never calls but that a change in package
// initialisation order would pull in (see the gjson import in main.go).
var unusedPackages = []string{"github.com/tidwall/pretty.", "encoding/json.", "github.com/tidwall/gjson.mod"}

// unusedCode lists the function names that belong to unusedPackages.
func unusedCode(names []string) []string {
	var found []string
	for _, name := range names {
		bare := strings.TrimLeft(name, "(*") // methods: "(*pkg.T).M"
		for _, prefix := range unusedPackages {
			if strings.HasPrefix(bare, prefix) {
				found = append(found, name)
				break
			}
		}
	}
	return found
}

func TestModuleLeavesOutUnusedPackages(t *testing.T) {
	compiledModule(t, "wasmauth.wasm")
	names := functionNames(t, repoRoot+"/out/wasmauth.wasm")
	if found := unusedCode(names); len(found) > 0 {
		sort.Strings(found)
		t.Errorf("out/wasmauth.wasm holds %d functions of gjson's modifiers and what they use "+
			"(e.g. %s): gjson's initialiser ran at run time; check the import order in main.go",
			len(found), strings.Join(found[:min(len(found), 5)], ", "))
	}
	// The check must be able to fail: names as TinyGo writes them when that code is linked.
	linked := []string{"github.com/tidwall/gjson.modPretty", "github.com/tidwall/pretty.appendPrettyObject",
		"(*encoding/json.decodeState).value", "runtime.alloc"}
	if found := unusedCode(linked); len(found) != 3 {
		t.Errorf("unusedCode(%q) = %q, want the first three", linked, found)
	}
}
