//go:build !(tinygo && custommalloc)

package main

import (
	"slices"

	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm"
)

// requestHeaders returns the request headers. Natively, and in a TinyGo build that keeps
// TinyGo's own malloc (the test-only leaky variant), there is no reused buffer and the
// SDK makes every host call: see hostmem_tinygo.go.
func requestHeaders() ([][2]string, error) { return proxywasm.GetHttpRequestHeaders() }

// releaseRequestHeaders has nothing to clear without the reused buffer.
func releaseRequestHeaders() {}

// sendLocalReply sends a local reply through the SDK. Its emulator keeps the body it
// is given, so it gets a copy of the reused buffer.
func sendLocalReply(status uint32, headers *replyHeaders, body []byte, grpcStatus int32) error {
	return proxywasm.SendHttpResponse(status, headers.list, slices.Clone(body), grpcStatus)
}

// logWarn logs a line built in a reused buffer. The SDK's emulator keeps the message,
// so it gets a copy.
func logWarn(b []byte) { proxywasm.LogWarn(string(b)) }
