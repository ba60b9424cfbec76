package rematch

import (
	"math/rand"
	"regexp"
	"strings"
	"testing"
)

func TestMatch(t *testing.T) {
	tests := []struct {
		pattern string
		yes     []string
		no      []string
	}{
		{"", []string{""}, []string{"a"}},
		{"abc", []string{"abc"}, []string{"ab", "abcd", "xabc", ""}},
		{"v[0-9]+", []string{"v1", "v123"}, []string{"v", "v1a", "xv1"}},
		{"a|bc|", []string{"a", "bc", ""}, []string{"ab", "b"}},
		{"(ab)*c", []string{"c", "abc", "ababc"}, []string{"abac", "ab"}},
		{"(?:a|b){2,3}", []string{"ab", "bab", "aaa"}, []string{"a", "abab"}},
		{"(?P<n>x)(?<m>y)?", []string{"x", "xy"}, []string{"y"}},
		{"a{2}", []string{"aa"}, []string{"a", "aaa"}},
		{"a{2,}", []string{"aa", "aaaa"}, []string{"a"}},
		{"a{,2}", []string{"a{,2}"}, []string{"aa"}}, // not a repeat: literal, as in Go
		{"x{", []string{"x{"}, nil},
		{".", []string{"é", "a"}, []string{"", "\n", "ab"}},
		{`\d\w\s\.`, []string{"1a .", "9_\t."}, []string{"a1 .", "1a x"}},
		{`\D\W\S`, []string{"a-x"}, []string{"1-x", "a_x", "a- "}},
		{`[^a-c\d]`, []string{"d", "é"}, []string{"a", "5"}},
		{`[]a]`, []string{"]", "a"}, []string{"b"}},
		{`[a-]`, []string{"a", "-"}, []string{"b"}},
		{`[\]\\]`, []string{"]", `\`}, []string{"a"}},
		{`^ab$`, []string{"ab"}, []string{"abab"}},
		{`a^b`, nil, []string{"ab"}},
		{`(a*)*b`, []string{"b", "aaab"}, []string{"aaa"}},
		{`café|naïve`, []string{"café", "naïve"}, []string{"cafe"}},
		{`a+?b*?`, []string{"a", "aab"}, []string{"b"}},
	}
	for _, tt := range tests {
		re, err := Compile(tt.pattern)
		if err != nil {
			t.Errorf("Compile(%q): %v", tt.pattern, err)
			continue
		}
		for _, s := range tt.yes {
			if !re.MatchString(s) {
				t.Errorf("%q should match %q", tt.pattern, s)
			}
		}
		for _, s := range tt.no {
			if re.MatchString(s) {
				t.Errorf("%q should not match %q", tt.pattern, s)
			}
		}
	}
}

func TestCompileErrors(t *testing.T) {
	tests := []struct{ pattern, want string }{
		{"(a", "missing ) at offset 2"},
		{"a)", "unexpected ) at offset 1"},
		{"*a", "missing argument to repetition operator at offset 0"},
		{"a**", "invalid nested repetition operator at offset 1"},
		{"a{2}{3}", "invalid nested repetition operator at offset 1"},
		{"a{101}", "repetition count above 100 at offset 1"},
		{"a{3,2}", "invalid repeat count at offset 1"},
		{"[a", "missing ] at offset 0"},
		{"[z-a]", "invalid character class range at offset 4"},
		{`[\d-z]`, "invalid character class range at offset 3"},
		{"[[:alpha:]]", "POSIX classes like [:alpha:] are not supported at offset 1"},
		{"(?i)a", "unsupported group flags (only (?: ) and named groups) at offset 1"},
		{`\b`, `unsupported escape \b at offset 0`},
		{`\pL`, `unsupported escape \p at offset 0`},
		{`\x41`, `unsupported escape \x at offset 0`},
		{`a\`, "trailing backslash at offset 2"},
		{`[\D]`, `negated class escape inside [ ] is not supported at offset 1`},
		{"(?P<>a)", "invalid group name at offset 4"},
		{"^*", "repetition of an empty expression at offset 1"},
		{"((a{100}){100}){100}", "pattern too large (more than 2000 instructions after expanding repetitions)"},
		{"\xff", "pattern is not valid UTF-8"},
	}
	for _, tt := range tests {
		_, err := Compile(tt.pattern)
		if err == nil || err.Error() != tt.want {
			t.Errorf("Compile(%q) error %v, want %q", tt.pattern, err, tt.want)
		}
	}
}

// agree checks that a pattern Go accepts means the same here (or is refused).
func agree(t *testing.T, pattern string, inputs []string) {
	goRe, goErr := regexp.Compile(`^(?:` + pattern + `)$`)
	if _, err := regexp.Compile(pattern); err != nil {
		goErr = err
	}
	re, err := Compile(pattern)
	if err != nil {
		return // refusing is always allowed
	}
	if goErr != nil {
		// Accepting what Go refuses is tolerated only for a bare "{" literal
		// difference; anything else is a parser bug.
		t.Fatalf("pattern %q accepted here but refused by Go: %v", pattern, goErr)
	}
	for _, s := range inputs {
		if got, want := re.MatchString(s), goRe.MatchString(s); got != want {
			t.Fatalf("pattern %q on %q: %v, Go says %v", pattern, s, got, want)
		}
	}
}

var patternPieces = []string{"a", "b", "é", ".", "|", "(", ")", "(?:", "*", "+", "?", "{2}", "{1,3}", "{0,}", "[ab]", "[^a]", "[a-c]",
	`\d`, `\w`, `\s`, `\D`, `\.`, "^", "$", "[]a]", "{", "}", ",", "-", "[", "]", "\\", "x"}
var inputPieces = []string{"a", "b", "é", "1", " ", ".", "\n", "ab", "x", "-", "{", "}", "\xff"}

func TestDifferentialWithGo(t *testing.T) {
	rng := rand.New(rand.NewSource(7))
	n := 20000
	if testing.Short() {
		n = 2000
	}
	for i := 0; i < n; i++ {
		var p strings.Builder
		for k := rng.Intn(6) + 1; k > 0; k-- {
			p.WriteString(patternPieces[rng.Intn(len(patternPieces))])
		}
		inputs := make([]string, 12)
		for j := range inputs {
			var s strings.Builder
			for k := rng.Intn(5); k > 0; k-- {
				s.WriteString(inputPieces[rng.Intn(len(inputPieces))])
			}
			inputs[j] = s.String()
		}
		agree(t, p.String(), inputs)
	}
}

func FuzzRematch(f *testing.F) {
	for _, s := range []string{"v[0-9]+", "(a|b)*c", `\d{2,3}`, "[^x]", "a{2}", "(?:x)?y$"} {
		f.Add(s, "v12")
	}
	f.Fuzz(func(t *testing.T, pattern, input string) {
		if len(pattern) > 64 || len(input) > 256 {
			return
		}
		agree(t, pattern, []string{input, "", "a", "ab"})
	})
}

func BenchmarkMatch(b *testing.B) {
	re, _ := Compile(`v[0-9]+(\.[0-9]+){0,2}`)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if !re.MatchString("v12.3.4") {
			b.Fatal()
		}
	}
}
