// Package wasmtest gives e2e tests the compiled modules the Makefile builds.
package wasmtest

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sync"
	"syscall"
	"testing"
)

var (
	once     sync.Once
	buildErr error
	buildOut []byte
)

// RepoRoot returns the repository root (the parent of the e2e module).
func RepoRoot() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Clean(filepath.Join(filepath.Dir(file), "..", "..", ".."))
}

// makeLocked runs `make -s -C <root> targets...`. Test binaries of several packages
// run in parallel: one make at a time, so that none reads a file another is still
// writing.
func makeLocked(targets ...string) ([]byte, error) {
	lock, err := os.OpenFile(filepath.Join(os.TempDir(), "wasmauth-wasm-variants.lock"), os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, err
	}
	defer lock.Close()
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX); err != nil {
		return nil, err
	}
	defer syscall.Flock(int(lock.Fd()), syscall.LOCK_UN)
	return exec.Command("make", append([]string{"-s", "-C", RepoRoot()}, targets...)...).CombinedOutput()
}

// Path returns the path of out/<name>, running `make -s wasm-variants` once per test
// binary first: make rebuilds whatever is missing or stale. A failed build fails the test.
func Path(t testing.TB, name string) string {
	t.Helper()
	once.Do(func() { buildOut, buildErr = makeLocked("wasm-variants") })
	if buildErr != nil {
		t.Fatalf("make wasm-variants: %v\n%s", buildErr, buildOut)
	}
	return filepath.Join(RepoRoot(), "out", name)
}

// Tool returns the path of out/bin/<name>, a pinned tool the tests run (grpcurl),
// running `make -s out/bin/<name>` first: it installs the tool when missing. A failed
// install fails the test.
func Tool(t testing.TB, name string) string {
	t.Helper()
	target := filepath.Join("out", "bin", name)
	if out, err := makeLocked(target); err != nil {
		t.Fatalf("make %s: %v\n%s", target, err, out)
	}
	return filepath.Join(RepoRoot(), target)
}

// Module returns the bytes of out/<name> (see Path).
func Module(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(Path(t, name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}
