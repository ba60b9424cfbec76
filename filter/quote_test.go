package main

import (
	"strconv"
	"strings"
	"testing"
)

// TestAppendQuotedMatchesStrconv: the fast path must quote exactly as strconv does, and
// truncated fields keep their "..." inside the quotes.
func TestAppendQuotedMatchesStrconv(t *testing.T) {
	for _, s := range []string{
		"", "GET", "/api/items", "api.example.com:8443", "with space", "~tilde", `say "hi"`, `back\slash`,
		"tab\there", "nl\nforged=line", "del\x7f", "bell\a", "caf\u00e9", "\xff\xfe", "emoji \U0001F600", "\u2028",
	} {
		for _, suffix := range []string{"", "..."} {
			got := string(appendQuoted([]byte("x="), s, suffix))
			want := "x=" + strconv.Quote(s+suffix)
			if got != want {
				t.Errorf("appendQuoted(%q, %q) = %s, want %s", s, suffix, got, want)
			}
		}
	}
	long := strings.Repeat("a", maxLogged+10)
	if got, want := string(appendTruncated(nil, long)), strconv.Quote(long[:maxLogged]+"..."); got != want {
		t.Errorf("appendTruncated(%d bytes) = %s, want %s", len(long), got, want)
	}
}

func FuzzAppendQuoted(f *testing.F) {
	for _, s := range []string{"", "GET", `a"b`, "\x00", "\xe2\x80", "caf\u00e9"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := string(appendQuoted(nil, s, "")), strconv.Quote(s); got != want {
			t.Fatalf("appendQuoted(%q) = %s, want %s", s, got, want)
		}
		if got, want := string(appendTruncated(nil, s)), strconv.Quote(truncatedForLog(s)); got != want {
			t.Fatalf("appendTruncated(%q) = %s, want %s", s, got, want)
		}
	})
}

// truncatedForLog is the field appendTruncated quotes.
func truncatedForLog(s string) string {
	if len(s) > maxLogged {
		return s[:maxLogged] + "..."
	}
	return s
}

// TestLogRedaction: a denial log line never carries an authority's userinfo or a
// path's ;params (a password in "user:pw@host", a session id in ";jsessionid=").
func TestLogRedaction(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"api.example.com", "api.example.com"},
		{"alice:pw@api.example.com", "***@api.example.com"},
		{"a@b@api.example.com:443", "***@api.example.com:443"},
		{"@", "***@"},
	} {
		if got := withoutUserinfo(tt.in); got != tt.want {
			t.Errorf("withoutUserinfo(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	for _, tt := range []struct{ in, want string }{
		{"/admin/x", "/admin/x"},
		{"/admin;jsessionid=s3cret/x", "/admin/x"},
		{"/a;x;y/b;z", "/a/b"},
		{"/;x/a", "//a"},
		{";x", ""},
	} {
		if got := withoutParams(tt.in); got != tt.want {
			t.Errorf("withoutParams(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
