package normalize

import (
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

func TestPath(t *testing.T) {
	tests := []struct {
		in, path, query string
		err             error
	}{
		{"/", "/", "", nil},
		{"/a/b", "/a/b", "", nil},
		{"/a/b/", "/a/b/", "", nil},
		{"/a?x=1&y=%2F", "/a", "x=1&y=%2F", nil},
		{"/a?", "/a", "", nil},
		{"/a#frag?x", "/a", "", nil},
		{"/a?q#frag", "/a", "q", nil},
		{"*", "*", "", nil},
		{"//a///b", "/a/b", "", nil},
		{"/a/./b", "", "", ErrDotSegment},
		{"/a/../b", "", "", ErrDotSegment},
		{"/a/b/..", "", "", ErrDotSegment},
		{"/a/b/.", "", "", ErrDotSegment},
		{"/..", "", "", ErrDotSegment},
		{"/.", "", "", ErrDotSegment},
		{"/../../etc/passwd", "", "", ErrDotSegment},
		{"/a//../b", "", "", ErrDotSegment},
		{"/a/..?x", "", "", ErrDotSegment},
		{"/a/..#x", "", "", ErrDotSegment},
		{"/a/%2e%2e/b", "", "", ErrEncodedDot},
		{"/a/%2E/b", "", "", ErrEncodedDot},
		{"/a/.%2e", "", "", ErrEncodedDot},
		{"/a/%2e./x", "", "", ErrEncodedDot},
		{"/a/%2e%2e%2e/x", "/a/.../x", "", nil},
		{"/a/%2ex/x", "/a/.x/x", "", nil},
		{"/a/..;x/b", "", "", ErrDotParams},
		{"/a/.;/b", "", "", ErrDotParams},
		{"/a/%3b/b", "", "", ErrEncodedSemi},
		{"/a/%3B", "", "", ErrEncodedSemi},
		{"/admin;x=1/p", "/admin/p", "", nil},
		{"/admin/..;/x", "", "", ErrDotParams},
		{"/admin/x;/../y", "", "", ErrDotSegment},
		{"/a;b", "/a", "", nil},
		{"/;x/a", "/a", "", nil},
		{"/%61dmin", "/admin", "", nil},
		{"/caf%C3%A9", "/café", "", nil},
		{"/café", "/café", "", nil},
		{"/%25zz", "/%zz", "", nil},
		{"/.well-known/x", "/.well-known/x", "", nil},
		{"/a/...", "/a/...", "", nil},
		{"/a/.b/", "/a/.b/", "", nil},
		{"", "", "", ErrNotAbsolute},
		{"a/b", "", "", ErrNotAbsolute},
		{"?x", "", "", ErrNotAbsolute},
		{"http://h/a", "", "", ErrNotAbsolute},
		{"/a%2Fb", "", "", ErrEncodedSlash},
		{"/a%2fb", "", "", ErrEncodedSlash},
		{"/a%5Cb", "", "", ErrEncodedSlash},
		{"/a%5cb", "", "", ErrEncodedSlash},
		{"/a\\b", "", "", ErrBackslash},
		{"/a%00", "", "", ErrEncodedControl},
		{"/a%0a", "", "", ErrEncodedControl},
		{"/a%7F", "", "", ErrEncodedControl},
		{"/a\x00", "", "", ErrControl},
		{"/a\tb", "", "", ErrControl},
		{"/a\x7f", "", "", ErrControl},
		{"/a%zz", "", "", ErrBadPercent},
		{"/a%", "", "", ErrBadPercent},
		{"/a%4", "", "", ErrBadPercent},
		{"/a%252F", "", "", ErrDoubleEncoding},
		{"/a%2541", "", "", ErrDoubleEncoding},
		{"/a/..%25%32%46b", "", "", ErrDoubleEncoding},
		{"/a/%25%32%65%25%32%65/b", "", "", ErrDoubleEncoding},
		{"/a%25%32F", "", "", ErrDoubleEncoding},
		{"/a%252%46", "", "", ErrDoubleEncoding},
		{"/a%25%32", "/a%2", "", nil},
		{"/a%25%32%47", "/a%2G", "", nil},
		{"/100%25", "/100%", "", nil},
		{"/a%3Fb", "", "", ErrEncodedDelim},
		{"/report%3fformat=public", "", "", ErrEncodedDelim},
		{"/a%23b", "", "", ErrEncodedDelim},
		{"/a%ff", "", "", ErrInvalidUTF8},
		{"/a\xff", "", "", ErrInvalidUTF8},
		{"/a%C3", "", "", ErrInvalidUTF8},
		// Compatibility forms that NFKC turns into '.', '/', '\\' or '%'.
		{"/public/%EF%BC%8E%EF%BC%8E/admin", "", "", ErrLookalikeDot},
		{"/public/\uFF0E\uFF0E/admin", "", "", ErrLookalikeDot},
		{"/public/.\uFF0E/admin", "", "", ErrLookalikeDot},
		{"/public/\uFF0E", "", "", ErrLookalikeDot},
		{"/public/\u2025/admin", "", "", ErrLookalikeDot},
		{"/public/\uFE52\u2024;x/admin", "", "", ErrLookalikeDot},
		{"/public/\u2025./admin", "/public/\u2025./admin", "", nil}, // three dots: a name
		{"/v1\uFF0E2/x", "/v1\uFF0E2/x", "", nil},
		{"/public\uFF0F..\uFF0Fadmin", "", "", ErrLookalikeDelim},
		{"/public%EF%BC%8F..%EF%BC%8Fadmin", "", "", ErrLookalikeDelim},
		{"/a\uFF3Cb", "", "", ErrLookalikeDelim},
		{"/a\uFE68b", "", "", ErrLookalikeDelim},
		{"/a\uFF05%32e", "", "", ErrLookalikeDelim},
		{"/a;x\uFF0F../b", "", "", ErrLookalikeDelim},
		{"/\u3002/x", "/\u3002/x", "", nil},                  // ideographic full stop: NFKC keeps it
		{"/public/%EF%B8%B0/admin", "", "", ErrLookalikeDot}, // U+FE30, vertical two dot leader
		{"/public\u2100admin", "", "", ErrLookalikeDelim},    // a/c
		{"/admin\uFF1Bx", "", "", ErrLookalikeDelim},         // full-width ';'
		{"/admin\u037Ex", "", "", ErrLookalikeDelim},         // Greek question mark: ';' even under NFC
		{"/a\uFF1F/b", "", "", ErrLookalikeDelim},            // full-width '?'
		{"/a\uFE5F/b", "", "", ErrLookalikeDelim},            // small '#'
		{"/a/\u2026/b", "/a/\u2026/b", "", nil},              // an ellipsis is three dots: a name
	}
	for _, tt := range tests {
		p, q, err := Path(tt.in)
		if err != tt.err || p != tt.path || q != tt.query {
			t.Errorf("Path(%q) = %q, %q, %v; want %q, %q, %v", tt.in, p, q, err, tt.path, tt.query, tt.err)
		}
	}
}

func TestPathNoAllocForNormalPaths(t *testing.T) {
	allocs := testing.AllocsPerRun(100, func() {
		if p, _, _ := Path("/api/v1/items?x=1"); p != "/api/v1/items" {
			t.Fatal(p)
		}
	})
	if allocs != 0 {
		t.Fatalf("%v allocations for a normal path", allocs)
	}
}

func TestHost(t *testing.T) {
	tests := []struct {
		in, want string
		ok       bool
	}{
		{"example.com", "example.com", true},
		{"Example.COM", "example.com", true},
		{"example.com:8080", "example.com", true},
		{"example.com.", "example.com", true},
		{"example.com.:443", "example.com", true},
		{"example.com:", "example.com", true},
		{"[::1]:8080", "[::1]", true},
		{"[::1]", "[::1]", true},
		{"[FE80::1]", "[fe80::1]", true},
		{"10.0.0.1:80", "10.0.0.1", true},
		{"xn--caf-dma.example", "xn--caf-dma.example", true},
		{"", "", false},
		{":80", "", false},
		{"a b", "", false},
		{"a\x00b", "", false},
		{"a/b", "", false},
		{"user@host", "", false},
		{"host:port", "", false},
		{"host:123456", "", false},
		{"[::1", "", false},
		{"[::1]x", "", false},
		{"[zz]", "", false},
		{"[]", "", false},
		{"::1", "", false},
		{".", "", false},
	}
	for _, tt := range tests {
		got, ok := Host(tt.in)
		if got != tt.want || ok != tt.ok {
			t.Errorf("Host(%q) = %q, %v; want %q, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

func TestIsToken(t *testing.T) {
	for s, want := range map[string]bool{"GET": true, "get": true, "M-SEARCH": true, "": false, "G T": false, "GET\x00": false, "GÉT": false, "x(": false} {
		if IsToken(s) != want {
			t.Errorf("IsToken(%q) != %v", s, want)
		}
	}
	if !HostChars("a.b-c") || HostChars("a*b") || HostChars("a b") || HostChars("a:b") {
		t.Error("HostChars wrong")
	}
}

// checkPathInvariants holds for every accepted path: rooted, no empty, "." or
// ".." segments, no ';', valid UTF-8, and stable under renormalisation.
func checkPathInvariants(t *testing.T, raw, p string) {
	if p == "*" {
		return
	}
	if !strings.HasPrefix(p, "/") || strings.Contains(p, "//") || strings.Contains(p, ";") ||
		!utf8.ValidString(p) || strings.ContainsAny(p, "\\") {
		t.Fatalf("Path(%q) = %q breaks an invariant", raw, p)
	}
	for _, seg := range strings.Split(p, "/") {
		if seg == "." || seg == ".." {
			t.Fatalf("Path(%q) = %q keeps a dot segment", raw, p)
		}
	}
	if !strings.ContainsAny(p, "%?#") { // decoded %25, %3F, %23 stay literal
		if p2, _, err := Path(p); err != nil || p2 != p {
			t.Fatalf("Path(%q) = %q is not stable: %q, %v", raw, p, p2, err)
		}
	}
}

func FuzzNormalizePath(f *testing.F) {
	for _, s := range []string{"/", "/a/../b", "/a%2fb", "//x/./y/..;/z?q#f", "/%c3%a9", "/%25", "*", "/a\\b", "/..%2e/x", "/a/..;/b", "/%3b"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		p, _, err := Path(raw)
		if err != nil {
			if p != "" {
				t.Fatalf("Path(%q) returned %q with error %v", raw, p, err)
			}
			return
		}
		checkPathInvariants(t, raw, p)
		h, ok := Host(raw)
		if ok && (h == "" || strings.ContainsAny(h, " /@\x00")) {
			t.Fatalf("Host(%q) = %q", raw, h)
		}
	})
}

func BenchmarkPath(b *testing.B) {
	for _, in := range []string{"/api/v1/items?x=1", "/api//v1/./items/%61;x"} {
		b.Run(in, func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				Path(in)
			}
		})
	}
}

// TestCompatFormIsNFKC: compatForm lists exactly the code points whose NFKC form is
// only dots or holds a path delimiter, by Unicode's own tables.
func TestCompatFormIsNFKC(t *testing.T) {
	for r := rune(0x80); r <= unicode.MaxRune; r++ {
		if r >= 0xd800 && r <= 0xdfff {
			continue // surrogates are not characters
		}
		s := string(r)
		n := norm.NFKC.String(s)
		var wantDots int
		var wantDelim bool
		if n != s {
			wantDelim = strings.ContainsAny(n, `/\%;?#`)
			if n != "" && strings.Trim(n, ".") == "" {
				wantDots = len(n)
			}
		}
		if dots, delim := compatForm(r); dots != wantDots || delim != wantDelim {
			t.Errorf("U+%04X (NFKC %q): compatForm = %d, %v; want %d, %v", r, n, dots, delim, wantDots, wantDelim)
		}
	}
}
