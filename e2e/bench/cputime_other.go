//go:build !linux

package bench

import "time"

var epoch = time.Now()

// threadCPU falls back to wall-clock time where the thread CPU clock is unavailable.
func threadCPU() int64 { return int64(time.Since(epoch)) }

// ClockName says what timings measure.
const ClockName = "wall-clock time"
