package auth

import (
	"bytes"
	"encoding/base64"
	"strings"
	"testing"
	"unicode/utf8"
)

func FuzzParseBasic(f *testing.F) {
	for _, s := range []string{"Basic YWxpY2U6cGFzcw==", "basic YWxpY2U6cGFzcw", "BASIC   YTpiOmM=  ", "Basic ", "Bearer x",
		"Basic !!", "Basic YQ", "Basic YWxpY2U=", "Basic =", "Basic YQ==="} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, value string) {
		user, pwd, buf, ok := parseBasic(value, nil)
		if !ok {
			if user != nil || pwd != nil {
				t.Fatal("parts returned on failure")
			}
			return
		}
		if len(user) == 0 || !utf8.Valid(user) || bytes.IndexByte(user, ':') >= 0 || len(value) > MaxCredentialLen {
			t.Fatalf("accepted %q with user %q", value, user)
		}
		// The standard library must agree on the decoded bytes.
		tok := strings.Trim(value[6:], " \t")
		enc := base64.RawStdEncoding
		if strings.HasSuffix(tok, "=") {
			enc = base64.StdEncoding
		}
		want, err := enc.DecodeString(tok)
		if err != nil {
			// Go's decoder is stricter about trailing bits; ours may accept those.
			return
		}
		got := append(append(append([]byte{}, user...), ':'), pwd...)
		if !bytes.Equal(want, got) {
			t.Fatalf("%q: decoded %q, stdlib %q", value, got, want)
		}
		_ = buf
	})
}

const fuzzPolicy = `{
	"users": ["alice:a", "bob:{SHA}6AmmEmsKtsv6+J5s0L3RlKaAk3g="],
	"metadata_credentials": {"username": "x-user", "password": "x-pass"},
	"exemptions": [{"prefix": "/public"}, {"exact": "/healthz", "hosts": ["*.example.com"]}],
	"basic_auth_rules": [
		{"prefix": "/admin", "allow": ["alice"]},
		{"prefix": "/", "hosts": ["api.*"], "request_methods": ["POST"], "allow": ["*"]},
		{"suffix": ".json", "credentials": ["carol:c"], "metadata": [{"name": "x-v", "regex": "v[0-9]"}]},
		{"exact": "/q?x=1", "metadata": [{"name": "x-ok", "present": true}]}
	]}`

func FuzzDecide(f *testing.F) {
	f.Add("GET", "h", "/admin/x", "Basic YWxpY2U6YQ==", "", "")
	f.Add("POST", "api.example.com:80", "//a/../b;x?y#z", "basic Ym9iOnMzY3I6ZXQgcGFzcw", "application/grpc", "v1")
	f.Add("get", "[::1]:8080", "/x.json", "", "application/grpc", "v2")
	f.Add("OPTIONS", "", "*", "Bearer x", "", "")
	f.Add("GET", "a.example.com", "/public/../admin", "Basic", "text/html", "x")
	f.Add("GET", "h", "/q?x=1", "", "", "")
	f.Fuzz(func(t *testing.T, method, authority, path, authz, ctype, extra string) {
		d := NewDecider(policy(t, fuzzPolicy))
		r := &Request{Method: method, Authority: authority, Path: path, Headers: [][2]string{
			{"authorization", authz}, {"content-type", ctype}, {"x-v", extra}, {"x-user", extra}, {"x-pass", authz},
		}}
		for _, v := range []Verdict{d.Decide(r), d.Decide(r)} {
			if v.Outcome.Denied() != (v.Status != 0) || v.Outcome.String() == "unknown" {
				t.Fatalf("inconsistent verdict %+v", v)
			}
			if v.User != "" && v.User != "alice" && v.User != "bob" && v.User != "carol" {
				t.Fatalf("user %q is not a configured name", v.User)
			}
			if v.Outcome != Allow && v.User != "" {
				t.Fatalf("user set on %v", v.Outcome)
			}
			if v.GRPC && v.Outcome.Denied() && v.GRPCStatus < 0 || (!v.GRPC || !v.Outcome.Denied()) && v.GRPCStatus != -1 {
				t.Fatalf("grpc status %d for %+v", v.GRPCStatus, v)
			}
			if v.Rule < -1 || v.Rule >= 4 {
				t.Fatalf("rule %d", v.Rule)
			}
		}
		// The same request as the host gives it, read in one pass by NewRequest, must
		// be decided as when Decide reads the list itself; the inputs also pick a
		// repeated content-type, authorization or :path.
		h := append([][2]string{{":method", method}, {":authority", authority}, {":path", path}}, r.Headers...)
		switch len(extra) % 4 {
		case 1:
			h = append(h, [2]string{"content-type", extra})
		case 2:
			h = append(h, [2]string{"authorization", extra})
		case 3:
			h = append(h, [2]string{":path", extra})
		}
		nr := NewRequest(h)
		fr := &Request{Method: nr.Method, Authority: nr.Authority, Path: nr.Path, Headers: h}
		if got, want := d.Decide(&nr), d.Decide(fr); got != want {
			t.Fatalf("NewRequest's verdict %+v, field by field %+v", got, want)
		}
		// Without credentials nothing under /admin is ever allowed.
		r.Headers = nil
		if v := d.Decide(r); v.Outcome == Allow || v.Outcome == Exempt || v.Outcome == Unmatched {
			for _, view := range backendViews(path) {
				if strings.HasPrefix(view, "/admin") && method == "GET" {
					t.Fatalf("%q reached /admin (%v)", path, v.Outcome)
				}
			}
		}
	})
}
