package config

import (
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"testing"
)

func mustParse(t testing.TB, s string) *Policy {
	t.Helper()
	p, err := Parse([]byte(s))
	if err != nil {
		t.Fatalf("Parse(%s): %v", s, err)
	}
	return p
}

func TestParseEmpty(t *testing.T) {
	for _, in := range []string{"", "  \n\t ", "{}", " { } ", "\xef\xbb\xbf", "\xef\xbb\xbf {}\n"} {
		p := mustParse(t, in)
		if p.Realm() != "istio" || p.DryRun() || p.ForwardUserHeader() != "" || p.StripCredentials() ||
			p.DefaultAction() != ActionAllow || p.CacheSize() != DefaultCacheSize || p.NumRules() != 0 ||
			len(p.RuleNames()) != 0 || p.HasMatchers() || p.HasSlowHashes() {
			t.Errorf("%q: unexpected defaults", in)
		}
		if u, pw := p.MetadataCredentialKeys(); u != "" || pw != "" {
			t.Errorf("%q: metadata keys set", in)
		}
		if p.Dummy() == nil || p.Dummy().Slow() {
			t.Errorf("%q: dummy credential missing or slow", in)
		}
	}
}

func TestParseAllFields(t *testing.T) {
	p := mustParse(t, `{
		"realm": "my realm",
		"users": ["alice:pw1", "bob:$apr1$sqopWUA8$1YHKalacu6.FVimzVFvYU0"],
		"basic_auth_rules": [
			{"name": "api", "hosts": ["API.example.com", "*.Example.com."], "prefix": "/api",
			 "request_methods": ["get", "POST", "GET"], "credentials": ["carol:pw3"], "allow": ["alice"],
			 "metadata": [{"name": "X-Tenant", "exact": "a"}, {"name": "x-p", "prefix": "p"},
			              {"name": "x-r", "regex": "v[0-9]+"}, {"name": "x-here", "present": true},
			              {"name": "x-gone", "absent": true}, {"name": ":authority", "present": true}]},
			{"exact": "/admin", "allow": ["*"]},
			{"suffix": ".png", "metadata": [{"name": "x-img", "present": true}]}
		],
		"exemptions": [{"prefix": "/healthz"}, {"exact": "/prometheus", "request_methods": ["GET"]}],
		"default_action": "deny",
		"forward_user_header": "X-Auth-User",
		"strip_credentials": true,
		"metadata_credentials": {"username": "X-User", "password": "x-password"},
		"dry_run": true,
		"cache_size": 7
	}`)
	if p.Realm() != "my realm" || !p.DryRun() || p.ForwardUserHeader() != "x-auth-user" || !p.StripCredentials() ||
		p.DefaultAction() != ActionDeny || p.CacheSize() != 7 || !p.HasMatchers() || !p.HasSlowHashes() {
		t.Fatal("accessors do not reflect the configuration")
	}
	if u, pw := p.MetadataCredentialKeys(); u != "x-user" || pw != "x-password" {
		t.Fatalf("metadata keys %q %q", u, pw)
	}
	if got := strings.Join(p.RuleNames(), ","); got != "api,rule1,rule2" {
		t.Fatalf("rule names %q", got)
	}
	names := p.RuleNames()
	names[0] = "changed"
	if p.RuleNames()[0] != "api" {
		t.Fatal("RuleNames exposes internal state")
	}
	r := p.Rule(0)
	if r.Name() != "api" || !r.NeedsCredentials() || r.Credential([]byte("carol")) == nil || r.Credential([]byte("alice")) != nil ||
		!r.Allows([]byte("alice")) || r.Allows([]byte("bob")) || len(r.Metadata()) != 6 || r.Metadata()[0].Name() != "x-tenant" {
		t.Fatal("rule 0 parsed wrongly")
	}
	if !p.Rule(1).Allows([]byte("bob")) || !p.Rule(1).Allows([]byte("alice")) || p.Rule(1).Allows([]byte("nobody-else")) != true {
		// "*" allows by name without a lookup; authentication against users comes first.
		t.Fatal(`allow ["*"] must allow every user`)
	}
	if p.Rule(2).NeedsCredentials() {
		t.Fatal("metadata-only rule needs credentials")
	}
	if p.User([]byte("alice")) == nil || p.User([]byte("bob")) == nil || p.User([]byte("carol")) != nil {
		t.Fatal("users map wrong")
	}
	if d := p.Dummy(); d != p.User([]byte("bob")) {
		t.Fatal("dummy is not the slowest credential")
	}
	if !p.User([]byte("alice")).Verify([]byte("pw1")) || p.User([]byte("alice")).Verify([]byte("pw2")) || !p.User([]byte("bob")).Verify([]byte("s3cr:et pass")) {
		t.Fatal("verification wrong")
	}
	if p.User([]byte("alice")).ID() == p.User([]byte("bob")).ID() || p.User([]byte("alice")).User() != "alice" {
		t.Fatal("credential ids/users wrong")
	}
}

