// Package normalize turns request hosts and paths into the canonical forms that
// wasmauth matches rules against, and refuses paths whose meaning depends on
// how a backend decodes them (encoded slashes, double encoding, control bytes).
package normalize

import (
	"errors"
	"unicode/utf8"
)

// Errors returned by Path. Each names the problem without quoting the input.
var (
	ErrNotAbsolute    = errors.New("path does not start with /")
	ErrControl        = errors.New("path contains a control character")
	ErrBackslash      = errors.New("path contains a backslash")
	ErrBadPercent     = errors.New("path contains an invalid percent-encoding")
	ErrEncodedSlash   = errors.New("path contains an encoded slash or backslash")
	ErrEncodedControl = errors.New("path contains an encoded control character")
	ErrDoubleEncoding = errors.New("path contains a double percent-encoding")
	ErrInvalidUTF8    = errors.New("path is not valid UTF-8 after decoding")
	ErrEncodedSemi    = errors.New("path contains an encoded semicolon")
	ErrEncodedDelim   = errors.New("path contains an encoded '?' or '#'")
	ErrEncodedDot     = errors.New("path contains a percent-encoded dot segment")
	ErrDotParams      = errors.New("path contains a dot segment with ;parameters")
	ErrDotSegment     = errors.New("path contains a dot segment (. or ..)")
	ErrLookalikeDot   = errors.New("path contains a dot segment written with full-width or compatibility dots")
	ErrLookalikeDelim = errors.New("path contains a compatibility form of '/', '\\', '%', ';', '?' or '#'")
)

// Path normalises a raw request path (the HTTP/2 :path). It returns the
// normalised path (fragment and query removed, percent-encoding decoded,
// ";params" removed from every segment, repeated slashes merged) and the raw
// query (without '?', "" if none). The asterisk-form "*" is returned unchanged,
// to be judged by the caller (only OPTIONS may use it). A path that can be read
// in more than one way is an error, and so is any "." or ".." segment: clients
// resolve them before sending (Envoy does too, unless Istio's path
// normalisation is NONE), and a backend that does not would see a different
// path from the one matched.
//
// Already-normal paths are returned without allocating.
func Path(raw string) (path, query string, err error) {
	for i := 0; i < len(raw); i++ {
		if raw[i] == '#' {
			raw = raw[:i]
			break
		}
	}
	for i := 0; i < len(raw); i++ {
		if raw[i] == '?' {
			raw, query = raw[:i], raw[i+1:]
			break
		}
	}
	if raw == "*" {
		return raw, query, nil
	}
	if raw == "" || raw[0] != '/' {
		return "", "", ErrNotAbsolute
	}
	simple := true // no '%', ';', "//", "/." sequences: already normal
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		switch {
		case c < 0x20 || c == 0x7f:
			return "", "", ErrControl
		case c == '\\':
			return "", "", ErrBackslash
		case c == '%':
			simple = false
			if i+2 >= len(raw) || !isHex(raw[i+1]) || !isHex(raw[i+2]) {
				return "", "", ErrBadPercent
			}
			d := unhex(raw[i+1])<<4 | unhex(raw[i+2])
			switch {
			case d == '/' || d == '\\':
				return "", "", ErrEncodedSlash
			case d < 0x20 || d == 0x7f:
				return "", "", ErrEncodedControl
			case d == '%' && encodesHexPair(raw[i+3:]):
				return "", "", ErrDoubleEncoding
			case d == ';':
				return "", "", ErrEncodedSemi
			case d == '?' || d == '#':
				return "", "", ErrEncodedDelim
			}
			i += 2
		case c == ';':
			simple = false
		case c == '/' && i+1 < len(raw) && (raw[i+1] == '/' || raw[i+1] == '.'):
			simple = false
		case c >= 0x80:
			simple = false // validate UTF-8 below
		}
	}
	if simple {
		return raw, query, nil
	}
	if err := checkSegments(raw); err != nil {
		return "", "", err
	}
	// Decode percent-encoded octets.
	buf := make([]byte, 0, len(raw))
	for i := 0; i < len(raw); i++ {
		if raw[i] == '%' {
			buf = append(buf, unhex(raw[i+1])<<4|unhex(raw[i+2]))
			i += 2
			continue
		}
		buf = append(buf, raw[i])
	}
	if !utf8.Valid(buf) {
		return "", "", ErrInvalidUTF8
	}
	if err := checkLookalikes(buf); err != nil {
		return "", "", err
	}
	// Walk segments in place: out is a prefix of buf that never overtakes the reader.
	out := buf[:0]
	n := len(buf)
	i := 0
	for i < n {
		// buf[i] == '/' here; find the segment [s, e).
		s := i + 1
		e := s
		for e < n && buf[e] != '/' {
			e++
		}
		seg := buf[s:e]
		for k := 0; k < len(seg); k++ {
			if seg[k] == ';' {
				seg = seg[:k]
				break
			}
		}
		last := e >= n
		switch {
		case len(seg) == 0:
			if last && (len(out) == 0 || out[len(out)-1] != '/') {
				out = append(out, '/')
			}
		default:
			if len(out) == 0 || out[len(out)-1] != '/' {
				out = append(out, '/')
			}
			// copy is safe: the write position never passes the read position.
			out = append(out, seg...)
			if last {
				break
			}
			out = append(out, '/')
		}
		i = e
	}
	if len(out) == 0 {
		out = append(out, '/')
	}
	return string(out), query, nil
}

