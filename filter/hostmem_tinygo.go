//go:build tinygo && custommalloc

package main

import (
	"errors"
	"unsafe"

	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm"
	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm/types"
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
// The header list is decoded into a slice the VM also keeps (the SDK's
// GetHttpRequestHeaders makes a new one per request), so that a request the filter lets
// through allocates nothing: the collector then never runs for allowed traffic, and with
// a large policy each collection is a pause of milliseconds.
//
// What the VM hands to the host in a request (a denial's reply and log line) is built
// in buffers the plugin reuses, and passed without a copy: hosts copy it before the
// call returns.
//
// The strings of the header list point into that buffer, so they are valid only until
// OnHttpRequestHeaders returns: nothing may keep them (the decision copies what it
// keeps, e.g. decoded credentials). releaseRequestHeaders then zeroes what the host
// wrote, so that the request's credentials do not linger in the VM, and a string kept
// by mistake reads as NULs instead of silently turning into the next request's.

// maxReusedHeaderBytes bounds the reused buffer; a larger header block gets fresh
// memory for that request only.
const maxReusedHeaderBytes = 64 << 10

var headerBuf struct {
	armed bool        // the next allocation is the request headers'
	used  int         // bytes of buf handed to the host for the current request
	buf   []byte      // the reused buffer
	large []byte      // the current request's block when it exceeded the reused size
	pairs [][2]string // the reused header list
}

// mapTypeHTTPRequestHeaders is the ABI's map type of the request headers.
const mapTypeHTTPRequestHeaders = 0

// proxyGetHeaderMapPairs is the host call behind the SDK's GetHttpRequestHeaders
// (proxy-wasm ABI 0.2.1): it returns a block the host got from malloc.
//
//go:wasmimport env proxy_get_header_map_pairs
func proxyGetHeaderMapPairs(mapType uint32, data *uintptr, size *uint32) uint32

// requestHeaders returns the request headers, copied by the host into the reused
// buffer and decoded into the reused list.
func requestHeaders() ([][2]string, error) {
	var data uintptr
	var size uint32
	headerBuf.armed = true
	status := proxyGetHeaderMapPairs(mapTypeHTTPRequestHeaders, &data, &size)
	headerBuf.armed = false // also when the host allocated nothing (no headers)
	switch {
	case status != 0:
		return nil, hostStatusError(status)
	case data == 0:
		return nil, types.ErrorStatusNotFound
	}
	pairs, ok := decodeHeaderMap(unsafe.Slice((*byte)(unsafe.Pointer(data)), size), headerBuf.pairs)
	headerBuf.pairs = pairs
	if !ok {
		return nil, errMalformedHeaderMap
	}
	return pairs, nil
}

// releaseRequestHeaders zeroes what the current request's headers occupied and drops
// the list's strings, which pointed into it.
func releaseRequestHeaders() {
	clear(headerBuf.buf[:headerBuf.used])
	headerBuf.used = 0
	clear(headerBuf.large)
	headerBuf.large = nil
	clear(headerBuf.pairs)
	headerBuf.pairs = headerBuf.pairs[:0]
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
	armed := headerBuf.armed
	headerBuf.armed = false
	// Compared before any conversion: int is 32 bits here.
	if armed && size <= maxReusedHeaderBytes {
		n := max(int(size), 1)
		if cap(headerBuf.buf) < n {
			headerBuf.buf = make([]byte, roundUp(n))
		}
		headerBuf.used = n
		return unsafe.Pointer(unsafe.SliceData(headerBuf.buf))
	}
	b := make([]byte, max(uint(size), 1))
	if armed {
		headerBuf.large = b // zeroed by releaseRequestHeaders too
	}
	return unsafe.Pointer(unsafe.SliceData(b))
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

// proxySendLocalResponse is the host call behind the SDK's SendHttpResponse, which
// encodes the reply's header list anew on every call.
//
//go:wasmimport env proxy_send_local_response
func proxySendLocalResponse(status uint32, details unsafe.Pointer, detailsLen uint32, body unsafe.Pointer, bodyLen uint32,
	headers unsafe.Pointer, headersLen uint32, grpcStatus int32) uint32

// sendLocalReply sends a local reply with headers encoded once. The host copies body
// and headers before it returns: body may be a reused buffer.
func sendLocalReply(status uint32, headers *replyHeaders, body []byte, grpcStatus int32) error {
	st := proxySendLocalResponse(status, nil, 0, unsafe.Pointer(unsafe.SliceData(body)), uint32(len(body)),
		unsafe.Pointer(unsafe.SliceData(headers.encoded)), uint32(len(headers.encoded)), grpcStatus)
	if st != 0 {
		return hostStatusError(st)
	}
	return nil
}

// logWarn logs a line built in a reused buffer, without copying it: the host copies
// the message before it returns.
func logWarn(b []byte) { proxywasm.LogWarn(unsafe.String(unsafe.SliceData(b), len(b))) }

// errMalformedHeaderMap: the host returned headers that are not the ABI's encoding.
var errMalformedHeaderMap = errors.New("the host's header map is malformed")

// hostStatusError is the status a host call failed with (proxy-wasm ABI: 1 not found,
// 2 bad argument, ...).
type hostStatusError uint32

func (e hostStatusError) Error() string { return "host call failed with status " + itoa(int(e)) }
