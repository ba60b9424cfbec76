//go:build !(tinygo && custommalloc)

package main

import "github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm"

// requestHeaders returns the request headers. Natively, and in a TinyGo build that keeps
// TinyGo's own malloc (the test-only leaky variant), there is no reused buffer: see
// hostmem_tinygo.go.
func requestHeaders() ([][2]string, error) { return proxywasm.GetHttpRequestHeaders() }

// releaseRequestHeaders has nothing to clear without the reused buffer.
func releaseRequestHeaders() {}
