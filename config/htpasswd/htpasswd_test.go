package htpasswd

import (
	"bufio"
	_ "embed"
	"strings"
	"testing"
)

const vectorPassword = "s3cr:et pass"

// vectorsFile is embedded so the tests also run where the working directory
// is not the package directory (tinygo test under a wasm runtime).
//
//go:embed testdata/vectors.htpasswd
var vectorsFile string

func loadVectors(t testing.TB) map[string]string {
	t.Helper()
	out := map[string]string{}
	sc := bufio.NewScanner(strings.NewReader(vectorsFile))
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		name, hash, ok := strings.Cut(line, ":")
		if !ok {
			t.Fatalf("bad vector line %q", line)
		}
		out[name] = hash
	}
	return out
}

func TestVectors(t *testing.T) {
	want := map[string]Kind{
		"bcrypt5": Bcrypt, "bcrypt4": Bcrypt, "apr1": APR1, "sha1": SHA1,
		"sha256crypt": SHA256Crypt, "sha512crypt": SHA512Crypt,
		"mkpasswd256": SHA256Crypt, "mkpasswd512": SHA512Crypt, "mkpasswd512r": SHA512Crypt,
		"mkpasswd256r": SHA256Crypt, "mkpasswdmd5": MD5Crypt, "openssl5": SHA256Crypt,
		"openssl6": SHA512Crypt, "opensslapr1": APR1, "openssl1": MD5Crypt, "ssha": SSHA,
	}
	vec := loadVectors(t)
	if len(vec) != len(want) {
		t.Fatalf("testdata has %d vectors, test knows %d", len(vec), len(want))
	}
	for name, enc := range vec {
		t.Run(name, func(t *testing.T) {
			h, err := Parse(enc)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if h.Kind() != want[name] {
				t.Fatalf("kind %v, want %v", h.Kind(), want[name])
			}
			if !h.Verify([]byte(vectorPassword)) {
				t.Fatal("correct password rejected")
			}
			for _, wrong := range []string{"", "s3cr:et pas", "s3cr:et passs", "S3cr:et pass", "s3cr"} {
				if h.Verify([]byte(wrong)) {
					t.Fatalf("wrong password %q accepted", wrong)
				}
			}
		})
	}
}

func TestCostAndSlow(t *testing.T) {
	vec := loadVectors(t)
	tests := []struct {
		name string
		cost int
		slow bool
	}{
		{"bcrypt5", 5, true}, {"bcrypt4", 4, true}, {"apr1", 1000, true}, {"openssl1", 1000, true},
		{"sha512crypt", 5000, true}, {"mkpasswd512r", 1234, true}, {"mkpasswd256r", 20000, true},
		{"sha1", 0, false}, {"ssha", 0, false},
	}
	for _, tt := range tests {
		h, err := Parse(vec[tt.name])
		if err != nil {
			t.Fatal(err)
		}
		if h.Cost() != tt.cost || h.Slow() != tt.slow {
			t.Errorf("%s: cost %d slow %v, want %d %v", tt.name, h.Cost(), h.Slow(), tt.cost, tt.slow)
		}
	}
	b5, _ := Parse(vec["bcrypt5"])
	b4, _ := Parse(vec["bcrypt4"])
	s, _ := Parse(vec["sha1"])
	if !(b5.Work() > b4.Work() && b4.Work() > s.Work()) {
		t.Errorf("Work not ordered: %d %d %d", b5.Work(), b4.Work(), s.Work())
	}
}

