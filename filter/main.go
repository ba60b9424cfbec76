// Command filter is the wasmauth proxy-wasm module: HTTP Basic authentication and
// request-metadata checks for the Istio ingress gateway.
//
// It is compiled with TinyGo to out/wasmauth.wasm (see the Makefile). This package is
// only the proxy-wasm glue: configuration parsing lives in package config and the
// allow/deny decision in package auth.
package main

import (
	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm"

	// Imported here, ahead of package auth, only to put gjson's initialisation before
	// crypto's (TinyGo runs package initialisers in import order, depth first). TinyGo
	// evaluates initialisers at compile time where it can, and can no longer evaluate
	// map literals after crypto/internal/fips140's initialiser (it reads GODEBUG at
	// run time and leaves the map-hash seed unknown: tinygo-org/tinygo#5702). gjson's
	// initialiser builds its path-modifier table; evaluated at run time, that table
	// keeps every modifier, tidwall/pretty and encoding/json in the module (157 KB),
	// although the filter never uses gjson paths. TestModuleLeavesOutUnusedPackages
	// checks they stay out.
	_ "github.com/tidwall/gjson"
)

func main() {
	proxywasm.SetVMContext(&vmContext{})
}
