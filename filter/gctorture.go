//go:build gctorture

package main

import "runtime"

// debugGC lets a test host force a garbage collection at any point, for example inside
// every guest allocation it requests, to prove that no pointer the collector cannot see
// is live across a host call. Only in the gctorture test build, never shipped.
//
//export wasmauth_debug_gc
func debugGC() { runtime.GC() }

// debugMallocs returns how many heap allocations the module has made so far, so that a
// test host can count the allocations of a request. Only in the gctorture test build.
//
//export wasmauth_debug_mallocs
func debugMallocs() uint64 {
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.Mallocs
}