func TestCredentialFormats(t *testing.T) {
	tests := []struct {
		entry, user, pw string
		slow            bool
	}{
		{"alice:secret", "alice", "secret", false},
		{"alice:pa:ss:word", "alice", "pa:ss:word", false},
		{"YWxpY2U6c2VjcmV0", "alice", "secret", false},      // base64 (original plugin's format)
		{"YWxpY2U6c2VjcmV0MQ==", "alice", "secret1", false}, // padded
		{"YWxpY2U6c2VjcmV0MQ", "alice", "secret1", false},   // unpadded
		{"YWxpY2U6JDJ5JDA1JA==", "alice", "$2y$05$", false}, // base64 entries are always plaintext
		{"üser:pässword", "üser", "pässword", false},        // UTF-8
		{"sha:{SHA}6AmmEmsKtsv6+J5s0L3RlKaAk3g=", "sha", "s3cr:et pass", false},
		{"b:$2y$04$OBBHcpevscW3lzNvTy.DkuJeBYbCZFQrIJ/./PHhra0fdyG5MCemO", "b", "s3cr:et pass", true},
		{"s:$5$Xv.u5yq7bZHwF/Ox$c0aNZuMEPa8UaidTf68Gr1w6Yabfw3mG18hwCHIoMQ.", "s", "s3cr:et pass", true},
	}
	for _, tt := range tests {
		p := mustParse(t, `{"users": [`+strconv.Quote(tt.entry)+`]}`)
		c := p.User([]byte(tt.user))
		if c == nil {
			t.Errorf("%q: user %q not found", tt.entry, tt.user)
			continue
		}
		if !c.Verify([]byte(tt.pw)) || c.Verify([]byte(tt.pw+"x")) || c.Slow() != tt.slow {
			t.Errorf("%q: verify/slow wrong", tt.entry)
		}
	}
}

