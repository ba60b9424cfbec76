package main

import (
	"log"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm/proxytest"
	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm/types"
)

// repoRoot is the repository root, relative to this package's directory.
const repoRoot = ".."

var (
	builtOnce sync.Once
	builtErr  error
)

// compiledModule returns the bytes of a module the Makefile builds (out/<name>), building it
// first when it is missing or stale: make knows the sources it depends on.
func compiledModule(t testing.TB, name string) []byte {
	t.Helper()
	builtOnce.Do(func() {
		cmd := exec.Command("make", "-s", "wasm-variants")
		cmd.Dir = repoRoot
		out, err := cmd.CombinedOutput()
		if err != nil {
			builtErr = &buildError{err: err, out: string(out)}
		}
	})
	if builtErr != nil {
		t.Fatalf("building the wasm modules: %v", builtErr)
	}
	bin, err := os.ReadFile(filepath.Join(repoRoot, "out", name))
	if err != nil {
		t.Fatal(err)
	}
	return bin
}

type buildError struct {
	err error
	out string
}

func (e *buildError) Error() string { return e.err.Error() + "\n" + e.out }

// vmTest runs f twice: against the filter compiled natively into this test binary, and
// against out/wasmauth.wasm in the SDK's wazero runner. Both must behave the same.
func vmTest(t *testing.T, f func(*testing.T, types.VMContext)) {
	t.Helper()
	t.Run("native", func(t *testing.T) { f(t, &vmContext{}) })
	t.Run("wasm", func(t *testing.T) {
		vm, err := proxytest.NewWasmVMContext(compiledModule(t, "wasmauth.wasm"))
		if err != nil {
			t.Fatal(err)
		}
		defer vm.Close()
		f(t, vm)
	})
}

// newHost starts a plugin with the given pluginConfig in the SDK's emulator. Its log
// getters return copies taken when each message arrived (see loggedHost).
func newHost(t *testing.T, vm types.VMContext, pluginConfig string) (proxytest.HostEmulator, types.OnPluginStartStatus) {
	t.Helper()
	sink := &logSink{}
	prevOut, prevFlags := log.Writer(), log.Flags()
	log.SetOutput(sink)
	log.SetFlags(0)
	opt := proxytest.NewEmulatorOption().WithVMContext(vm).WithPluginConfiguration([]byte(pluginConfig))
	host, reset := proxytest.NewHostEmulator(opt)
	t.Cleanup(func() {
		reset()
		log.SetOutput(prevOut)
		log.SetFlags(prevFlags)
	})
	h := loggedHost{HostEmulator: host, sink: sink}
	return h, h.StartPlugin()
}

// loggedHost is the SDK's emulator with log getters that can be trusted. For a wasm
// module the emulator stores each message as a view into the module's memory
// (proxytest keeps internal.RawBytePtrToString of it), which the module reuses for
// later allocations: a stored message can change after the fact, hiding or inventing
// content. The emulator also prints every message through the standard logger as it
// arrives; logSink keeps those copies. Tests create one host at a time.
type loggedHost struct {
	proxytest.HostEmulator
	sink *logSink
}

func (h loggedHost) GetTraceLogs() []string    { return h.sink.get("trace") }
func (h loggedHost) GetDebugLogs() []string    { return h.sink.get("debug") }
func (h loggedHost) GetInfoLogs() []string     { return h.sink.get("info") }
func (h loggedHost) GetWarnLogs() []string     { return h.sink.get("warn") }
func (h loggedHost) GetErrorLogs() []string    { return h.sink.get("error") }
func (h loggedHost) GetCriticalLogs() []string { return h.sink.get("critical") }

// logSink parses the emulator's "proxy_<level>_log: <message>" lines.
type logSink struct {
	mu   sync.Mutex
	msgs map[string][]string
}

func (s *logSink) Write(p []byte) (int, error) {
	line := strings.TrimSuffix(string(p), "\n")
	rest, ok := strings.CutPrefix(line, "proxy_")
	level, msg, ok2 := strings.Cut(rest, "_log: ")
	if !ok || !ok2 {
		os.Stderr.Write(p) // not the emulator's: pass it on
		return len(p), nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.msgs == nil {
		s.msgs = map[string][]string{}
	}
	s.msgs[level] = append(s.msgs[level], msg)
	return len(p), nil
}

func (s *logSink) get(level string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.msgs[level])
}
