package wasmimage

import (
	"bytes"
	"errors"
	"fmt"
	"sort"
	"strings"
)

// wasmMagic and wasmVersion1 open every WebAssembly binary module.
var (
	wasmMagic    = []byte{0x00, 'a', 's', 'm'}
	wasmVersion1 = []byte{0x01, 0x00, 0x00, 0x00}
)

// abiExportPrefix starts the name of the export through which a proxy-wasm
// module announces the ABI version it was built for.
const abiExportPrefix = "proxy_abi_version_"

// CheckModule reports whether b looks like a WebAssembly binary module
// (magic number and version 1) whose top-level sections are well formed.
func CheckModule(b []byte) error {
	_, err := exportNames(b)
	return err
}

// ABIVersions returns the proxy-wasm ABI versions the module exports
// (names of exports that begin with "proxy_abi_version_"), sorted.
func ABIVersions(b []byte) ([]string, error) {
	names, err := exportNames(b)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, n := range names {
		if strings.HasPrefix(n, abiExportPrefix) && len(n) > len(abiExportPrefix) {
			out = append(out, n)
		}
	}
	sort.Strings(out)
	return out, nil
}

// exportNames walks the top-level sections of a wasm module and returns the
// names in its export section. Other sections are only bounds-checked.
func exportNames(b []byte) ([]string, error) {
	if len(b) < 8 {
		return nil, fmt.Errorf("not a WebAssembly module: %d bytes, need at least 8", len(b))
	}
	if !bytes.Equal(b[:4], wasmMagic) {
		return nil, errors.New("not a WebAssembly module: missing \\0asm magic number")
	}
	if !bytes.Equal(b[4:8], wasmVersion1) {
		return nil, fmt.Errorf("unsupported WebAssembly binary version % x (want 01 00 00 00)", b[4:8])
	}
	r := &reader{b: b, pos: 8}
	var names []string
	for r.pos < len(r.b) {
		id, err := r.byte()
		if err != nil {
			return nil, err
		}
		size, err := r.u32()
		if err != nil {
			return nil, fmt.Errorf("section %d: %w", id, err)
		}
		if uint64(size) > uint64(len(r.b)-r.pos) {
			return nil, fmt.Errorf("section %d at offset %d: size %d runs past the end of the module", id, r.pos, size)
		}
		body := &reader{b: r.b[:r.pos+int(size)], pos: r.pos}
		r.pos += int(size)
		if id != 7 { // 7 = export section
			continue
		}
		n, err := body.u32()
		if err != nil {
			return nil, fmt.Errorf("export section: %w", err)
		}
		for i := uint32(0); i < n; i++ {
			name, err := body.name()
			if err != nil {
				return nil, fmt.Errorf("export %d: %w", i, err)
			}
			if _, err := body.byte(); err != nil { // export kind
				return nil, fmt.Errorf("export %q: %w", name, err)
			}
			if _, err := body.u32(); err != nil { // index
				return nil, fmt.Errorf("export %q: %w", name, err)
			}
			names = append(names, name)
		}
	}
	return names, nil
}

// reader decodes the few LEB128 and vector forms the section walk needs.
type reader struct {
	b   []byte
	pos int
}

var errTruncated = errors.New("truncated WebAssembly module")

func (r *reader) byte() (byte, error) {
	if r.pos >= len(r.b) {
		return 0, errTruncated
	}
	c := r.b[r.pos]
	r.pos++
	return c, nil
}

// u32 reads an unsigned LEB128 value of at most 5 bytes.
func (r *reader) u32() (uint32, error) {
	var v uint32
	for shift := 0; shift < 35; shift += 7 {
		c, err := r.byte()
		if err != nil {
			return 0, err
		}
		if shift == 28 && c > 0x0f {
			return 0, errors.New("malformed LEB128 u32")
		}
		v |= uint32(c&0x7f) << shift
		if c&0x80 == 0 {
			return v, nil
		}
	}
	return 0, errors.New("malformed LEB128 u32")
}

func (r *reader) name() (string, error) {
	n, err := r.u32()
	if err != nil {
		return "", err
	}
	if uint64(n) > uint64(len(r.b)-r.pos) {
		return "", errTruncated
	}
	s := string(r.b[r.pos : r.pos+int(n)])
	r.pos += int(n)
	return s, nil
}