func TestParseErrors(t *testing.T) {
	rule := func(extra string) string {
		return `{"basic_auth_rules":[{"prefix":"/","credentials":["u:p"]` + extra + `}]}`
	}
	tests := []struct {
		name, in, want string
	}{
		{"invalid json", `{"realm":`, `$: invalid JSON`},
		{"not object", `[1]`, `$: must be an object, got array`},
		{"string root", `"x"`, `$: must be an object, got string`},
		{"bad utf8", "{\"realm\":\"\xff\"}", `$: not valid UTF-8`},
		{"byte-order mark after a space", " \xef\xbb\xbf{}", `$: invalid JSON`},
		{"byte-order mark twice", "\xef\xbb\xbf\xef\xbb\xbf{}", `$: invalid JSON`},
		{"duplicate field", `{"realm":"a","realm":"b"}`, `realm: field appears more than once`},
		{"realm type", `{"realm":1.5}`, `realm: must be a string, got number`},
		{"realm negative", `{"realm":-1}`, `realm: must be a string, got number`},
		{"realm too big", `{"realm":18446744073709551616}`, `realm: must be a string, got number`},
		{"realm boolean", `{"realm":true}`, `realm: must be a string, got boolean`},
		{"rules type", `{"basic_auth_rules":{}}`, `basic_auth_rules: must be an array, got object`},
		{"rule type", `{"basic_auth_rules":[1]}`, `basic_auth_rules[0]: must be an object, got number`},
		{"no path", `{"basic_auth_rules":[{"credentials":["u:p"]}]}`, `basic_auth_rules[0]: needs exactly one of prefix, exact, suffix; got none`},
		{"two paths", rule(`,"exact":"/a"`), `basic_auth_rules[0]: needs exactly one of prefix, exact, suffix; got prefix and exact`},
		{"path type", `{"basic_auth_rules":[{"prefix":1e3,"credentials":["u:p"]}]}`, `basic_auth_rules[0].prefix: must be a string, got number`},
		// The istio-ecosystem plugin accepted these, leaving the rule's match type unset
		// (undefined behaviour): refused on purpose (README, Compatibility).
		{"empty exact", `{"basic_auth_rules":[{"exact":"","credentials":["u:p"]}]}`, `basic_auth_rules[0].exact: empty pattern`},
		{"empty prefix", `{"basic_auth_rules":[{"prefix":"","request_methods":["GET"],"credentials":["u:p"]}]}`, `basic_auth_rules[0].prefix: empty pattern`},
		{"empty suffix", `{"basic_auth_rules":[{"suffix":"","credentials":["u:p"]}]}`, `basic_auth_rules[0].suffix: empty pattern`},
		{"empty exemption pattern", `{"exemptions":[{"prefix":""}]}`, `exemptions[0].prefix: empty pattern`},
		{"hosts type", rule(`,"hosts":"a"`), `basic_auth_rules[0].hosts: must be an array, got string`},
		{"host type", rule(`,"hosts":[1.0]`), `basic_auth_rules[0].hosts[0]: must be a string, got number`},
		{"exemption method", `{"exemptions":[{"prefix":"/h","request_methods":["GET","G T"]}]}`, `exemptions[0].request_methods[1]: "G T" is not a method (an HTTP token of at most 32 bytes)`},
		{"exemption method long", `{"exemptions":[{"prefix":"/h","request_methods":["` + strings.Repeat("A", 33) + `"]}]}`, `exemptions[0].request_methods[0]: "` + strings.Repeat("A", 33) + `" is not a method (an HTTP token of at most 32 bytes)`},
		{"rule method type", rule(`,"request_methods":["GET",-1]`), `basic_auth_rules[0].request_methods[1]: must be a string, got number`},
		{"exemption number", `{"exemptions":[{"prefix":1}]}`, `exemptions[0].prefix: must be a string, got number`},
		{"exemption method number", `{"exemptions":[{"prefix":"/h","request_methods":[1]}]}`, `exemptions[0].request_methods[0]: must be a string, got number`},
		{"users number", `{"users":[1]}`, `users[0]: must be a string, got number`},
		{"name bad", rule(`,"name":"Bad Name"`), `basic_auth_rules[0].name: "Bad Name" must match [a-z0-9_-]{1,64}`},
		{"name dup", `{"basic_auth_rules":[{"name":"x","prefix":"/","credentials":["u:p"]},{"name":"x","prefix":"/","credentials":["u:p"]}]}`, `basic_auth_rules[1]: duplicate rule name "x" (first at basic_auth_rules[0])`},
		{"name dup default", `{"basic_auth_rules":[{"name":"rule1","prefix":"/","credentials":["u:p"]},{"prefix":"/","credentials":["u:p"]}]}`, `basic_auth_rules[1]: duplicate rule name "rule1" (first at basic_auth_rules[0])`},
		{"checks nothing", `{"basic_auth_rules":[{"prefix":"/"}]}`, `basic_auth_rules[0]: rule checks nothing (set credentials, allow or metadata)`},
		{"checks nothing empty", `{"basic_auth_rules":[{"prefix":"/","credentials":[],"allow":[]}]}`, `basic_auth_rules[0]: rule checks nothing (set credentials, allow or metadata)`},
		{"cred type", "", "basic_auth_rules[0].credentials: field appears more than once"},
		{"cred not string", `{"users":[true]}`, "users[0]: must be a string, got boolean"},
		{"cred empty user", `{"users":[":pw"]}`, `users[0]: empty user name`},
		{"cred empty pw", `{"users":["bob:"]}`, `users[0]: user "bob": empty password`},
		{"cred not b64", `{"users":["bob"]}`, `users[0]: entry is neither "user:password" nor base64 of "user:password"`},
		{"cred b64 no colon", `{"users":["Ym9i"]}`, `users[0]: entry is neither "user:password" nor base64 of "user:password"`},
		{"cred control user", `{"users":["b\u0001b:pw"]}`, `users[0]: user name must be valid UTF-8 without control characters`},
		{"cred dup", `{"users":["bob:a","alice:b","bob:c"]}`, `users[2]: duplicate user "bob" (first at users[0])`},
		{"cred yescrypt", `{"users":["alice:$y$j9T$abc$def"]}`, `users[0]: user "alice": yescrypt hashes are not supported (use bcrypt: htpasswd -B)`},
		{"rule cred argon2", `{"basic_auth_rules":[{"prefix":"/","credentials":["u:$argon2id$v=19$x"]}]}`, `basic_auth_rules[0].credentials[0]: user "u": Argon2 hashes are not supported (use bcrypt: htpasswd -B)`},
		{"cred dup b64", `{"users":["bob:a","Ym9iOmI="]}`, `users[1]: duplicate user "bob" (first at users[0])`},
		{"cred bad bcrypt", `{"users":["x:y","bob:$2y$05$short"]}`, `users[1]: user "bob": bad bcrypt hash: length 12, want 60`},
		{"cred bad sha", `{"users":["bob:{SHA}nope"]}`, `users[0]: user "bob": bad sha1 hash: want base64 of a 20-byte SHA-1 digest`},
		{"cred bad crypt", `{"users":["bob:$6$rounds=1$abc$def"]}`, `users[0]: user "bob": bad sha512-crypt hash: rounds 1 outside 1000..10000000`},
		{"allow unknown", `{"users":["bob:x"],"basic_auth_rules":[{"prefix":"/","allow":["bob","carol"]}]}`, `basic_auth_rules[0].allow[1]: unknown user "carol" (not in users)`},
		{"allow star no users", `{"basic_auth_rules":[{"prefix":"/","allow":["*"]}]}`, `basic_auth_rules[0].allow: "*" allows every entry of users, but users is empty`},
		{"allow type", `{"basic_auth_rules":[{"prefix":"/","allow":"bob"}]}`, `basic_auth_rules[0].allow: must be an array, got string`},
		{"md type", rule(`,"metadata":[1]`), `basic_auth_rules[0].metadata[0]: must be an object, got number`},
		{"md no name", rule(`,"metadata":[{"present":true}]`), `basic_auth_rules[0].metadata[0]: missing field "name"`},
		{"md bad name", rule(`,"metadata":[{"name":"a b","present":true}]`), `basic_auth_rules[0].metadata[0].name: "a b" is not a valid header name`},
		{"md no op", rule(`,"metadata":[{"name":"a"}]`), `basic_auth_rules[0].metadata[0]: needs exactly one of present, absent, exact, prefix, regex; got none`},
		{"md two ops", rule(`,"metadata":[{"name":"a","exact":"x","regex":"y"}]`), `basic_auth_rules[0].metadata[0]: needs exactly one of present, absent, exact, prefix, regex; got exact and regex`},
		{"md present false", rule(`,"metadata":[{"name":"a","present":false}]`), `basic_auth_rules[0].metadata[0].present: must be true (use absent for the opposite)`},
		{"md absent false", rule(`,"metadata":[{"name":"a","absent":false}]`), `basic_auth_rules[0].metadata[0].absent: must be true (use present for the opposite)`},
		{"md regex", rule(`,"metadata":[{"name":"a","regex":"(x"}]`), "basic_auth_rules[0].metadata[0].regex: invalid regex: missing closing ): `(x`"},
		{"md prefix empty", rule(`,"metadata":[{"name":"a","prefix":""}]`), `basic_auth_rules[0].metadata[0].prefix: empty prefix matches everything: use "present": true`},
		{"md unknown", rule(`,"metadata":[{"name":"a","present":true,"x":1}]`), `basic_auth_rules[0].metadata[0]: unknown field "x"`},
		{"md exact type", rule(`,"metadata":[{"name":"a","exact":1}]`), `basic_auth_rules[0].metadata[0].exact: must be a string, got number`},
		{"exemption unknown", `{"exemptions":[{"prefix":"/h","credentials":["u:p"]}]}`, `exemptions[0]: unknown field "credentials"`},
		{"exemption no path", `{"exemptions":[{}]}`, `exemptions[0]: needs exactly one of prefix, exact, suffix; got none`},
		{"exemptions type", `{"exemptions":null}`, `exemptions: must be an array, got null`},
		{"default action", `{"default_action":"block"}`, `default_action: must be "allow" or "deny", got "block"`},
		{"forward pseudo", `{"forward_user_header":":path"}`, `forward_user_header: must not be a pseudo-header`},
		{"forward authz", `{"forward_user_header":"Authorization"}`, `forward_user_header: must not be "authorization"`},
		{"forward host", `{"forward_user_header":"host"}`, `forward_user_header: must not be "host"`},
		{"forward token", `{"forward_user_header":"x user"}`, `forward_user_header: "x user" is not a valid header name`},
		{"forward md clash", `{"forward_user_header":"x-u","metadata_credentials":{"username":"x-u","password":"x-p"}}`, `forward_user_header: "x-u" is also a metadata_credentials key`},
		{"strip type", `{"strip_credentials":"yes"}`, `strip_credentials: must be a boolean, got string`},
		{"dry type", `{"dry_run":1}`, `dry_run: must be a boolean, got number`},
		{"cache neg", `{"cache_size":-1}`, `cache_size: out of range 0..1048576, got -1`},
		{"cache float", `{"cache_size":1.5}`, `cache_size: must be an integer, got 1.5`},
		{"cache big", `{"cache_size":99999999999999999999}`, `cache_size: out of range 0..1048576, got 99999999999999999999`},
		{"cache inf", `{"cache_size":1e400}`, `cache_size: must be an integer, got 1e400`},
		{"cache type", `{"cache_size":"1"}`, `cache_size: must be an integer, got string`},
		{"md creds missing", `{"metadata_credentials":{"username":"x-u"}}`, `metadata_credentials: missing field "password"`},
		{"md creds same", `{"metadata_credentials":{"username":"x-u","password":"X-U"}}`, `metadata_credentials: username and password must be different keys`},
		{"md creds authz", `{"metadata_credentials":{"username":"authorization","password":"x"}}`, `metadata_credentials.username: must not be "authorization"`},
		{"md creds type", `{"metadata_credentials":[]}`, `metadata_credentials: must be an object, got array`},
		{"md creds unknown", `{"metadata_credentials":{"username":"a","password":"b","user":"c"}}`, `metadata_credentials: unknown field "user"`},
		{"many", `{"realm":1.5,"users":["a:b","a:c"],"basic_auth_rules":[{"prefx":"/"}],"default_action":"x"}`,
			"realm: must be a string, got number\nusers[1]: duplicate user \"a\" (first at users[0])\nbasic_auth_rules[0]: needs exactly one of prefix, exact, suffix; got none\nbasic_auth_rules[0]: rule checks nothing (set credentials, allow or metadata)\ndefault_action: must be \"allow\" or \"deny\", got \"x\"" +
				"\nbasic_auth_rules[0]: warning: unknown field \"prefx\" is ignored (did you mean \"prefix\"?)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := tt.in
			if tt.name == "cred type" {
				in = `{"basic_auth_rules":[{"prefix":"/","credentials":["u:p"],"credentials":[1]}]}`
			}
			p, err := Parse([]byte(in))
			if err == nil {
				t.Fatalf("no error, policy %v", p)
			}
			if p != nil {
				t.Fatal("policy returned with an error")
			}
			if err.Error() != tt.want {
				t.Fatalf("error\n got: %s\nwant: %s", err, tt.want)
			}
			var es Errors
			if !errors.As(err, &es) || len(es) == 0 {
				t.Fatal("error is not Errors")
			}
			var e *Error
			if !errors.As(err, &e) || e.Path == "" || e.Msg == "" {
				t.Fatal("errors.As(*Error) failed")
			}
		})
	}
}

