// Package testwasm assembles tiny but valid WebAssembly modules for tests, and
// finds the project's real plugin build when it exists.
package testwasm

import (
	"os"
	"path/filepath"
	"runtime"
)

// Module returns a valid wasm module with one empty function exported under
// each name in exports and, if payload is non-empty, a custom section named
// "wasmauth-test" holding payload (to make modules differ).
func Module(exports []string, payload []byte) []byte {
	m := []byte{0x00, 'a', 's', 'm', 0x01, 0x00, 0x00, 0x00}
	// Type section: one type, func() -> ().
	m = appendSection(m, 1, []byte{0x01, 0x60, 0x00, 0x00})
	// Function section: one function of type 0.
	m = appendSection(m, 3, []byte{0x01, 0x00})
	if len(exports) > 0 {
		body := uleb(nil, uint32(len(exports)))
		for _, e := range exports {
			body = uleb(body, uint32(len(e)))
			body = append(body, e...)
			body = append(body, 0x00, 0x00) // kind func, index 0
		}
		m = appendSection(m, 7, body)
	}
	// Code section: one body with no locals, just "end".
	m = appendSection(m, 10, []byte{0x01, 0x02, 0x00, 0x0b})
	if len(payload) > 0 {
		const name = "wasmauth-test"
		body := uleb(nil, uint32(len(name)))
		body = append(body, name...)
		body = append(body, payload...)
		m = appendSection(m, 0, body)
	}
	return m
}

func appendSection(m []byte, id byte, body []byte) []byte {
	m = append(m, id)
	m = uleb(m, uint32(len(body)))
	return append(m, body...)
}

func uleb(b []byte, v uint32) []byte {
	for {
		c := byte(v & 0x7f)
		v >>= 7
		if v != 0 {
			b = append(b, c|0x80)
			continue
		}
		return append(b, c)
	}
}

// RealPlugin returns the path of the project's built plugin (out/wasmauth.wasm
// at the repository root) if it exists, else "".
func RealPlugin() string {
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		return ""
	}
	// This file is build/oci/internal/testwasm/testwasm.go.
	p := filepath.Join(filepath.Dir(file), "..", "..", "..", "..", "out", "wasmauth.wasm")
	if st, err := os.Stat(p); err == nil && st.Mode().IsRegular() {
		return filepath.Clean(p)
	}
	return ""
}
