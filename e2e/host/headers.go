package host

import (
	"encoding/binary"
	"errors"
	"strings"
)

// Headers is a header map as Envoy gives it to a filter: an ordered list of (name, value)
// pairs with lowercase names, pseudo-headers (:method, :authority, :path, :scheme) first,
// and a name repeated once per value.
type Headers [][2]string

// Get returns the first value of name (matched case-insensitively, like Envoy's
// LowerCaseString lookups).
func (h Headers) Get(name string) (string, bool) {
	for _, kv := range h {
		if asciiEqualFold(kv[0], name) {
			return kv[1], true
		}
	}
	return "", false
}

// Value returns the first value of name, or "".
func (h Headers) Value(name string) string {
	v, _ := h.Get(name)
	return v
}

// Values returns every value of name in order.
func (h Headers) Values(name string) []string {
	var out []string
	for _, kv := range h {
		if asciiEqualFold(kv[0], name) {
			out = append(out, kv[1])
		}
	}
	return out
}

// Clone returns a copy of h.
func (h Headers) Clone() Headers {
	if h == nil {
		return nil
	}
	return append(Headers(nil), h...)
}

// Add appends name (lowercased) with value.
func (h *Headers) Add(name, value string) {
	*h = append(*h, [2]string{strings.ToLower(name), value})
}

// Del removes every value of name.
func (h *Headers) Del(name string) {
	out := (*h)[:0]
	for _, kv := range *h {
		if !asciiEqualFold(kv[0], name) {
			out = append(out, kv)
		}
	}
	clear((*h)[len(out):])
	*h = out
}

// Set replaces the values of name by one value, kept at the position of the first old
// value (appended when there was none).
func (h *Headers) Set(name, value string) {
	lower := strings.ToLower(name)
	first := -1
	out := (*h)[:0]
	for _, kv := range *h {
		if asciiEqualFold(kv[0], name) {
			if first >= 0 {
				continue
			}
			first = len(out)
			kv = [2]string{lower, value}
		}
		out = append(out, kv)
	}
	clear((*h)[len(out):])
	*h = out
	if first < 0 {
		*h = append(*h, [2]string{lower, value})
	}
}

// IsGRPC reports whether the headers are those of a gRPC request or response, as Envoy
// decides it (Grpc::Common::hasGrpcContentType): content-type exactly application/grpc or
// starting with application/grpc+.
func (h Headers) IsGRPC() bool {
	ct, _ := h.Get("content-type")
	const p = "application/grpc"
	if !strings.HasPrefix(ct, p) {
		return false
	}
	return len(ct) == len(p) || ct[len(p)] == '+'
}

func asciiEqualFold(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		x, y := a[i], b[i]
		if x != y && lower(x) != lower(y) {
			return false
		}
	}
	return true
}

func lower(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// asciiEqualFoldBytes compares a string with bytes read from guest memory without copying.
func asciiEqualFoldBytes(a string, b []byte) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		x, y := a[i], b[i]
		if x != y && lower(x) != lower(y) {
			return false
		}
	}
	return true
}

// serializedSize is the size of h in the ABI's map serialization.
func serializedSize(h Headers) int {
	n := 4
	for _, kv := range h {
		n += 8 + len(kv[0]) + 1 + len(kv[1]) + 1
	}
	return n
}

// appendSerialized appends h in the ABI's map serialization: a little-endian u32 count,
// then a (key length, value length) u32 pair per entry, then each key and value followed
// by a NUL byte.
func appendSerialized(dst []byte, h Headers) []byte {
	dst = binary.LittleEndian.AppendUint32(dst, uint32(len(h)))
	for _, kv := range h {
		dst = binary.LittleEndian.AppendUint32(dst, uint32(len(kv[0])))
		dst = binary.LittleEndian.AppendUint32(dst, uint32(len(kv[1])))
	}
	for _, kv := range h {
		dst = append(dst, kv[0]...)
		dst = append(dst, 0)
		dst = append(dst, kv[1]...)
		dst = append(dst, 0)
	}
	return dst
}

// errBadMap is returned for a serialized map that does not follow the ABI's format.
var errBadMap = errors.New("malformed serialized header map")

// parseSerialized decodes a serialized map. An empty input or a single NUL byte is the
// empty map. Names are lowercased, as Envoy stores them.
func parseSerialized(b []byte) (Headers, error) {
	if len(b) == 0 || (len(b) == 1 && b[0] == 0) {
		return Headers{}, nil
	}
	if len(b) < 4 {
		return nil, errBadMap
	}
	n := int(binary.LittleEndian.Uint32(b))
	if n < 0 || n > (len(b)-4)/10 {
		return nil, errBadMap
	}
	sizes := b[4:]
	data := 4 + 8*n
	if data > len(b) {
		return nil, errBadMap
	}
	h := make(Headers, 0, n)
	for i := 0; i < n; i++ {
		kl := int(binary.LittleEndian.Uint32(sizes[8*i:]))
		vl := int(binary.LittleEndian.Uint32(sizes[8*i+4:]))
		if kl < 0 || vl < 0 || kl > len(b) || vl > len(b) || data+kl+1+vl+1 > len(b) {
			return nil, errBadMap
		}
		k := b[data : data+kl]
		if b[data+kl] != 0 {
			return nil, errBadMap
		}
		data += kl + 1
		v := b[data : data+vl]
		if b[data+vl] != 0 {
			return nil, errBadMap
		}
		data += vl + 1
		h = append(h, [2]string{strings.ToLower(string(k)), string(v)})
	}
	return h, nil
}
