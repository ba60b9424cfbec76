package main

import (
	"encoding/binary"
	"unsafe"
)

// decodeHeaderMap decodes a header map as proxy-wasm hosts return it
// (proxy_get_header_map_pairs): the number of pairs n, n pairs of key and value
// lengths, then every key and value followed by a NUL; all numbers 32-bit
// little-endian. The pairs are appended to dst[:0], so that a caller that keeps dst
// decodes every request without allocating once dst is large enough.
//
// The strings alias b: they are valid only as long as b's bytes are. ok is false when
// b is not such an encoding (truncated, a count or length past its end, a missing
// NUL); dst then holds nothing. Bytes after the last NUL are ignored, as the SDK's own
// decoder ignores them.
func decodeHeaderMap(b []byte, dst [][2]string) (pairs [][2]string, ok bool) {
	dst = dst[:0]
	if len(b) < 4 {
		return dst, false
	}
	n := uint64(binary.LittleEndian.Uint32(b))
	sizes := b[4:]
	// Each pair takes at least 8 bytes of lengths and 2 NULs: a count that cannot fit
	// is refused before it is used for anything (nothing is sized by it).
	if n > uint64(len(sizes))/10 {
		return dst, false
	}
	data := sizes[8*n:]
	for i := uint64(0); i < n; i++ {
		var pair [2]string
		for j := range pair {
			size := uint64(binary.LittleEndian.Uint32(sizes[8*i+4*uint64(j):]))
			if size >= uint64(len(data)) || data[size] != 0 {
				clear(dst) // what was decoded so far aliases b
				return dst[:0], false
			}
			if size > 0 {
				pair[j] = unsafe.String(&data[0], int(size))
			}
			data = data[size+1:]
		}
		dst = append(dst, pair)
	}
	return dst, true
}
