//go:build wasip1

package main

import "unsafe"

// The VM's environment (WasmPlugin vmConfig.env) is read straight from WASI:
// os.LookupEnv would link wasi-libc's getenv and with it a second (C) heap.

//go:wasmimport wasi_snapshot_preview1 environ_sizes_get
func environSizesGet(count *uint32, size *uint32) uint32

//go:wasmimport wasi_snapshot_preview1 environ_get
func environGet(environ *uint32, buf *byte) uint32

// lookupEnv returns the value of the environment variable key.
func lookupEnv(key string) (string, bool) {
	var n, size uint32
	if environSizesGet(&n, &size) != 0 || n == 0 || size == 0 {
		return "", false
	}
	ptrs := make([]uint32, n)
	buf := make([]byte, size)
	if environGet(&ptrs[0], &buf[0]) != 0 {
		return "", false
	}
	base := uint32(uintptr(unsafe.Pointer(&buf[0])))
	for _, p := range ptrs {
		if p < base || p-base >= size {
			continue
		}
		entry := buf[p-base:]
		for i, c := range entry {
			if c == 0 {
				entry = entry[:i]
				break
			}
		}
		if len(entry) > len(key) && entry[len(key)] == '=' && string(entry[:len(key)]) == key {
			return string(entry[len(key)+1:]), true
		}
	}
	return "", false
}
