package main

import (
	"encoding/binary"
	"reflect"
	"slices"
	"testing"
)

// TestEncodeHeaderMap pins the encoding to the ABI's bytes, so that the decoder's
// round-trip tests do not only check the two functions against each other.
func TestEncodeHeaderMap(t *testing.T) {
	got := encodeHeaderMap([][2]string{{"a", "bc"}, {"", "d"}})
	want := "\x02\x00\x00\x00" + // two pairs
		"\x01\x00\x00\x00\x02\x00\x00\x00" + // "a", "bc"
		"\x00\x00\x00\x00\x01\x00\x00\x00" + // "", "d"
		"a\x00bc\x00\x00d\x00"
	if string(got) != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestDecodeHeaderMap(t *testing.T) {
	valid := [][2]string{{":method", "GET"}, {":path", "/api"}, {"empty", ""}, {"", "no name"}, {"x-bin", "a\x00b"}}
	enc := encodeHeaderMap(valid)
	for _, tt := range []struct {
		name string
		in   []byte
		want [][2]string // nil: not a valid encoding
	}{
		{"pairs", enc, valid},
		{"no pairs", encodeHeaderMap(nil), [][2]string{}},
		{"bytes after the last NUL are ignored", append(enc[:len(enc):len(enc)], "junk"...), valid},
		{"empty", nil, nil},
		{"short count", []byte{1, 0}, nil},
		{"count without sizes", []byte{1, 0, 0, 0}, nil},
		{"count past the end", binary.LittleEndian.AppendUint32(nil, 1<<31), nil},
		{"count of 2^32-1", append(binary.LittleEndian.AppendUint32(nil, ^uint32(0)), make([]byte, 64)...), nil},
		{"truncated data", enc[:len(enc)-1], nil},
		{"second pair past the end", func() []byte {
			b := encodeHeaderMap([][2]string{{"a", "b"}, {"c", "d"}})
			binary.LittleEndian.PutUint32(b[16:], 100)
			return b
		}(), nil},
		{"missing NUL", func() []byte {
			b := encodeHeaderMap([][2]string{{"a", "b"}})
			b[len(b)-1] = 'x'
			return b
		}(), nil},
		{"length past the end", func() []byte {
			b := encodeHeaderMap([][2]string{{"a", "b"}})
			binary.LittleEndian.PutUint32(b[8:], 1<<31)
			return b
		}(), nil},
		{"length of 2^32-1", func() []byte {
			b := encodeHeaderMap([][2]string{{"a", "b"}})
			binary.LittleEndian.PutUint32(b[4:], ^uint32(0))
			return b
		}(), nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := decodeHeaderMap(tt.in, make([][2]string, 3))
			if ok != (tt.want != nil) {
				t.Fatalf("ok = %v, want %v (pairs %q)", ok, tt.want != nil, got)
			}
			if !ok {
				// Nothing that aliases the refused block stays behind, not even in
				// the slice's spare capacity (it would keep the block alive).
				if len(got) != 0 || slices.ContainsFunc(got[:cap(got)], func(p [2]string) bool { return p != [2]string{} }) {
					t.Errorf("a refused encoding left %q", got[:cap(got)])
				}
				return
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

// TestDecodeHeaderMapReusesDst: decoding into a large enough slice does not allocate.
func TestDecodeHeaderMapReusesDst(t *testing.T) {
	enc := encodeHeaderMap([][2]string{{":method", "GET"}, {":authority", "api.example.com"}, {"authorization", "Basic YTpi"}})
	dst := make([][2]string, 0, 8)
	if n := testing.AllocsPerRun(100, func() { dst, _ = decodeHeaderMap(enc, dst) }); n != 0 {
		t.Errorf("%v allocations per decode, want 0", n)
	}
}

func FuzzDecodeHeaderMap(f *testing.F) {
	f.Add(encodeHeaderMap([][2]string{{":path", "/"}, {"a", ""}}))
	f.Add([]byte{2, 0, 0, 0, 1, 0, 0, 0})
	f.Fuzz(func(t *testing.T, b []byte) {
		pairs, ok := decodeHeaderMap(b, nil)
		if !ok {
			return
		}
		// Whatever decodes is exactly what its encoding, a prefix of b, says.
		enc := encodeHeaderMap(pairs)
		if len(enc) > len(b) || string(enc) != string(b[:len(enc)]) {
			t.Fatalf("%q decodes to %q, which encodes as %q", b, pairs, enc)
		}
	})
}
