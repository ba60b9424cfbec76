package bench

import (
	"syscall"
	"unsafe"
)

const clockThreadCPUTime = 3 // CLOCK_THREAD_CPUTIME_ID

// threadCPU returns the CPU time consumed so far by the calling OS thread, in ns. The
// caller must hold runtime.LockOSThread. It makes timings robust against other work on
// a shared machine: only the cycles this thread ran count.
func threadCPU() int64 {
	var ts syscall.Timespec
	if _, _, e := syscall.Syscall(syscall.SYS_CLOCK_GETTIME, clockThreadCPUTime, uintptr(unsafe.Pointer(&ts)), 0); e != 0 {
		return 0
	}
	return ts.Nano()
}

// ClockName says what timings measure.
const ClockName = "per-thread CPU time (CLOCK_THREAD_CPUTIME_ID)"
