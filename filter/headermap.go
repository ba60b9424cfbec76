package main

import (
	"encoding/binary"
	"unsafe"
)

// decodeHeaderMap decodes a header map as proxy-wasm hosts return it
// (proxy_get_header_map_pairs): the number of pairs n, n pairs of key and value
// lengths, then every key and value followed by a NUL; all numbers 32-bit
// little-endian. The pairs are written over dst's elements (a new slice only when dst
// is too short), so that a caller that keeps dst decodes every request without
// allocating once dst is large enough.
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
	if uint64(cap(dst)) < n {
		dst = make([][2]string, n)
	}
	dst = dst[:n] // one resize: TinyGo's append is a runtime call per element
	for i := range dst {
		for j := range dst[i] {
			size := uint64(binary.LittleEndian.Uint32(sizes[8*i+4*j:]))
			if size >= uint64(len(data)) || data[size] != 0 {
				clear(dst) // what was decoded so far aliases b
				return dst[:0], false
			}
			dst[i][j] = ""
			if size > 0 {
				dst[i][j] = unsafe.String(&data[0], int(size))
			}
			data = data[size+1:]
		}
	}
	return dst, true
}

// encodeHeaderMap encodes pairs as decodeHeaderMap reads them, which is also how
// proxy_send_local_response takes a reply's headers.
func encodeHeaderMap(pairs [][2]string) []byte {
	size := 4
	for _, p := range pairs {
		size += 8 + len(p[0]) + len(p[1]) + 2
	}
	b := make([]byte, 0, size)
	b = binary.LittleEndian.AppendUint32(b, uint32(len(pairs)))
	for _, p := range pairs {
		b = binary.LittleEndian.AppendUint32(b, uint32(len(p[0])))
		b = binary.LittleEndian.AppendUint32(b, uint32(len(p[1])))
	}
	for _, p := range pairs {
		b = append(append(b, p[0]...), 0)
		b = append(append(b, p[1]...), 0)
	}
	return b
}

// replyHeaders is a local reply's header list, kept both as the list the SDK takes
// and in the ABI's encoding, which is built once: a denial then encodes nothing.
type replyHeaders struct {
	list    [][2]string
	encoded []byte
}

func newReplyHeaders(list ...[2]string) *replyHeaders {
	return &replyHeaders{list: list, encoded: encodeHeaderMap(list)}
}