func TestErrorsNeverContainSecrets(t *testing.T) {
	secrets := []string{"hunter2secret", "$2y$05$HB.RHF4MuMf0/lKurprEKOAwsE8qDJmyT2f8kiHOzJOo9u5tB8O9", "{SHA}6AmmEmsKtsv6+J5s0L3RlKaAk3", "$6$rounds=5$abcdefgh$xyz"}
	for _, s := range secrets {
		for _, in := range []string{
			`{"users":["bob:` + s + `","bob:` + s + `"]}`,
			`{"users":["bob:` + s + `"], "realm": 5.5}`,
			`{"basic_auth_rules":[{"prefix":"/","credentials":["bob:` + s + `"],"request_methods":[-1]}]}`,
		} {
			_, err := Parse([]byte(in))
			if err == nil {
				t.Fatalf("%s: expected an error", in)
			}
			if strings.Contains(err.Error(), s) || strings.Contains(err.Error(), s[2:12]) {
				t.Errorf("error leaks a secret: %v", err)
			}
		}
	}
}

func TestCacheSizeAsProtobufDouble(t *testing.T) {
	for in, want := range map[string]int{`1e+06`: 1000000, `1024.0`: 1024, `0`: 0, `2E3`: 2000} {
		if got := mustParse(t, `{"cache_size":`+in+`}`).CacheSize(); got != want {
			t.Errorf("cache_size %s = %d, want %d", in, got, want)
		}
	}
}

