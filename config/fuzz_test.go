package config

import (
	"strings"
	"testing"
)

func FuzzParse(f *testing.F) {
	for _, s := range []string{
		``, `{}`, `[]`, `{"realm":"r"}`, `{"realm":1}`,
		`{"basic_auth_rules":[{"prefix":"/a","hosts":["*.x.com","y.*","[::1]"],"request_methods":["GET"],"credentials":["u:p","dTpw"]}]}`,
		`{"users":["a:$2y$04$OBBHcpevscW3lzNvTy.DkuJeBYbCZFQrIJ/./PHhra0fdyG5MCemO","b:{SHA}6AmmEmsKtsv6+J5s0L3RlKaAk3g="],"basic_auth_rules":[{"exact":"/q?x","allow":["*"]}]}`,
		`{"basic_auth_rules":[{"suffix":".js","metadata":[{"name":"x","regex":"a+"},{"name":"y","absent":true}]}]}`,
		`{"exemptions":[{"prefix":"/h"}],"default_action":"deny","forward_user_header":"x-u","strip_credentials":true,"dry_run":false,"cache_size":3}`,
		`{"metadata_credentials":{"username":"u","password":"p"}}`, `{"a":1,"a":2}`, `{"realm":"\u0000"}`, `{"realm":""}`, `{"realm":"a\"b\\"}`, `{"realm":"\"q\""}`,
		`{"realm":"\"a\u0001\"","note":1,"dryRun":true}`, `{"realm":42,"basic_auth_rules":[{"suffix":7,"hosts":[80],"request_methods":["G T",5],"credentials":["u:p"],"hots":[]}]}`,
		"\xef\xbb\xbf{\"throttle\":{\"max_failure\":1}}",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := Parse(data)
		if err != nil {
			if p != nil {
				t.Fatal("policy with error")
			}
			for _, line := range strings.Split(err.Error(), "\n") {
				if !strings.Contains(line, ": ") {
					t.Fatalf("error line without path: %q", line)
				}
			}
			return
		}
		if !quotedChallenge(p.Challenge()) || len(p.RuleNames()) != p.NumRules() || p.Dummy() == nil {
			t.Fatalf("bad policy from %q", data)
		}
		var dst, scratch []int32
		p.MatchRules(&Target{Host: "a.x.com", HostOK: true, Path: "/a", Method: "GET"}, dst, &scratch)
	})
}

// quotedChallenge reports whether c is `Basic realm="..."` with a valid quoted-string:
// no control characters, every inner '"' and '\\' escaped.
func quotedChallenge(c string) bool {
	const pre = `Basic realm="`
	if !strings.HasPrefix(c, pre) || !strings.HasSuffix(c, `"`) || len(c) < len(pre)+1 {
		return false
	}
	in := c[len(pre) : len(c)-1]
	for i := 0; i < len(in); i++ {
		switch ch := in[i]; {
		case ch < 0x20 || ch == 0x7f || ch == '"':
			return false
		case ch == '\\':
			if i++; i == len(in) {
				return false
			}
		}
	}
	return true
}
