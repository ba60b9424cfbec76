//go:build !linux

package host

import "github.com/tetratelabs/wazero/experimental"

// memoryAllocator returns nil elsewhere: wazero's default (a Go slice copied on growth).
func memoryAllocator() experimental.MemoryAllocator { return nil }