func TestHostPatternNormalisation(t *testing.T) {
	p := mustParse(t, `{"basic_auth_rules":[{"prefix":"/","credentials":["u:p"],"hosts":["API.Example.COM.","*.Wild.com.","Pre-*","::1","[::2]","a.com","a.com"]}]}`)
	got := strings.Join(p.Rule(0).matcher.hosts, " ")
	if got != "api.example.com *.wild.com pre-* [::1] [::2] a.com" {
		t.Fatalf("hosts %q", got)
	}
}

func TestEqualSecret(t *testing.T) {
	for _, tc := range []struct {
		secret, given string
		want          bool
	}{
		{"p", "p", true},
		{"alice-password", "alice-password", true},
		{"alice-password", "alice-passwore", false},
		{"alice-password", "Alice-password", false},
		{"alice-password", "alice-passwor", false},
		{"alice-password", "alice-password!", false},
		{"alice-password", "", false},
		{"ab", "abab", false}, // the secret's bytes repeat: only the length tells them apart
		{"ab", "a", false},
		{"x", "xx", false},
		{"\x00", "\x00", true},
		{"\x00", "", false},
	} {
		if got := equalSecret([]byte(tc.secret), []byte(tc.given)); got != tc.want {
			t.Errorf("equalSecret(%q, %q) = %v, want %v", tc.secret, tc.given, got, tc.want)
		}
	}
}