// checkSegments refuses dot segments, naming the spellings that only some
// backends read as dot segments: percent-encoded dots ("%2e%2e") and dots with
// parameters ("..;x").
func checkSegments(raw string) error {
	for start := 0; start < len(raw); {
		end := start + 1
		for end < len(raw) && raw[end] != '/' {
			end++
		}
		seg := raw[start+1 : end]
		start = end
		name, params := seg, false
		for k := 0; k < len(seg); k++ {
			if seg[k] == ';' {
				name, params = seg[:k], true
				break
			}
		}
		dots, encoded, other := 0, false, false
		for k := 0; k < len(name); k++ {
			switch {
			case name[k] == '.':
				dots++
			case name[k] == '%' && k+2 < len(name) && name[k+1] == '2' && (name[k+2] == 'e' || name[k+2] == 'E'):
				dots++
				encoded = true
				k += 2
			default:
				other = true
			}
		}
		if other || dots == 0 || dots > 2 {
			continue
		}
		if encoded {
			return ErrEncodedDot
		}
		if params {
			return ErrDotParams
		}
		return ErrDotSegment
	}
	return nil
}

// checkLookalikes refuses the characters that Unicode compatibility normalisation
// (NFKC, which some backends apply to paths: IIS/.NET, some Python and Java
// stacks) turns into text holding a delimiter ('/', '\\', '%', ';', '?', '#'), and
// segments it turns into "." or "..": "/public/\uFF0E\uFF0E/admin" would reach
// /admin there. p is decoded, valid UTF-8.
func checkLookalikes(p []byte) error {
	// Per segment: dots counts '.' and its look-alikes in the segment's name (up
	// to ";params"), lookalike says one was a look-alike, other that the name has
	// anything else.
	dots, lookalike, other, params := 0, false, false, false
	for i := 0; i <= len(p); {
		if i == len(p) || p[i] == '/' {
			if lookalike && !other && dots <= 2 {
				return ErrLookalikeDot
			}
			dots, lookalike, other, params = 0, false, false, false
			i++
			continue
		}
		r, n := utf8.DecodeRune(p[i:])
		i += n
		nd, delim := compatForm(r)
		if delim {
			return ErrLookalikeDelim
		}
		switch {
		case params:
		case r == ';':
			params = true
		case r == '.':
			dots++
		case nd > 0:
			dots += nd
			lookalike = true
		default:
			other = true
		}
	}
	return nil
}

// compatForm classifies r by its NFKC form: dots > 0 when that form is only dots
// (that many), delim when it holds '/', '\\', '%', ';', '?' or '#'. Every other rune
// returns 0, false. The list is every such code point of Unicode 15
// (TestCompatFormIsNFKC checks it against golang.org/x/text/unicode/norm).
func compatForm(r rune) (dots int, delim bool) {
	if r < 0x37e {
		return 0, false
	}
	switch r {
	case 0x2024, 0xfe52, 0xff0e: // one dot leader, small and full-width full stop
		return 1, false
	case 0x2025, 0xfe30: // two dot leader, its vertical presentation form
		return 2, false
	case 0x2026, 0xfe19: // horizontal ellipsis, its vertical presentation form
		return 3, false
	case 0x037e, 0xfe14, 0xfe54, 0xff1b, // ';': Greek question mark, small and full-width semicolons
		0x2047, 0x2048, 0x2049, 0xfe16, 0xfe56, 0xff1f, // '?': "??", "?!", "!?", small and full-width
		0xfe5f, 0xff03, // '#'
		0xfe6a, 0xff05, // '%'
		0xff0f, 0x2100, 0x2101, 0x2105, 0x2106, // '/': full-width, a/c, a/s, c/o, c/u
		0xfe68, 0xff3c: // '\\'
		return 0, true
	}
	return 0, false
}

