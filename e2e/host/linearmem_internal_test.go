package host

import (
	"runtime"
	"testing"

	"github.com/tetratelabs/wazero/experimental"
)

func testLinearMemory(t *testing.T, m experimental.LinearMemory, inPlace bool) {
	t.Helper()
	const page = 64 << 10
	a := m.Reallocate(page)
	if len(a) != page {
		t.Fatalf("len %d, want %d", len(a), page)
	}
	a[0], a[page-1] = 1, 2
	b := m.Reallocate(16 * page)
	if len(b) != 16*page || b[0] != 1 || b[page-1] != 2 || b[16*page-1] != 0 {
		t.Fatalf("after growing: len %d, contents %d %d %d", len(b), b[0], b[page-1], b[16*page-1])
	}
	if inPlace && &a[0] != &b[0] {
		t.Error("the memory moved when it grew")
	}
	if m.Reallocate(64*page+1) != nil {
		t.Error("grew beyond its maximum")
	}
	m.Free()
}

func TestReservedMemoryGrowsInPlace(t *testing.T) {
	alloc := memoryAllocator()
	if alloc == nil {
		t.Skipf("no reserved linear memory on %s: wazero's default is used", runtime.GOOS)
	}
	testLinearMemory(t, alloc.Allocate(0, 64*64<<10), true)
}

func TestSliceMemory(t *testing.T) {
	testLinearMemory(t, &sliceMemory{max: 64 * 64 << 10}, false)
}