func FuzzEqualSecret(f *testing.F) {
	f.Add("ab", "abab")
	f.Add("alice-password", "alice-password")
	f.Fuzz(func(t *testing.T, secret, given string) {
		if secret == "" {
			return // never configured: empty passwords are refused
		}
		if got := equalSecret([]byte(secret), []byte(given)); got != (secret == given) {
			t.Fatalf("equalSecret(%q, %q) = %v", secret, given, got)
		}
	})
}

// TestUpstreamConfigsAccepted: configurations the istio-ecosystem plugin accepted load,
// with a warning wherever they cannot work as written.
func TestUpstreamConfigsAccepted(t *testing.T) {
	rule := func(extra string) string {
		return `{"basic_auth_rules":[{"prefix":"/","credentials":["u:p"]` + extra + `}]}`
	}
	tests := []struct {
		name, in, warnings string
	}{
		{"pre-quoted realm", `{"realm":"\"example\""}`, ``},
		{"realm with a quote", `{"realm":"a\"b"}`, ``},
		{"empty realm", `{"realm":""}`, ``},
		{"prefix without slash", `{"basic_auth_rules":[{"prefix":"api","credentials":["u:p"]}]}`,
			`basic_auth_rules[0].prefix: "api" can never match: paths start with /`},
		{"prefix not normal", `{"basic_auth_rules":[{"prefix":"//a///b","credentials":["u:p"]}]}`,
			`basic_auth_rules[0].prefix: "//a///b" is matched in normal form "/a/b"`},
		{"prefix with dot segment", `{"basic_auth_rules":[{"prefix":"/a/./b","credentials":["u:p"]}]}`,
			`basic_auth_rules[0].prefix: "/a/./b" can never match: requests spelled this way are refused: path contains a dot segment (. or ..)`},
		{"prefix encoded slash", `{"basic_auth_rules":[{"prefix":"/a%2fb","credentials":["u:p"]}]}`,
			`basic_auth_rules[0].prefix: "/a%2fb" can never match: requests spelled this way are refused: path contains an encoded slash or backslash`},
		{"prefix percent-encoded", `{"basic_auth_rules":[{"prefix":"/caf%C3%A9?x","credentials":["u:p"]}]}`,
			`basic_auth_rules[0].prefix: "/caf%C3%A9?x" is matched in normal form "/café?x"`},
		{"prefix encoded space", `{"basic_auth_rules":[{"prefix":"/my%20docs","credentials":["u:p"]}]}`,
			`basic_auth_rules[0].prefix: "/my%20docs" is matched in normal form "/my docs"`},
		{"prefix hash", `{"basic_auth_rules":[{"prefix":"/a#b","credentials":["u:p"]}]}`,
			`basic_auth_rules[0].prefix: "/a#b" can never match: normalised paths contain no '#', '\' or control character`},
		{"suffix with params", `{"basic_auth_rules":[{"suffix":";x","credentials":["u:p"]}]}`,
			`basic_auth_rules[0].suffix: ";x" can never match: paths are matched decoded, without ;params and with single slashes`},
		{"suffix dot-dot", `{"basic_auth_rules":[{"suffix":"/..","credentials":["u:p"]}]}`,
			`basic_auth_rules[0].suffix: "/.." can never match: requests with . or .. segments are refused`},
		{"host star", rule(`,"hosts":["*"]`), ``},
		{"empty host", rule(`,"hosts":["a",""]`), `basic_auth_rules[0].hosts[1]: "" can never match a request host: it is empty`},
		{"host middle star", rule(`,"hosts":["a.*.com"]`),
			`basic_auth_rules[0].hosts[0]: "a.*.com" can never match a request host: the wildcard * only works as the first or the last character`},
		{"host port", rule(`,"hosts":["a.com:8080"]`),
			`basic_auth_rules[0].hosts[0]: "a.com:8080" has a port; request ports are ignored: matched as "a.com"`},
		{"wildcard host port", rule(`,"hosts":["*.a.com:443","api.*:8080"]`),
			"basic_auth_rules[0].hosts[0]: \"*.a.com:443\" has a port; request ports are ignored: matched as \"*.a.com\"\n" +
				`basic_auth_rules[0].hosts[1]: "api.*:8080" has a port; request ports are ignored: matched as "api.*"`},
		{"star host port", rule(`,"hosts":["*:443"]`), `basic_auth_rules[0].hosts[0]: "*:443" has a port; request ports are ignored: matched as "*"`},
		{"port only", rule(`,"hosts":[":443"]`), `basic_auth_rules[0].hosts[0]: ":443" can never match a request host: no host before the port`},
		{"bad port", rule(`,"hosts":["a.com:x"]`), `basic_auth_rules[0].hosts[0]: "a.com:x" can never match a request host: invalid port`},
		{"host v6 port", rule(`,"hosts":["[::1]:80"]`),
			`basic_auth_rules[0].hosts[0]: "[::1]:80" has a port; request ports are ignored: matched as "[::1]"`},
		{"host space", rule(`,"hosts":["a b"]`), `basic_auth_rules[0].hosts[0]: "a b" can never match a request host: invalid character in host`},
		{"same user twice in a rule", `{"basic_auth_rules":[{"prefix":"/","credentials":["u:old","u:new","u:new"]}]}`, ``},
		{"empty password in a rule", `{"basic_auth_rules":[{"prefix":"/","credentials":["ok:"]}]}`,
			`basic_auth_rules[0].credentials[0]: user "ok" has an empty password`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			loadsWithWarnings(t, tt.in, tt.warnings)
		})
	}
}