// encodesHexPair reports whether s starts with two hex digits once decoded, each
// written raw or percent-encoded: after a decoded '%' that is a second encoding
// ("%252F", "%25%32%46") that a backend decoding twice would read as another octet.
func encodesHexPair(s string) bool {
	for range 2 {
		var c byte
		switch {
		case len(s) >= 3 && s[0] == '%' && isHex(s[1]) && isHex(s[2]):
			c, s = unhex(s[1])<<4|unhex(s[2]), s[3:]
		case len(s) >= 1:
			c, s = s[0], s[1:]
		default:
			return false
		}
		if !isHex(c) {
			return false
		}
	}
	return true
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case c >= '0' && c <= '9':
		return c - '0'
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10
	default:
		return c - 'A' + 10
	}
}

// Host normalises a request authority (the :authority or Host value): ASCII
// lowercase, the port removed (also after a bracketed IPv6 literal), one
// trailing dot removed. ok is false for an empty authority or one with
// characters that cannot appear in a host (space, control bytes, '/', '@', ...);
// such a request matches no host pattern. Already-normal hosts are returned
// without allocating.
func Host(authority string) (host string, ok bool) {
	h := authority
	if len(h) > 0 && h[0] == '[' {
		end := -1
		for i := 1; i < len(h); i++ {
			if h[i] == ']' {
				end = i
				break
			}
		}
		if end < 0 {
			return "", false
		}
		rest := h[end+1:]
		if rest != "" && !validPort(rest) {
			return "", false
		}
		h = h[:end+1]
		for i := 1; i < end; i++ {
			c := h[i]
			if !(isHex(c) || c == ':' || c == '.') {
				return "", false
			}
		}
	} else {
		colons, last := 0, -1
		for i := 0; i < len(h); i++ {
			if h[i] == ':' {
				colons++
				last = i
			}
		}
		if colons == 1 {
			if !validPort(h[last:]) {
				return "", false
			}
			h = h[:last]
		} else if colons > 1 {
			return "", false // an IPv6 literal must be bracketed in an authority
		}
		if len(h) > 0 && h[len(h)-1] == '.' {
			h = h[:len(h)-1]
		}
		for i := 0; i < len(h); i++ {
			if !hostChar(h[i]) {
				return "", false
			}
		}
	}
	if h == "" || h == "[]" {
		return "", false
	}
	for i := 0; i < len(h); i++ {
		if c := h[i]; c >= 'A' && c <= 'Z' {
			b := []byte(h)
			for j := i; j < len(b); j++ {
				if b[j] >= 'A' && b[j] <= 'Z' {
					b[j] += 'a' - 'A'
				}
			}
			return string(b), true
		}
	}
	return h, true
}

// validPort reports whether p is ":" followed by 0-5 digits.
func validPort(p string) bool {
	if len(p) == 0 || p[0] != ':' || len(p) > 6 {
		return false
	}
	for i := 1; i < len(p); i++ {
		if p[i] < '0' || p[i] > '9' {
			return false
		}
	}
	return true
}

// hostChar reports whether c may appear in a registered name (RFC 3986
// unreserved, sub-delims and pct-encoded) or is a non-ASCII byte of an
// internationalised name.
func hostChar(c byte) bool {
	switch {
	case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c >= 0x80:
		return true
	}
	switch c {
	case '-', '.', '_', '~', '!', '$', '&', '\'', '(', ')', '*', '+', ',', ';', '=', '%':
		return true
	}
	return false
}

// HostChars reports whether every byte of s may appear in a normalised host
// name (no port, brackets or wildcard).
func HostChars(s string) bool {
	for i := 0; i < len(s); i++ {
		if !hostChar(s[i]) || s[i] == '*' {
			return false
		}
	}
	return true
}

// SameHeaderName compares lowercase header names, reading '_' as '-': CGI, WSGI,
// PHP and other backends that turn header names into variables (X_TENANT and
// X-TENANT both become HTTP_X_TENANT) see the two spellings as one header, and
// Envoy passes names with '_' through by default.
func SameHeaderName(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		x, y := a[i], b[i]
		if x == '_' {
			x = '-'
		}
		if y == '_' {
			y = '-'
		}
		if x != y {
			return false
		}
	}
	return true
}

// IsToken reports whether s is a non-empty HTTP token (RFC 9110 tchar*), the
// syntax of methods and header names.
func IsToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !tchar(s[i]) {
			return false
		}
	}
	return true
}

func tchar(c byte) bool {
	switch {
	case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		return true
	}
	switch c {
	case '!', '#', '$', '%', '&', '\'', '*', '+', '-', '.', '^', '_', '`', '|', '~':
		return true
	}
	return false
}
