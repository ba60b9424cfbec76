package main

import (
	"os"
	"os/exec"
	"path/filepath"
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

// newHost starts a plugin with the given pluginConfig in the SDK's emulator.
func newHost(t *testing.T, vm types.VMContext, pluginConfig string) (proxytest.HostEmulator, types.OnPluginStartStatus) {
	t.Helper()
	opt := proxytest.NewEmulatorOption().WithVMContext(vm).WithPluginConfiguration([]byte(pluginConfig))
	host, reset := proxytest.NewHostEmulator(opt)
	t.Cleanup(reset)
	return host, host.StartPlugin()
}
