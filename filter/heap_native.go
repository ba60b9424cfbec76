//go:build !tinygo

package main

// heapInUse and reserveHeadroom do nothing natively: Go's own collector sizes its
// heap (see heap_tinygo.go for why the wasm build reserves room).
func heapInUse() uint64 { return 0 }

func reserveHeadroom(uint64, bool) {}