func TestChallenge(t *testing.T) {
	for realm, want := range map[string]string{
		``:            `Basic realm=""`,
		`istio`:       `Basic realm="istio"`,
		`"quoted"`:    `Basic realm="quoted"`,
		`a"b\c`:       `Basic realm="a\"b\\c"`,
		`"`:           `Basic realm="\""`,
		`with space`:  `Basic realm="with space"`,
		`"only-first`: `Basic realm="\"only-first"`,
	} {
		in, _ := json.Marshal(map[string]string{"realm": realm})
		if got := mustParse(t, string(in)).Challenge(); got != want {
			t.Errorf("realm %q: challenge %s, want %s", realm, got, want)
		}
	}
	if got := mustParse(t, `{}`).Challenge(); got != `Basic realm="istio"` {
		t.Errorf("default challenge %s", got)
	}
}

// loadsWithWarnings parses in, which must load, and compares its warnings (one
// "path: message" per line) with want.
func loadsWithWarnings(t *testing.T, in, want string) *Policy {
	t.Helper()
	p, err := Parse([]byte(in))
	if err != nil {
		t.Fatalf("refused: %v", err)
	}
	if got := p.Warnings().Error(); got != want {
		t.Errorf("warnings\n got: %s\nwant: %s", got, want)
	}
	return p
}

