// Command filter is the wasmauth proxy-wasm module: HTTP Basic authentication and
// request-metadata checks for the Istio ingress gateway.
//
// It is compiled with TinyGo to out/wasmauth.wasm (see the Makefile). This package is
// only the proxy-wasm glue: configuration parsing lives in package config and the
// allow/deny decision in package auth.
package main

import "github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm"

func main() {
	proxywasm.SetVMContext(&vmContext{})
}
