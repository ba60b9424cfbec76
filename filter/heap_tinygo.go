//go:build tinygo

package main

import "runtime"

// Heap headroom after a configuration is loaded: a multiple of the memory the parsed
// policy occupies, within bounds.
const (
	headroomFactor = 4
	minHeadroom    = 512 << 10
	maxHeadroom    = 32 << 20
)

// heapInUse collects garbage and returns the bytes still in use.
func heapInUse() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapInuse
}

// reserveHeadroom grows the heap, once a configuration is loaded, until four times
// the memory its policy occupies (at least 512 KiB, at most 32 MiB) is free for
// requests; before is heapInUse() from before the configuration was parsed.
//
// TinyGo's collector runs whenever an allocation finds no free block, marks the whole
// live heap and grows the heap only when less than a third is free afterwards. Every
// request used to allocate, so with a large policy (10,000 users: megabytes of live
// heap) a collection came every few thousand requests and added tens of microseconds
// to the average request. With room for many times the policy, collections are rare
// enough that the average request costs about what it costs with one user. Twice the
// policy was tried at a time when a cached bcrypt check allocated: it halves the memory
// of 10,000 users or hosts, but such a check then cost 6-11% more with 10,000 users.
// Requests now allocate nothing (hostmem_tinygo.go; the cache key is a keyed BLAKE2b)
// except a slow-hash check the cache cannot answer (milliseconds of work), a 429, and
// every request when throttling is on (its shared-data reads and client address): the
// room now serves those and the slow-hash cache as it fills. Even a small policy's
// heap gained from 512 KiB of room while requests allocated: each collection also
// scans the module's 140 KB of globals, and with the half-empty 0.5 MiB heap TinyGo
// settles on, that added about 1 us to every request. The memory benchmark (e2e/bench)
// shows the heap stays flat.
//
// The heap is grown directly rather than by allocating and dropping a large block: the
// collector is conservative, and a stale copy of the block's address on the stack
// would keep it alive.
func reserveHeadroom(before uint64) {
	runtime.GC() // what parsing left behind is not the policy
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	policy := uint64(0)
	if m.HeapInuse > before {
		policy = m.HeapInuse - before
	}
	want := min(max(headroomFactor*policy, minHeadroom), maxHeadroom)
	for m.HeapIdle < want && growHeap() {
		runtime.ReadMemStats(&m)
	}
}

// growHeap doubles the linear memory and hands the new space to the heap; false when
// the host refuses to grow the memory. It is TinyGo's own (runtime/arch_tinygowasm.go,
// TinyGo 0.39.0, pinned in build/bootstrap-tinygo.sh): the build fails if it changes.
//
//go:linkname growHeap runtime.growHeap
func growHeap() bool
