//go:build tinygo && custommalloc

package main

import (
	"unsafe"

	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm"
)

// The host returns data to the VM by asking it for memory: through an exported
// malloc when there is one (Envoy's proxy-wasm-cpp-host prefers it), else through the
// SDK's proxy_on_memory_allocate. Both hand out fresh garbage-collected memory, so
// every request used to allocate a block as large as its headers: with a 4 KB cookie
// that block, and the collections it set off, made up most of a request's cost (the
// allocator walks the heap block by block). Request headers are now copied into one
// buffer that the VM keeps and reuses; everything else the host returns still gets
// fresh memory, exactly as from proxy_on_memory_allocate.
//
// The strings of the header list point into that buffer, so they are valid only until
// the next request's headers are read: nothing may keep them past
// OnHttpRequestHeaders (the decision copies what it keeps, e.g. decoded credentials).

// maxReusedHeaderBytes bounds the reused buffer; a larger header block gets fresh
// memory for that request only.
const maxReusedHeaderBytes = 64 << 10

var headerBuf struct {
	armed bool // the next allocation is the request headers'
	buf   []byte
}

// requestHeaders returns the request headers, copied by the host into the reused
// buffer.
func requestHeaders() ([][2]string, error) {
	headerBuf.armed = true
	h, err := proxywasm.GetHttpRequestHeaders()
	headerBuf.armed = false // also when the host allocated nothing (no headers)
	return h, err
}

// malloc is what the host calls for memory to return data in. It never frees: the
// memory is the garbage collector's, and reachable only through what the SDK makes of
// it, exactly like the SDK's proxy_on_memory_allocate.
//
// It uses //export, as the SDK does for its callbacks: TinyGo's //go:wasmexport
// functions refuse to run once main has returned, which it has in a proxy-wasm VM.
//
//export malloc
func malloc(size uint32) unsafe.Pointer {
	n := int(size)
	if n == 0 {
		n = 1
	}
	if headerBuf.armed && n <= maxReusedHeaderBytes {
		headerBuf.armed = false
		if cap(headerBuf.buf) < n {
			headerBuf.buf = make([]byte, roundUp(n))
		}
		return unsafe.Pointer(unsafe.SliceData(headerBuf.buf))
	}
	headerBuf.armed = false
	return unsafe.Pointer(unsafe.SliceData(make([]byte, n)))
}

// roundUp returns n rounded up to a power of two of at least 1 KiB, so that a buffer
// growing with larger requests is reallocated a few times only.
func roundUp(n int) int {
	c := 1 << 10
	for c < n {
		c <<= 1
	}
	return c
}
