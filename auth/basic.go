package auth

import "unicode/utf8"

// MaxCredentialLen bounds an authorization header value (and each metadata
// credential); longer values are invalid credentials.
const MaxCredentialLen = 8192

// parseBasic parses an authorization header value of the Basic scheme: the
// scheme case-insensitively, one or more spaces, base64 (padded or not) of
// "user:password" split at the first colon. The decoded bytes are written to
// buf (grown if needed, returned for reuse); user and password alias it. ok is
// false for any other scheme or malformed value.
func parseBasic(value string, buf []byte) (user, password, out []byte, ok bool) {
	out = buf
	if len(value) > MaxCredentialLen || len(value) < 6 {
		return nil, nil, out, false
	}
	for i, c := range []byte("basic") {
		if value[i]|0x20 != c {
			return nil, nil, out, false
		}
	}
	if value[5] != ' ' {
		return nil, nil, out, false
	}
	rest := value[6:]
	for len(rest) > 0 && rest[0] == ' ' {
		rest = rest[1:]
	}
	for len(rest) > 0 && (rest[len(rest)-1] == ' ' || rest[len(rest)-1] == '\t') {
		rest = rest[:len(rest)-1]
	}
	if rest == "" {
		return nil, nil, out, false
	}
	n := len(rest)/4*3 + 3
	if cap(out) < n {
		out = make([]byte, n)
	}
	out = out[:n]
	m, good := decodeBase64(out, rest)
	if !good {
		return nil, nil, out, false
	}
	dec := out[:m]
	user, password, ok = splitUserPass(dec)
	if !ok {
		return nil, nil, out, false
	}
	return user, password, out, true
}

// splitUserPass splits at the first colon; the user must be non-empty valid
// UTF-8 without control characters (it may be forwarded upstream).
func splitUserPass(dec []byte) (user, password []byte, ok bool) {
	for i, c := range dec {
		if c == ':' {
			user, password = dec[:i], dec[i+1:]
			return user, password, validUser(user)
		}
	}
	return nil, nil, false
}

func validUser(u []byte) bool {
	if len(u) == 0 || !utf8.Valid(u) {
		return false
	}
	for _, c := range u {
		if c < 0x20 || c == 0x7f {
			return false
		}
	}
	return true
}

// decodeBase64 decodes standard base64 (RFC 4648 section 4), padded or not,
// into dst (which must hold len(s)/4*3+3 bytes). A padded value must have a
// length that is a multiple of 4.
func decodeBase64(dst []byte, s string) (int, bool) {
	if len(s) > 0 && s[len(s)-1] == '=' {
		if len(s)%4 != 0 {
			return 0, false
		}
		s = s[:len(s)-1]
		if len(s) > 0 && s[len(s)-1] == '=' {
			s = s[:len(s)-1]
		}
		if len(s)%4 < 2 {
			return 0, false // padding where none belongs
		}
	}
	if len(s)%4 == 1 {
		return 0, false
	}
	n := 0
	var acc uint32
	bits := 0
	for i := 0; i < len(s); i++ {
		v := b64val(s[i])
		if v < 0 {
			return 0, false
		}
		acc = acc<<6 | uint32(v)
		bits += 6
		if bits >= 8 {
			bits -= 8
			dst[n] = byte(acc >> uint(bits))
			n++
		}
	}
	return n, true
}

func b64val(c byte) int {
	switch {
	case c >= 'A' && c <= 'Z':
		return int(c - 'A')
	case c >= 'a' && c <= 'z':
		return int(c-'a') + 26
	case c >= '0' && c <= '9':
		return int(c-'0') + 52
	case c == '+':
		return 62
	case c == '/':
		return 63
	}
	return -1
}