// TestFieldListsFit: an object's allowed names must fit its value array, or fields
// would ignore the names past maxFields.
func TestFieldListsFit(t *testing.T) {
	for name, list := range map[string][]string{
		"top": topFields, "rule": ruleFields, "exemption": exemptionFields, "metadata check": checkFields,
		"metadata_credentials": metadataCredentialFields, "throttle": throttleFields,
	} {
		if len(list) > maxFields {
			t.Errorf("%s: %d allowed fields, object holds %d", name, len(list), maxFields)
		}
	}
}

// TestKnownUser: the configured user names are those of users, users_from_env and
// every rule's own credentials, compared exactly; a name only an allow list mentions
// (an environment user this VM cannot see) is not one.
func TestKnownUser(t *testing.T) {
	const cfg = `{"users": ["alice:a"], "users_from_env": "WASMAUTH_USERS",
		"basic_auth_rules": [
			{"prefix": "/a", "allow": ["alice", "bob", "zed"]},
			{"prefix": "/r", "credentials": ["rita:r", "rita:r2"]},
			{"prefix": "/s", "credentials": ["sam:s", "alice:other"]}]}`
	env := envOf(map[string]string{"WASMAUTH_USERS": "bob:b\nzed:z"})
	online, err := ParseWithEnv([]byte(cfg), env)
	if err != nil {
		t.Fatal(err)
	}
	offline, err := Parse([]byte(cfg)) // the environment is not read: bob and zed are unseen
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name            string
		online, offline bool
	}{
		{"alice", true, true}, // users (and a rule's credentials)
		{"bob", true, false},  // users_from_env
		{"zed", true, false},
		{"rita", true, true}, // a rule's own credentials only
		{"sam", true, true},
		{"mallory", false, false},
		{"Alice", false, false}, // exact comparison
		{"alic", false, false},
		{"alice ", false, false},
		{"", false, false},
	} {
		if got := online.KnownUser([]byte(tt.name)); got != tt.online {
			t.Errorf("KnownUser(%q) = %v, want %v", tt.name, got, tt.online)
		}
		if got := offline.KnownUser([]byte(tt.name)); got != tt.offline {
			t.Errorf("without the environment: KnownUser(%q) = %v, want %v", tt.name, got, tt.offline)
		}
	}
	empty, err := Parse([]byte(`{}`))
	if err != nil {
		t.Fatal(err)
	}
	if empty.KnownUser([]byte("alice")) || empty.KnownUser(nil) {
		t.Error("a policy without users knows a user")
	}
}
