package auth

import (
	"strings"
	"testing"
)

// TestLargeRegexAtRequestTime: the largest regex programs config accepts must
// match within the wasm stack (this test also runs under tinygo test).
func TestLargeRegexAtRequestTime(t *testing.T) {
	tests := []struct {
		re    string
		value string
		want  Outcome
	}{
		{`(?:a?){1000}`, strings.Repeat("a", 1000), Allow},
		{`(?:a?){1000}`, strings.Repeat("a", 1001), DenyForbidden},
		{`(?:a?){1000}`, "", Allow},
		{`(?:a|b?){500}c?`, strings.Repeat("ab", 250) + "c", Allow},
		{`(?:a|b?){500}c?`, strings.Repeat("ab", 251), DenyForbidden},
		{`((((((((((((((((((((((((((((((((x*))))))))))))))))))))))))))))))))`, strings.Repeat("x", 4000), Allow},
		{`((((((((((((((((((((((((((((((((x*))))))))))))))))))))))))))))))))`, strings.Repeat("x", 4000) + "y", DenyForbidden},
	}
	for _, tt := range tests {
		d := NewDecider(policy(t, `{"basic_auth_rules":[{"prefix":"/","metadata":[{"name":"x","regex":"`+tt.re+`"}]}]}`))
		if got := d.Decide(req("GET", "h", "/", "x", tt.value)).Outcome; got != tt.want {
			t.Errorf("%.20s on %d bytes: %v, want %v", tt.re, len(tt.value), got, tt.want)
		}
	}
}