func TestDetect(t *testing.T) {
	tests := []struct {
		in   string
		want Kind
	}{
		{"$2y$05$x", Bcrypt}, {"$2a$", Bcrypt}, {"$2b$", Bcrypt}, {"$2x$", 0},
		{"$apr1$", APR1}, {"$1$", MD5Crypt}, {"$5$", SHA256Crypt}, {"$6$", SHA512Crypt},
		{"{SHA}", SHA1}, {"{SSHA}", SSHA}, {"{sha}", 0}, {"plain", 0}, {"", 0}, {"$7$", 0},
	}
	for _, tt := range tests {
		if got := Detect(tt.in); got != tt.want {
			t.Errorf("Detect(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

func TestParseErrors(t *testing.T) {
	const b = "$2y$05$HB.RHF4MuMf0/lKurprEKOAwsE8qDJmyT2f8kiHOzJOo9u5tB8O9C"
	const s6 = "WVt9sNCt2Iw.hi82$0u.nvFEC8jKzplMz.qx1x4IQPKnk4KN2Ivgqo5fpqPrQfuUwWVIa1XtDSJqs35a.qLoZm9kLm/XLHh10ukCAS0"
	tests := []struct {
		in, want string
	}{
		{"plain", "not a supported hash (want $2y$, $2a$, $2b$, $apr1$, $1$, $5$, $6$, {SHA} or {SSHA})"},
		{b[:59], "bad bcrypt hash: length 59, want 60"},
		{"$2y$5x" + b[6:], "bad bcrypt hash: cost must be two digits followed by $"},
		{"$2y$03" + b[6:], "bad bcrypt hash: cost 3 outside 4..17"},
		{"$2y$18" + b[6:], "bad bcrypt hash: cost 18 outside 4..17"},
		{b[:59] + "!", "bad bcrypt hash: invalid character in salt or digest"},
		{"$apr1$sqopWUA8", "bad apr1 hash: missing $ after salt"},
		{"$apr1$$1YHKalacu6.FVimzVFvYU0", "bad apr1 hash: salt length 0, want 1..8"},
		{"$apr1$sqopWUA89$1YHKalacu6.FVimzVFvYU0", "bad apr1 hash: salt length 9, want 1..8"},
		{"$apr1$sq!pWUA8$1YHKalacu6.FVimzVFvYU0", "bad apr1 hash: invalid character in salt"},
		{"$apr1$sqopWUA8$1YHKalacu6.FVimzVFvYU", "bad apr1 hash: digest must be 22 characters of [./0-9A-Za-z]"},
		{"$1$sqopWUA8$1YHKalacu6.FVimzVFvYU0=", "bad md5-crypt hash: digest must be 22 characters of [./0-9A-Za-z]"},
		{"$6$" + s6[:50], "bad sha512-crypt hash: digest must be 86 characters of [./0-9A-Za-z]"},
		{"$6$rounds=999$" + s6, "bad sha512-crypt hash: rounds 999 outside 1000..10000000"},
		{"$6$rounds=10000001$" + s6, "bad sha512-crypt hash: rounds 10000001 outside 1000..10000000"},
		{"$6$rounds=x$" + s6, "bad sha512-crypt hash: rounds is not a number"},
		{"$6$rounds=+5000$" + s6, "bad sha512-crypt hash: rounds is not a number"},
		{"$6$rounds=5000", "bad sha512-crypt hash: missing $ after rounds"},
		{"$6$abc", "bad sha512-crypt hash: missing $ after salt"},
		{"$6$0123456789abcdefg$" + s6[17:], "bad sha512-crypt hash: salt length 17, want at most 16"},
		{"$5$abc$short", "bad sha256-crypt hash: digest must be 43 characters of [./0-9A-Za-z]"},
		{"{SHA}abc", "bad sha1 hash: want base64 of a 20-byte SHA-1 digest"},
		{"{SHA}6AmmEmsKtsv6+J5s0L3RlKaAk3g", "bad sha1 hash: want base64 of a 20-byte SHA-1 digest"},
		{"{SSHA}6AmmEmsKtsv6+J5s0L3RlKaAk3g=", "bad ssha hash: want base64 of a 20-byte SHA-1 digest followed by a 1..64 byte salt"},
	}
	for _, tt := range tests {
		h, err := Parse(tt.in)
		if err == nil {
			t.Errorf("Parse(%q) = %v, want error %q", tt.in, h, tt.want)
			continue
		}
		if err.Error() != tt.want {
			t.Errorf("Parse(%q) error\n got  %q\n want %q", tt.in, err.Error(), tt.want)
		}
		if len(tt.in) > 12 && strings.Contains(err.Error(), tt.in[len(tt.in)-12:]) {
			t.Errorf("error for %q leaks the hash: %q", tt.in, err)
		}
	}
}

func TestLongPasswords(t *testing.T) {
	vec := loadVectors(t)
	long := []byte(strings.Repeat("a", 300))
	for _, name := range []string{"bcrypt4", "sha512crypt", "apr1"} {
		h, _ := Parse(vec[name])
		if h.Verify(long) {
			t.Errorf("%s accepted an over-long password", name)
		}
	}
}

func BenchmarkVerify(b *testing.B) {
	vec := loadVectors(b)
	for _, name := range []string{"bcrypt5", "apr1", "sha512crypt", "sha1", "ssha"} {
		h, _ := Parse(vec[name])
		b.Run(name, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				if !h.Verify([]byte(vectorPassword)) {
					b.Fatal("verify failed")
				}
			}
		})
	}
}

func FuzzParse(f *testing.F) {
	for _, v := range loadVectors(f) {
		f.Add(v, vectorPassword)
	}
	f.Add("$2y$99$", "x")
	f.Add("$6$rounds=$$", "")
	f.Fuzz(func(t *testing.T, enc, pw string) {
		h, err := Parse(enc)
		if err != nil {
			if h != nil {
				t.Fatal("non-nil hash with error")
			}
			return
		}
		if h.Kind() == Bcrypt && h.Cost() > 5 {
			return // keep the fuzzer fast
		}
		if h.Kind() != Bcrypt && h.Cost() > 6000 {
			return
		}
		h.Verify([]byte(pw))
	})
}

func TestUnsupported(t *testing.T) {
	tests := []struct{ in, want string }{
		{"$y$j9T$F5Jx5fExrKuPp53xLKQ..1$X3DX6M94c7o.9agCG9G317fhZg9SqC.5i5rd.RhAtQ7", "yescrypt"},
		{"$gy$j9T$abc$def", "gost-yescrypt"},
		{"$7$CU..../....abc$def", "scrypt"},
		{"$2x$05$abcdefghijklmnopqrstuv", "bcrypt $2x$"},
		{"$argon2id$v=19$m=65536,t=3,p=4$c2FsdA$aGFzaA", "Argon2"},
		{"{ssha}abcdefghijklmnopqrstuvwxyz12", "{SSHA} spelled {ssha}"},
		{"{sha}6AmmEmsKtsv6+J5s0L3RlKaAk3", "{SHA} spelled {sha}"},
		{"{SSHA512}abc", "{SSHA512}"},
		{"{crypt}$6$x", "{CRYPT}"},
		{"$2y$05$abc", ""}, // supported: Detect's business
		{"{SSHA}abc", ""},
		{"{SHA}abc", ""},
		{"hunter2", ""},
		{"$ecret$", ""},
		{"$", ""},
		{"", ""},
	}
	for _, tt := range tests {
		if got := Unsupported(tt.in); got != tt.want {
			t.Errorf("Unsupported(%.12q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
