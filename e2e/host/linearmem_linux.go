//go:build linux

package host

import (
	"syscall"

	"github.com/tetratelabs/wazero/experimental"
)

// memoryAllocator gives every VM a linear memory reserved up front for the largest
// size it may grow to, as Envoy's wasm runtimes (V8, WAMR) reserve theirs:
// memory.grow then extends the memory in place. wazero's default backing is a Go
// slice that is reallocated and copied on every growth; with a guest heap of tens
// of MiB, the copies and the Go collections they set off (whose stop-the-world
// pauses wait on the goroutine running wasm code) were most of the time this host
// took to load a large configuration, a cost the gateway does not have.
func memoryAllocator() experimental.MemoryAllocator {
	return experimental.MemoryAllocatorFunc(func(_, max uint64) experimental.LinearMemory {
		// MAP_NORESERVE: address space only; pages are backed when touched.
		b, err := syscall.Mmap(-1, 0, int(max), syscall.PROT_READ|syscall.PROT_WRITE,
			syscall.MAP_PRIVATE|syscall.MAP_ANON|syscall.MAP_NORESERVE)
		if err != nil {
			return &sliceMemory{max: max}
		}
		return &reservedMemory{buf: b}
	})
}

// reservedMemory is a linear memory in one mapping of its maximum size.
type reservedMemory struct{ buf []byte }

func (m *reservedMemory) Reallocate(size uint64) []byte {
	if size > uint64(len(m.buf)) {
		return nil
	}
	return m.buf[:size:size]
}

func (m *reservedMemory) Free() {
	if m.buf != nil {
		_ = syscall.Munmap(m.buf)
		m.buf = nil
	}
}
