//go:build tinygo

package main

import "runtime"

// Heap headroom after a configuration is loaded: a multiple of the memory the parsed
// policy occupies, within bounds. The multiple is larger when requests allocate.
const (
	headroomQuiet      = 1
	headroomAllocating = 4
	minHeadroom        = 512 << 10
	maxHeadroom        = 32 << 20
)

// heapInUse collects garbage and returns the bytes still in use.
func heapInUse() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapInuse
}

// reserveHeadroom grows the heap, once a configuration is loaded, until a multiple of
// the memory its policy occupies (at least 512 KiB, at most 32 MiB) is free for
// requests: four times when requestsAllocate, else once. before is heapInUse() from
// before the configuration was parsed.
//
// TinyGo's collector runs whenever an allocation finds no free block, marks the whole
// live heap and sweeps every block of it. Every request used to allocate, so with a
// large policy (10,000 users: megabytes of live heap) a collection came every few
// thousand requests and added tens of microseconds to the average request; room for
// four times the policy made collections rare enough that the average request cost
// about what it costs with one user. Requests now allocate nothing (hostmem_tinygo.go;
// the slow-hash cache key is a keyed BLAKE2b) except a slow-hash check the cache
// cannot answer (milliseconds of work), a 429, and every request when throttling is on
// (its shared-data reads and client address). Without throttling the room therefore
// only serves those and the slow-hash cache as it fills, and as much as the policy is
// plenty: it halves the memory of 10,000 users or hosts, and with it the length of a
// collection, the pause the request that sets one off pays. With throttling on, every
// request allocates and the room keeps collections rare, as before. The minimum of
// 512 KiB dates from when every request allocated (each collection also scans the
// module's 140 KB of globals); in the 1 MiB it gives a small policy, the slow-hash
// cache fills without a collection. The memory benchmark (e2e/bench) shows the heap
// stays flat.
//
// The heap is grown directly rather than by allocating and dropping a large block: the
// collector is conservative, and a stale copy of the block's address on the stack
// would keep it alive.
func reserveHeadroom(before uint64, requestsAllocate bool) {
	runtime.GC() // what parsing left behind is not the policy
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	policy := uint64(0)
	if m.HeapInuse > before {
		policy = m.HeapInuse - before
	}
	factor := uint64(headroomQuiet)
	if requestsAllocate {
		factor = headroomAllocating
	}
	want := min(max(factor*policy, minHeadroom), maxHeadroom)
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
