package config

import (
	"strings"
	"testing"
)

// TestDeepNesting: deep input is refused before gjson's recursive validation
// (which overflows the small TinyGo wasm stack at around 100,000 levels).
func TestDeepNesting(t *testing.T) {
	tests := []struct {
		in, want string
	}{
		{`{"realm":` + strings.Repeat("[", 100000) + strings.Repeat("]", 100000) + `}`, "$: nesting deeper than 64 levels at offset 72"},
		{strings.Repeat(`{"a":`, 65) + "1" + strings.Repeat("}", 65), "$: nesting deeper than 64 levels at offset 320"},
		{`{"realm":"` + strings.Repeat("[", 100) + `"}`, ""},
		{`{"users":["a:\"` + strings.Repeat("{", 100) + `"]}`, ""},
		{`{"exemptions":` + strings.Repeat("[", 63) + strings.Repeat("]", 63) + `}`, "exemptions[0]: must be an object, got array"},
	}
	for i, tt := range tests {
		_, err := Parse([]byte(tt.in))
		got := ""
		if err != nil {
			got = err.Error()
		}
		if got != tt.want {
			t.Errorf("case %d: error %q, want %q", i, got, tt.want)
		}
	}
}

// TestDeepRegex: regexes nesting deeper than MaxRegexNesting are refused
// (regexp/syntax allows 1000 levels, which overflows the TinyGo wasm stack);
// the deepest accepted pattern compiles under TinyGo too.
func TestDeepRegex(t *testing.T) {
	const msg = "basic_auth_rules[0].metadata[0].regex: regex longer than 1024 bytes or nesting deeper than 32 groups"
	tests := []struct {
		re, want string
	}{
		{strings.Repeat("(", 32) + "a" + strings.Repeat(")", 32), ""},
		{strings.Repeat("(?:", 32) + "a" + strings.Repeat(")", 32), ""},
		{strings.Repeat("(", 33) + "a" + strings.Repeat(")", 33), msg},
		{strings.Repeat("(", 999) + "a" + strings.Repeat(")", 999), msg},
		{strings.Repeat(`\\(`, 40) + "a", ""},
		{strings.Repeat("[(]", 40) + "a", ""},
		{strings.Repeat("[](]", 40) + "a", ""},
		{strings.Repeat("a", 1025), msg},
	}
	for i, tt := range tests {
		_, err := Parse([]byte(`{"basic_auth_rules":[{"prefix":"/","metadata":[{"name":"x","regex":"` + tt.re + `"}]}]}`))
		got := ""
		if err != nil {
			got = err.Error()
		}
		if got != tt.want {
			t.Errorf("case %d: %q, want %q", i, got, tt.want)
		}
	}
}
