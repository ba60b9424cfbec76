package bench

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
)

// Section is one section of a wasm binary.
type Section struct {
	ID   byte
	Name string // standard section name, or the custom section's own name
	Size int    // payload bytes
}

var sectionNames = [...]string{"custom", "type", "import", "function", "table", "memory", "global",
	"export", "start", "element", "code", "data", "datacount"}

// Sections lists the sections of a wasm binary in order.
func Sections(wasm []byte) ([]Section, error) {
	if len(wasm) < 8 || !bytes.Equal(wasm[:4], []byte("\x00asm")) {
		return nil, errors.New("not a wasm binary")
	}
	var out []Section
	for off := 8; off < len(wasm); {
		id := wasm[off]
		size, n, err := uleb(wasm[off+1:])
		if err != nil {
			return nil, fmt.Errorf("section at %d: %w", off, err)
		}
		start := off + 1 + n
		end := start + int(size)
		if end > len(wasm) || end < start {
			return nil, fmt.Errorf("section at %d: size %d runs past the end", off, size)
		}
		s := Section{ID: id, Size: int(size)}
		switch {
		case id == 0:
			l, m, err := uleb(wasm[start:end])
			if err != nil || start+m+int(l) > end {
				return nil, fmt.Errorf("custom section at %d: bad name", off)
			}
			s.Name = string(wasm[start+m : start+m+int(l)])
		case int(id) < len(sectionNames):
			s.Name = sectionNames[id]
		default:
			s.Name = fmt.Sprintf("unknown(%d)", id)
		}
		out = append(out, s)
		off = end
	}
	return out, nil
}

func uleb(b []byte) (uint64, int, error) {
	var v uint64
	for i := 0; i < len(b) && i < 10; i++ {
		v |= uint64(b[i]&0x7f) << (7 * i)
		if b[i]&0x80 == 0 {
			return v, i + 1, nil
		}
	}
	return 0, 0, errors.New("bad LEB128")
}

// SizeReport is a module's total size and its largest parts.
type SizeReport struct {
	Total int
	Code  int
	Data  int
	// Custom is the bytes of custom sections (names, producers, ...): nothing a host
	// needs to run the module.
	Custom int
}

// Size measures a wasm binary.
func Size(wasm []byte) (SizeReport, error) {
	secs, err := Sections(wasm)
	if err != nil {
		return SizeReport{}, err
	}
	r := SizeReport{Total: len(wasm)}
	for _, s := range secs {
		switch s.ID {
		case 0:
			r.Custom += s.Size
		case 10:
			r.Code += s.Size
		case 11:
			r.Data += s.Size
		}
	}
	return r, nil
}

// Producer returns the value of a field of the module's "producers" custom section
// (e.g. "processed-by" lists tools with versions), formatted as "name version, ...",
// or "" when absent.
func Producer(wasm []byte, field string) string {
	secs, err := Sections(wasm)
	if err != nil {
		return ""
	}
	off := 8
	for _, s := range secs {
		_, n, _ := uleb(wasm[off+1:])
		start := off + 1 + n
		end := start + s.Size
		off = end
		if s.ID != 0 || s.Name != "producers" {
			continue
		}
		b := wasm[start:end]
		l, m, _ := uleb(b)
		b = b[m+int(l):]
		str := func() (string, bool) {
			l, m, err := uleb(b)
			if err != nil || m+int(l) > len(b) {
				return "", false
			}
			v := string(b[m : m+int(l)])
			b = b[m+int(l):]
			return v, true
		}
		fields, m, err := uleb(b)
		if err != nil {
			return ""
		}
		b = b[m:]
		for f := uint64(0); f < fields; f++ {
			name, ok := str()
			if !ok {
				return ""
			}
			count, m, err := uleb(b)
			if err != nil {
				return ""
			}
			b = b[m:]
			var vals []string
			for v := uint64(0); v < count; v++ {
				k, ok1 := str()
				ver, ok2 := str()
				if !ok1 || !ok2 {
					return ""
				}
				vals = append(vals, strings.TrimSpace(k+" "+ver))
			}
			if name == field {
				return strings.Join(vals, ", ")
			}
		}
	}
	return ""
}
