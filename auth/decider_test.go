package auth

import (
	"encoding/base64"
	"strings"
	"testing"

	"github.com/wasmauth/wasmauth/config"
)

func policy(t testing.TB, js string) *config.Policy {
	t.Helper()
	p, err := config.Parse([]byte(js))
	if err != nil {
		t.Fatalf("config: %v", err)
	}
	return p
}

func basic(userpass string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(userpass))
}

func req(method, host, path string, headers ...string) *Request {
	r := &Request{Method: method, Authority: host, Path: path}
	for i := 0; i+1 < len(headers); i += 2 {
		r.Headers = append(r.Headers, [2]string{headers[i], headers[i+1]})
	}
	return r
}

type want struct {
	outcome Outcome
	status  int
	rule    int
	user    string
	reason  string
}

func check(t *testing.T, name string, d *Decider, r *Request, w want) Verdict {
	t.Helper()
	v := d.Decide(r)
	if v.Outcome != w.outcome || v.Status != w.status || v.Rule != w.rule || v.User != w.user || (w.reason != "" && v.Reason != w.reason) {
		t.Errorf("%s: got {%v %d rule=%d user=%q reason=%q}, want {%v %d rule=%d user=%q reason=%q}",
			name, v.Outcome, v.Status, v.Rule, v.User, v.Reason, w.outcome, w.status, w.rule, w.user, w.reason)
	}
	if v.Status == 0 && v.Outcome.Denied() || v.Status != 0 && !v.Outcome.Denied() {
		t.Errorf("%s: status %d inconsistent with %v", name, v.Status, v.Outcome)
	}
	if !v.GRPC && v.GRPCStatus != -1 {
		t.Errorf("%s: non-gRPC request with gRPC status %d", name, v.GRPCStatus)
	}
	return v
}

var (
	allow     = want{outcome: Allow, rule: 0}
	unmatched = want{outcome: Unmatched, rule: -1, reason: ReasonNoRule}
	missing   = want{outcome: DenyUnauthenticated, status: 401, rule: 0, reason: ReasonMissingCredentials}
	bad       = want{outcome: DenyUnauthenticated, status: 401, rule: 0, reason: ReasonBadCredentials}
	malformed = want{outcome: DenyUnauthenticated, status: 401, rule: 0, reason: ReasonMalformedCredentials}
)

func withUser(w want, u string) want { w.user = u; return w }

// TestOriginalPluginCompat replays the replaced basic_auth plugin's own end-to-end cases.
func TestOriginalPluginCompat(t *testing.T) {
	d := NewDecider(policy(t, `{
		"realm": "test",
		"basic_auth_rules": [
			{"prefix": "/api", "request_methods": ["GET", "POST"], "credentials": ["ok:test", "YWRtaW4zOmFkbWluMw=="]},
			{"exact": "/exact", "hosts": ["exact.example.com"], "request_methods": ["GET"], "credentials": ["ok:test"]},
			{"suffix": "/suffix", "hosts": ["*.wild.com"], "request_methods": ["GET"], "credentials": ["ok:test"]},
			{"prefix": "/pre", "hosts": ["pre.*"], "request_methods": ["GET"], "credentials": ["ok:test"]}
		]}`))
	if d.p.Realm() != "test" {
		t.Fatal("realm")
	}
	tests := []struct {
		name string
		r    *Request
		w    want
	}{
		{"correct credentials", req("GET", "any", "/api/x", "authorization", basic("ok:test")), withUser(allow, "ok")},
		{"incorrect credentials", req("GET", "any", "/api/x", "authorization", basic("ok:wrong")), bad},
		{"base64 credentials", req("POST", "any", "/api", "authorization", basic("admin3:admin3")), withUser(allow, "admin3")},
		{"missing credentials", req("GET", "any", "/api/x"), missing},
		{"no path match", req("GET", "any", "/other"), unmatched},
		{"no method match", req("DELETE", "any", "/api/x"), unmatched},
		{"host exact", req("GET", "exact.example.com", "/exact", "authorization", basic("ok:test")), want{outcome: Allow, rule: 1, user: "ok"}},
		{"host exact missing", req("GET", "exact.example.com", "/exact"), want{outcome: DenyUnauthenticated, status: 401, rule: 1}},
		{"host exact with port", req("GET", "Exact.Example.com:8443", "/exact"), want{outcome: DenyUnauthenticated, status: 401, rule: 1}},
		{"host exact trailing dot", req("GET", "exact.example.com.", "/exact"), want{outcome: DenyUnauthenticated, status: 401, rule: 1}},
		{"host mismatch", req("GET", "other.example.com", "/exact"), unmatched},
		{"suffix wildcard", req("GET", "a.wild.com", "/x/suffix"), want{outcome: DenyUnauthenticated, status: 401, rule: 2}},
		{"suffix wildcard deep", req("GET", "a.b.wild.com:80", "/x/suffix", "authorization", basic("ok:test")), want{outcome: Allow, rule: 2, user: "ok"}},
		{"suffix wildcard bare domain", req("GET", "wild.com", "/x/suffix"), unmatched},
		{"prefix wildcard", req("GET", "pre.example.org", "/pre"), want{outcome: DenyUnauthenticated, status: 401, rule: 3}},
		{"prefix wildcard mismatch", req("GET", "xpre.example.org", "/pre"), unmatched},
		{"exact path only", req("GET", "exact.example.com", "/exact/more"), unmatched},
	}
	for _, tt := range tests {
		check(t, tt.name, d, tt.r, tt.w)
	}
}

func TestCredentialHeaderParsing(t *testing.T) {
	d := NewDecider(policy(t, `{"basic_auth_rules":[{"prefix":"/","credentials":["alice:pa:ss word","bob:x"]}]}`))
	enc := base64.StdEncoding.EncodeToString([]byte("alice:pa:ss word"))
	raw := strings.TrimRight(enc, "=")
	tests := []struct {
		name    string
		headers []string
		w       want
	}{
		{"colon in password", []string{"authorization", "Basic " + enc}, withUser(allow, "alice")},
		{"lowercase scheme", []string{"authorization", "basic " + enc}, withUser(allow, "alice")},
		{"uppercase scheme", []string{"authorization", "BASIC " + enc}, withUser(allow, "alice")},
		{"several spaces", []string{"authorization", "Basic    " + enc}, withUser(allow, "alice")},
		{"trailing space", []string{"authorization", "Basic " + enc + "  "}, withUser(allow, "alice")},
		{"unpadded", []string{"authorization", "Basic " + raw}, withUser(allow, "alice")},
		{"wrong password", []string{"authorization", basic("alice:pa:ss")}, bad},
		{"unknown user", []string{"authorization", basic("carol:x")}, bad},
		{"empty user", []string{"authorization", basic(":x")}, malformed},
		{"no colon", []string{"authorization", basic("alice")}, malformed},
		{"bad base64", []string{"authorization", "Basic !!!!"}, malformed},
		{"bad padding", []string{"authorization", "Basic " + raw + "="}, malformed},
		{"no token", []string{"authorization", "Basic "}, malformed},
		{"no space", []string{"authorization", "Basic" + enc}, malformed},
		{"tab separator", []string{"authorization", "Basic\t" + enc}, malformed},
		{"bearer", []string{"authorization", "Bearer abc"}, malformed},
		{"empty", []string{"authorization", ""}, malformed},
		{"control in user", []string{"authorization", basic("al\x01ice:x")}, malformed},
		{"too long", []string{"authorization", "Basic " + strings.Repeat("A", MaxCredentialLen)}, malformed},
		{"two headers", []string{"authorization", "Basic " + enc, "authorization", "Basic " + enc}, malformed},
		{"two headers mixed", []string{"authorization", "Basic " + enc, "authorization", "Bearer x"}, malformed},
	}
	for _, tt := range tests {
		check(t, tt.name, d, req("GET", "h", "/p", tt.headers...), tt.w)
	}
}

func TestHashTypes(t *testing.T) {
	const pw = "s3cr:et pass"
	entries := map[string]string{
		"bcrypt": "$2y$04$OBBHcpevscW3lzNvTy.DkuJeBYbCZFQrIJ/./PHhra0fdyG5MCemO",
		"apr1":   "$apr1$sqopWUA8$1YHKalacu6.FVimzVFvYU0",
		"md5":    "$1$l1yagA9D$vdmLMUVMOZEG0wI1fH7JI1",
		"sha":    "{SHA}6AmmEmsKtsv6+J5s0L3RlKaAk3g=",
		"ssha":   "{SSHA}jFT3+3xzatP/nEKEzlLccCpfnS8BAnNhbHR5/w==",
		"s256":   "$5$Xv.u5yq7bZHwF/Ox$c0aNZuMEPa8UaidTf68Gr1w6Yabfw3mG18hwCHIoMQ.",
		"s512":   "$6$rounds=1234$PAxAamxpfWDvRQnn$9s7qw7B/Qa/iST8/RY/DMG1UkfFHc6UyhV.5saoQ8aEYOlnNNnlwq/86tXtrbucqRmhaz9wcSY8frbjLldo2N.",
	}
	var users []string
	for u, h := range entries {
		users = append(users, `"`+u+`:`+h+`"`)
	}
	d := NewDecider(policy(t, `{"users":[`+strings.Join(users, ",")+`],"basic_auth_rules":[{"prefix":"/","allow":["*"]}]}`))
	for u := range entries {
		check(t, u+" ok", d, req("GET", "h", "/", "authorization", basic(u+":"+pw)), withUser(allow, u))
		check(t, u+" ok again", d, req("GET", "h", "/", "authorization", basic(u+":"+pw)), withUser(allow, u))
		check(t, u+" wrong", d, req("GET", "h", "/", "authorization", basic(u+":"+pw+"!")), bad)
	}
}

func TestAllowListsAndMetadata(t *testing.T) {
	d := NewDecider(policy(t, `{
		"users": ["alice:a", "bob:b"],
		"basic_auth_rules": [
			{"name": "admin", "prefix": "/admin", "allow": ["alice"]},
			{"name": "tenant", "prefix": "/t", "allow": ["*"], "metadata": [{"name": "x-tenant", "exact": "acme"}]},
			{"name": "grpc-only", "prefix": "/svc.", "metadata": [{"name": "content-type", "prefix": "application/grpc"}]},
			{"name": "ver", "prefix": "/v", "metadata": [{"name": "x-version", "regex": "v[0-9]+"}, {"name": "x-debug", "absent": true}]},
			{"name": "local", "prefix": "/local", "credentials": ["carol:c", "alice:other"], "allow": ["alice"]}
		]}`))
	forbidden := func(rule int, reason string) want {
		return want{outcome: DenyForbidden, status: 403, rule: rule, reason: reason}
	}
	tests := []struct {
		name string
		r    *Request
		w    want
	}{
		{"allowed user", req("GET", "h", "/admin", "authorization", basic("alice:a")), withUser(allow, "alice")},
		{"user not allowed", req("GET", "h", "/admin", "authorization", basic("bob:b")), forbidden(0, ReasonUserNotAllowed)},
		{"not allowed and wrong pw is 401", req("GET", "h", "/admin", "authorization", basic("bob:x")), bad},
		{"metadata ok", req("GET", "h", "/t", "authorization", basic("bob:b"), "x-tenant", "acme"), want{outcome: Allow, rule: 1, user: "bob"}},
		{"metadata wrong", req("GET", "h", "/t", "authorization", basic("bob:b"), "x-tenant", "evil"), forbidden(1, ReasonMetadata)},
		{"metadata missing", req("GET", "h", "/t", "authorization", basic("bob:b")), forbidden(1, ReasonMetadata)},
		{"metadata repeated", req("GET", "h", "/t", "authorization", basic("bob:b"), "x-tenant", "acme", "x-tenant", "acme"), forbidden(1, ReasonMetadata)},
		{"metadata before creds is 401", req("GET", "h", "/t", "x-tenant", "evil"), want{outcome: DenyUnauthenticated, status: 401, rule: 1}},
		{"metadata-only ok", req("POST", "h", "/svc.Foo/Bar", "content-type", "application/grpc+proto"), want{outcome: Allow, rule: 2}},
		{"metadata-only fail", req("POST", "h", "/svc.Foo/Bar", "content-type", "text/plain"), forbidden(2, ReasonMetadata)},
		{"regex whole value", req("GET", "h", "/v", "x-version", "v12"), want{outcome: Allow, rule: 3}},
		{"regex anchored", req("GET", "h", "/v", "x-version", "xv12"), forbidden(3, ReasonMetadata)},
		{"regex anchored end", req("GET", "h", "/v", "x-version", "v12x"), forbidden(3, ReasonMetadata)},
		{"absent check", req("GET", "h", "/v", "x-version", "v1", "x-debug", "1"), forbidden(3, ReasonMetadata)},
		{"absent check, underscore spelling", req("GET", "h", "/v", "x-version", "v1", "x_debug", "1"), forbidden(3, ReasonMetadata)},
		{"exact check, underscore copy", req("GET", "h", "/t", "authorization", basic("bob:b"), "x-tenant", "acme", "x_tenant", "evil"), forbidden(1, ReasonMetadata)},
		{"exact check, underscore only", req("GET", "h", "/t", "authorization", basic("bob:b"), "x_tenant", "acme"), forbidden(1, ReasonMetadata)},
		{"prefix check, short value", req("POST", "h", "/svc.Foo/Bar", "content-type", "application/grp"), forbidden(2, ReasonMetadata)},
		{"prefix check, underscore copy", req("POST", "h", "/svc.Foo/Bar", "content-type", "application/grpc", "content_type", "text/plain"), forbidden(2, ReasonMetadata)},
		{"rule-local credential", req("GET", "h", "/local", "authorization", basic("carol:c")), want{outcome: Allow, rule: 4, user: "carol"}},
		{"local name shadows, global pw works", req("GET", "h", "/local", "authorization", basic("alice:a")), want{outcome: Allow, rule: 4, user: "alice"}},
		{"local name shadows, local pw works", req("GET", "h", "/local", "authorization", basic("alice:other")), want{outcome: Allow, rule: 4, user: "alice"}},
		{"global user not allowed here", req("GET", "h", "/local", "authorization", basic("bob:b")), forbidden(4, ReasonUserNotAllowed)},
	}
	for _, tt := range tests {
		check(t, tt.name, d, tt.r, tt.w)
	}
}

func TestEveryMatchingRuleMustPass(t *testing.T) {
	d := NewDecider(policy(t, `{"users":["alice:a","bob:b"],"basic_auth_rules":[
		{"prefix":"/","allow":["*"]},
		{"prefix":"/admin","allow":["alice"]},
		{"prefix":"/admin/x","metadata":[{"name":"x-ok","present":true}]}]}`))
	check(t, "first rule passes, second denies", d, req("GET", "h", "/admin", "authorization", basic("bob:b")),
		want{outcome: DenyForbidden, status: 403, rule: 1, reason: ReasonUserNotAllowed})
	check(t, "all pass", d, req("GET", "h", "/admin/x", "authorization", basic("alice:a"), "x-ok", "1"), withUser(allow, "alice"))
	check(t, "third denies", d, req("GET", "h", "/admin/x", "authorization", basic("alice:a")),
		want{outcome: DenyForbidden, status: 403, rule: 2, reason: ReasonMetadata})
	check(t, "first fails first", d, req("GET", "h", "/admin/x"), missing)
}

func TestExemptionsDefaultDenyMethodsAndGRPC(t *testing.T) {
	d := NewDecider(policy(t, `{"default_action":"deny","users":["alice:a"],
		"exemptions":[{"exact":"/healthz"},{"exact":"/prometheus","request_methods":["GET"]},{"prefix":"/public/","hosts":["www.example.com"]}],
		"basic_auth_rules":[{"prefix":"/","request_methods":["GET","POST"],"allow":["alice"]}]}`))
	exempt := want{outcome: Exempt, rule: -1, reason: ReasonExempt}
	denyUnmatched := want{outcome: DenyUnmatched, status: 403, rule: -1, reason: ReasonNoRule}
	check(t, "exempt health", d, req("GET", "h", "/healthz"), exempt)
	check(t, "exempt after normalisation", d, req("GET", "h", "//healthz;x?y"), exempt)
	check(t, "exempt prometheus GET", d, req("GET", "h", "/prometheus"), exempt)
	check(t, "prometheus POST needs auth", d, req("POST", "h", "/prometheus"), missing)
	check(t, "exempt host-specific", d, req("GET", "WWW.example.com:443", "/public/a"), exempt)
	check(t, "exempt other host", d, req("GET", "api.example.com", "/public/a"), missing)
	check(t, "traversal out of exemption", d, req("GET", "h", "/healthz/../admin"), want{outcome: DenyBadRequest, status: 400, rule: -1})
	check(t, "unlisted method default deny", d, req("DELETE", "h", "/x"), denyUnmatched)
	check(t, "rules check a lowercase method like its uppercase form", d, req("get", "h", "/x"), missing)
	check(t, "exemptions compare the method exactly", d, req("get", "h", "/prometheus"), missing)
	check(t, "invalid method", d, req("GE T", "h", "/x"), want{outcome: DenyBadRequest, status: 400, rule: -1, reason: ReasonInvalidMethod})
	check(t, "empty method", d, req("", "h", "/x"), want{outcome: DenyBadRequest, status: 400, rule: -1})
	check(t, "long method", d, req(strings.Repeat("G", 33), "h", "/x"), want{outcome: DenyBadRequest, status: 400, rule: -1})
	check(t, "asterisk GET", d, req("GET", "h", "*"), want{outcome: DenyBadRequest, status: 400, rule: -1, reason: ReasonAsterisk})
	check(t, "asterisk OPTIONS", d, req("OPTIONS", "h", "*"), denyUnmatched)

	grpc := func(r *Request) *Request {
		r.Headers = append(r.Headers, [2]string{"content-type", "application/grpc+proto"})
		return r
	}
	tests := []struct {
		name   string
		r      *Request
		status int
		grpc   int32
	}{
		{"grpc unauthenticated", grpc(req("POST", "h", "/pkg.Svc/M")), 401, 16},
		{"grpc unmatched", grpc(req("PUT", "h", "/pkg.Svc/M")), 403, 7},
		{"grpc bad request", grpc(req("POST", "h", "/a%2fb")), 400, 3},
		{"grpc allowed", grpc(req("POST", "h", "/pkg.Svc/M", "authorization", basic("alice:a"))), 0, -1},
		{"grpc exempt", grpc(req("GET", "h", "/healthz")), 0, -1},
	}
	for _, tt := range tests {
		v := d.Decide(tt.r)
		if !v.GRPC || v.Status != tt.status || v.GRPCStatus != tt.grpc {
			t.Errorf("%s: grpc=%v status=%d grpc-status=%d, want %d %d", tt.name, v.GRPC, v.Status, v.GRPCStatus, tt.status, tt.grpc)
		}
		if tt.status != 0 && (v.Message == "" || strings.Contains(v.Message, "alice")) {
			t.Errorf("%s: message %q", tt.name, v.Message)
		}
	}
	for ct, want := range map[string]bool{
		"application/grpc": true, "application/grpc+proto": true, "application/grpc;charset=utf-8": false,
		"application/json": false, "application/grp": false, "application/grpc-web": false,
		"application/grpc-web+proto": false, "application/grpc-web-text": false, "Application/grpc": false,
		"application/grpcx": false, "": false,
	} {
		if got := isGRPCContentType(ct); got != want {
			t.Errorf("isGRPCContentType(%q) = %v, want %v", ct, got, want)
		}
	}
}

func TestHostilePaths(t *testing.T) {
	d := NewDecider(policy(t, `{"basic_auth_rules":[{"prefix":"/admin","credentials":["a:b"]}]}`))
	for _, p := range []string{"/admin%2f", "/x/..%2fadmin", "/admin%5c", "/x\\admin", "/%2561dmin", "/admin%00", "/admin\n", "/ad%zzmin",
		"/admin%", "admin", "", "/%ff", "http://evil/admin", "/x/..;/admin", "/%2e%2e/admin", "/admin%3b", "/admin#x", "/x#/../admin",
		"/./admin", "/x/../admin", "/x;y/../admin", "/admin/../x", "/admin%3F/../x", "/admin%23/../x", "/x/..%25%32%46admin"} {
		v := d.Decide(req("GET", "h", p))
		if v.Outcome != DenyBadRequest || v.Status != 400 || v.Reason == "" || strings.Contains(v.Reason, "admin") {
			t.Errorf("%q: %v %d %q, want 400", p, v.Outcome, v.Status, v.Reason)
		}
	}
	for _, p := range []string{"//admin", "/admin;jsessionid=1", "/%61dmin", "/adm%69n/x", "/admin?x", "/;x/admin"} {
		v := d.Decide(req("GET", "h", p))
		if v.Outcome != DenyUnauthenticated {
			t.Errorf("%q reached /admin without credentials: %v", p, v.Outcome)
		}
	}
	empty := NewDecider(policy(t, `{}`))
	if v := empty.Decide(req("GET", "h", "/a%2fb")); v.Outcome != Unmatched {
		t.Errorf("empty policy inspected the path: %v", v.Outcome)
	}
}

func TestHostlessAuthority(t *testing.T) {
	d := NewDecider(policy(t, `{"basic_auth_rules":[
		{"prefix":"/","hosts":["*.example.com"],"credentials":["a:b"]},
		{"prefix":"/all","credentials":["a:b"]}]}`))
	check(t, "empty host", d, req("GET", "", "/x"), unmatched)
	check(t, "empty host hostless rule", d, req("GET", "", "/all"), want{outcome: DenyUnauthenticated, status: 401, rule: 1})
	// A malformed authority may still be routed to a protected virtual host: refused.
	for _, h := range []string{"a b.example.com", "x.example.com\x00", "@x.example.com", "x.example.com:http",
		"x.example.com..", ".x.example.com", "a..example.com", "::1", "[::1", "x.example.com:1:2"} {
		check(t, "bad host "+h, d, req("GET", h, "/all"), want{outcome: DenyBadRequest, status: 400, rule: -1, reason: ReasonBadAuthority})
	}
}

// TestTrailingSlash: a rule's exact path also covers it with or without a trailing
// slash, and a prefix ending in '/' also covers the path without it (backends serve
// both spellings alike); exemptions stay exactly as written.
func TestTrailingSlash(t *testing.T) {
	d := NewDecider(policy(t, `{"basic_auth_rules":[
		{"exact":"/admin","credentials":["a:b"]},
		{"exact":"/console/","credentials":["a:b"]},
		{"prefix":"/ops/","credentials":["a:b"]},
		{"exact":"/e?x=1","credentials":["a:b"]},
		{"exact":"/","hosts":["root.example.com"],"credentials":["a:b"]}],
		"exemptions":[{"exact":"/health"}],
		"default_action":"deny"}`))
	rule := func(i int) want {
		return want{outcome: DenyUnauthenticated, status: 401, rule: i, reason: ReasonMissingCredentials}
	}
	noRule := want{outcome: DenyUnmatched, status: 403, rule: -1, reason: ReasonNoRule}
	exempt := want{outcome: Exempt, rule: -1, reason: ReasonExempt}
	tests := []struct {
		path string
		w    want
	}{
		{"/admin", rule(0)},
		{"/admin/", rule(0)},
		{"/admin//", rule(0)},
		{"/admin/;x", rule(0)},
		{"//admin/", rule(0)},
		{"/admin?q", rule(0)},
		{"/admin/x", noRule},
		{"/adminx", noRule},
		{"/console/", rule(1)},
		{"/console", rule(1)},
		{"/console;x", rule(1)},
		{"/ops/x", rule(2)},
		{"/ops/", rule(2)},
		{"/ops", rule(2)},
		{"/opsx", noRule},
		{"/e?x=1", rule(3)},
		{"/e/?x=1", rule(3)},
		{"/e/?x=2", noRule},
		{"/health", exempt},
		{"/health/", noRule},
	}
	for _, tt := range tests {
		check(t, tt.path, d, req("GET", "h", tt.path), tt.w)
	}
	check(t, "root", d, req("GET", "root.example.com", "/"), rule(4))
	check(t, "root elsewhere", d, req("GET", "other.example.com", "/"), noRule)

	// A rule that names the other spelling itself decides there alone: the exact
	// /admin rule (alice) does not reach /admin/, which the prefix rule (bob) names.
	d = NewDecider(policy(t, `{"users":["alice:a","bob:b"],"basic_auth_rules":[
		{"exact":"/admin","allow":["alice"]},
		{"prefix":"/admin/","allow":["bob"]}]}`))
	bob, alice := basic("bob:b"), basic("alice:a")
	check(t, "bob under /admin/", d, req("GET", "h", "/admin/", "authorization", bob), want{outcome: Allow, rule: 1, user: "bob"})
	check(t, "bob below /admin/", d, req("GET", "h", "/admin/x", "authorization", bob), want{outcome: Allow, rule: 1, user: "bob"})
	check(t, "alice at /admin", d, req("GET", "h", "/admin", "authorization", alice), want{outcome: Allow, rule: 0, user: "alice"})
	check(t, "bob at /admin", d, req("GET", "h", "/admin", "authorization", bob),
		want{outcome: DenyForbidden, status: 403, rule: 0, reason: ReasonUserNotAllowed})
}

func TestQueryPatterns(t *testing.T) {
	d := NewDecider(policy(t, `{"basic_auth_rules":[{"prefix":"/search?admin=","credentials":["a:b"]},{"exact":"/e?x=1","credentials":["a:b"]}]}`))
	check(t, "query prefix", d, req("GET", "h", "//search?admin=1"), missing)
	check(t, "query other", d, req("GET", "h", "/search?q=1"), unmatched)
	check(t, "no query", d, req("GET", "h", "/search"), unmatched)
	check(t, "exact query", d, req("GET", "h", "/e?x=1"), want{outcome: DenyUnauthenticated, status: 401, rule: 1})
	check(t, "exact query more", d, req("GET", "h", "/e?x=12"), unmatched)
}

func TestMetadataCredentials(t *testing.T) {
	d := NewDecider(policy(t, `{"metadata_credentials":{"username":"x-user","password":"x-pass"},
		"basic_auth_rules":[{"prefix":"/","credentials":["alice:a"]}]}`))
	check(t, "metadata creds", d, req("POST", "h", "/s/M", "x-user", "alice", "x-pass", "a"), withUser(allow, "alice"))
	check(t, "metadata wrong", d, req("POST", "h", "/s/M", "x-user", "alice", "x-pass", "b"), bad)
	check(t, "metadata only user", d, req("POST", "h", "/s/M", "x-user", "alice"), malformed)
	check(t, "metadata repeated", d, req("POST", "h", "/s/M", "x-user", "alice", "x-pass", "a", "x-pass", "a"), malformed)
	check(t, "authorization wins", d, req("POST", "h", "/s/M", "authorization", basic("alice:x"), "x-user", "alice", "x-pass", "a"), bad)
	check(t, "none", d, req("POST", "h", "/s/M"), missing)
	plain := NewDecider(policy(t, `{"basic_auth_rules":[{"prefix":"/","credentials":["alice:a"]}]}`))
	check(t, "not configured", plain, req("POST", "h", "/s/M", "x-user", "alice", "x-pass", "a"), missing)
}

func TestDryRun(t *testing.T) {
	d := NewDecider(policy(t, `{"dry_run":true,"basic_auth_rules":[{"prefix":"/","credentials":["a:b"]}]}`))
	v := d.Decide(req("GET", "h", "/"))
	if !v.DryRun || v.Outcome != DenyUnauthenticated || v.Status != 401 {
		t.Fatalf("dry run verdict %+v", v)
	}
}

func TestReasonNeverLeaks(t *testing.T) {
	d := NewDecider(policy(t, `{"users":["alice:a"],"basic_auth_rules":[{"prefix":"/","allow":["alice"]}]}`))
	for _, cred := range []string{"mallory:secretpw", "alice:secretpw", "mallory"} {
		v := d.Decide(req("GET", "h", "/", "authorization", basic(cred)))
		for _, s := range []string{v.Reason, v.Message, v.User} {
			if strings.Contains(s, "secretpw") || strings.Contains(s, "mallory") || strings.Contains(s, "alice") {
				t.Errorf("%q: verdict leaks %q", cred, s)
			}
		}
	}
	for _, b := range d.buf {
		if b != 0 {
			t.Fatal("decoded credentials left in the buffer")
		}
	}
}

// TestUpstreamCompatibility: configurations the istio-ecosystem plugin accepted decide
// as it did (or deny more).
func TestUpstreamCompatibility(t *testing.T) {
	basic := func(user, pass string) string {
		return "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+pass))
	}
	d := NewDecider(policy(t, `{"basic_auth_rules":[
		{"prefix":"/w","hosts":["*example.com","api.example.org*"],"credentials":["ok:test"]},
		{"prefix":"/rot","credentials":["ok:old","ok:new","other:x"]},
		{"prefix":"/empty","credentials":["ok:"]},
		{"prefix":"/star","hosts":["*"],"credentials":["ok:test"]},
		{"prefix":"api","credentials":["ok:test"]},
		{"prefix":"/dead","hosts":["a b"],"credentials":["ok:test"]}]}`))
	missing := want{outcome: DenyUnauthenticated, status: 401, reason: ReasonMissingCredentials}
	for _, host := range []string{"example.com", "www.example.com", "myexample.com", "api.example.org", "api.example.org:443", "api.example.org.eu"} {
		check(t, "wildcard may stand for nothing: "+host, d, req("GET", host, "/w"), missing)
	}
	check(t, "wildcard other host", d, req("GET", "example.org", "/w"), want{outcome: Unmatched, rule: -1})
	for _, pass := range []string{"old", "new"} {
		check(t, "either password of a user listed twice: "+pass, d, req("GET", "h", "/rot", "authorization", basic("ok", pass)),
			want{outcome: Allow, rule: 1, user: "ok"})
	}
	check(t, "neither password", d, req("GET", "h", "/rot", "authorization", basic("ok", "x")),
		want{outcome: DenyUnauthenticated, status: 401, rule: 1, reason: ReasonBadCredentials})
	check(t, "empty password", d, req("GET", "h", "/empty", "authorization", basic("ok", "")), want{outcome: Allow, rule: 2, user: "ok"})
	check(t, "empty password: a password is wrong", d, req("GET", "h", "/empty", "authorization", basic("ok", "x")),
		want{outcome: DenyUnauthenticated, status: 401, rule: 2, reason: ReasonBadCredentials})
	check(t, `hosts ["*"] is every host`, d, req("GET", "anything.test", "/star"), want{outcome: DenyUnauthenticated, status: 401, rule: 3})
	check(t, "a pattern without / never matches", d, req("GET", "h", "/api"), want{outcome: Unmatched, rule: -1})
	check(t, "a rule whose hosts are all dead never matches", d, req("GET", "h", "/dead"), want{outcome: Unmatched, rule: -1})

	ports := NewDecider(policy(t, `{"basic_auth_rules":[
		{"prefix":"/p","hosts":["*.a.com:443"],"credentials":["ok:test"]},
		{"prefix":"/any","hosts":["*:443"],"credentials":["ok:test"]}]}`))
	for _, host := range []string{"x.a.com", "x.a.com:443", "x.a.com:8443"} {
		check(t, "host pattern with a port: "+host, ports, req("GET", host, "/p"), missing)
	}
	check(t, `"*:443" is every host`, ports, req("GET", "b.org:80", "/any"), want{outcome: DenyUnauthenticated, status: 401, rule: 1})
}

// TestUpstreamIgnoredParts: what the istio-ecosystem plugin ignored (fields it did not
// read) or could never match (request_methods entries that are not methods) loads with
// a warning and decides as it did there; the old plugin's numbers-for-strings and a
// realm with control characters load too.
func TestUpstreamIgnoredParts(t *testing.T) {
	p := policy(t, `{"owner":"team-a","realm":"r\u0000","basic_auth_rules":[
		{"prefix":"/api","request_methods":["GET","DELETE\t"],"credentials":["ok:test"],"hosts_typo":["x.example.com"],"note":"api"},
		{"exact":"/never","request_methods":["G T","`+strings.Repeat("A", 33)+`"],"credentials":["ok:test"]},
		{"suffix":42,"request_methods":[42,"PUT"],"credentials":["ok:test"],"Hosts":["x.example.com"]}]}`)
	if len(p.Warnings()) != 10 || p.Realm() != "r" {
		t.Fatalf("realm %q, warnings:\n%v", p.Realm(), p.Warnings())
	}
	d := NewDecider(p)
	missing := want{outcome: DenyUnauthenticated, status: 401, reason: ReasonMissingCredentials}
	rule2 := missing
	rule2.rule = 2
	for _, tt := range []struct {
		name string
		r    *Request
		w    want
	}{
		{"unknown fields: every host, as there", req("GET", "a.example.com", "/api/x"), missing},
		{"unknown fields: credentials", req("GET", "a.example.com", "/api/x", "authorization", basic("ok:test")), withUser(allow, "ok")},
		{"unknown fields: wrong password", req("GET", "x.example.com", "/api/x", "authorization", basic("ok:x")), bad},
		{"a method entry that is not a method matches nothing", req("DELETE", "a.example.com", "/api/x"), unmatched},
		{"a rule without a live method matches nothing", req("GET", "a.example.com", "/never"), unmatched},
		{"nor every method", req("POST", "a.example.com", "/never"), unmatched},
		{"a number is its digits: suffix and method", req("42", "a.example.com", "/v/42"), rule2},
		{"a number is its digits: other method", req("PUT", "a.example.com", "/v/42"), rule2},
		{"a number is its digits: other path", req("PUT", "a.example.com", "/v/43"), unmatched},
	} {
		check(t, tt.name, d, tt.r, tt.w)
	}
}

// TestFailuresCostAlike: with a slow hash in the policy, a wrong password for a user
// with a fast entry runs one slow (dummy) verification, like an unknown user, so that
// timing does not tell which names exist. Successes stay fast, and a policy without
// slow hashes never runs one.
func TestFailuresCostAlike(t *testing.T) {
	const bob = "bob:$2y$04$OBBHcpevscW3lzNvTy.DkuJeBYbCZFQrIJ/./PHhra0fdyG5MCemO"
	mixed := `{"users":["alice:a","carol:{SHA}6AmmEmsKtsv6+J5s0L3RlKaAk3g=","` + bob + `"],
		"basic_auth_rules":[{"prefix":"/","allow":["*"],"credentials":["dave:d"]}]}`
	fast := `{"users":["alice:a"],"basic_auth_rules":[{"prefix":"/","allow":["*"],"credentials":["dave:d"]}]}`
	costs := `{"users":["cheap:$2y$04$5LgUsVgGKkxPQMlzcZ4wBuzM35/LiAr3uABFryC2oPUff2H22wGe.",
		"dear:$2y$06$/O1nPioBKoW3WXcojhzRKelomRNec7ITPRPAvKcACCE6usX0ERRa2"],
		"basic_auth_rules":[{"prefix":"/","allow":["*"]}]}`
	for _, tt := range []struct {
		name, config, creds string
		slow                uint64
	}{
		{"plaintext user, wrong password", mixed, "alice:x", 1},
		{"{SHA} user, wrong password", mixed, "carol:x", 1},
		{"rule credential, wrong password", mixed, "dave:x", 1},
		{"unknown user", mixed, "mallory:x", 1},
		{"bcrypt user, wrong password", mixed, "bob:x", 1},
		{"plaintext user, right password", mixed, "alice:a", 0},
		{"rule credential, right password", mixed, "dave:d", 0},
		{"fast policy, wrong password", fast, "alice:x", 0},
		{"fast policy, unknown user", fast, "mallory:x", 0},
		// bcrypt cost 4 beside cost 6: the dummy is the cost-6 entry.
		{"cheaper bcrypt user, wrong password", costs, "cheap:x", 2},
		{"dearest bcrypt user, wrong password", costs, "dear:x", 1},
		{"unknown user among bcrypt costs", costs, "mallory:x", 1},
		{"cheaper bcrypt user, right password", costs, "cheap:c", 1},
	} {
		d := NewDecider(policy(t, tt.config))
		d.Decide(req("GET", "h", "/x", "authorization", basic(tt.creds)))
		if got := d.Stats().SlowVerifications; got != tt.slow {
			t.Errorf("%s: %d slow verifications, want %d", tt.name, got, tt.slow)
		}
	}
}

func TestReadHeaders(t *testing.T) {
	grpc := [2]string{"content-type", "application/grpc"}
	tests := []struct {
		name    string
		headers [][2]string
		want    headerFacts
		method  string
	}{
		{"none", nil, headerFacts{}, ""},
		{"pseudo once each", [][2]string{{":method", "GET"}, {":authority", "h"}, {":path", "/"}}, headerFacts{}, "GET"},
		{"repeated :path", [][2]string{{":path", "/a"}, {":path", "/b"}}, headerFacts{dupPseudo: true}, ""},
		{"repeated :method, last kept", [][2]string{{":method", "GET"}, {":method", "POST"}}, headerFacts{dupPseudo: true}, "POST"},
		{"other pseudo-headers repeat freely", [][2]string{{":scheme", "http"}, {":scheme", "https"}}, headerFacts{}, ""},
		{"first content-type decides: gRPC", [][2]string{grpc, {"content-type", "text/plain"}}, headerFacts{grpc: true}, ""},
		{"first content-type decides: not gRPC", [][2]string{{"content-type", "text/plain"}, grpc}, headerFacts{}, ""},
		{"two authorization headers", [][2]string{{"authorization", "Basic a"}, {"authorization", "Basic b"}}, headerFacts{authCount: 2, authorization: "Basic b"}, ""},
		{"look-alike names", [][2]string{{"authorization2", "x"}, {"content-type2", "application/grpc"}, {":pathx", "/"}, {"", "x"}}, headerFacts{}, ""},
	}
	for _, tt := range tests {
		r := NewRequest(tt.headers)
		got := r.read
		if got.n != len(tt.headers) || len(tt.headers) > 0 && got.of != &tt.headers[0] {
			t.Errorf("%s: NewRequest did not record the list it read: %+v", tt.name, got)
		}
		got.of, got.n = nil, 0
		if got != tt.want || r.Method != tt.method {
			t.Errorf("%s: facts %+v method %q, want %+v %q", tt.name, got, r.Method, tt.want, tt.method)
		}
		got = readHeaders(tt.headers, nil)
		got.of, got.n = nil, 0
		if got != tt.want {
			t.Errorf("%s: readHeaders without a request = %+v, want %+v", tt.name, got, tt.want)
		}
	}
}

// TestDecideRereadsReplacedHeaders: what NewRequest read belongs to the list it read;
// a Request whose Headers is replaced afterwards is decided on the new list.
func TestDecideRereadsReplacedHeaders(t *testing.T) {
	d := NewDecider(policy(t, `{"users": ["alice:a"], "basic_auth_rules": [{"prefix": "/", "allow": ["alice"]}]}`))
	r := NewRequest([][2]string{{":method", "GET"}, {":authority", "h"}, {":path", "/x"}, {"authorization", "Basic YWxpY2U6YQ=="}})
	if v := d.Decide(&r); v.Outcome != Allow {
		t.Fatalf("with credentials: %v, want allow", v.Outcome)
	}
	for _, headers := range [][][2]string{
		{{":method", "GET"}, {":authority", "h"}, {":path", "/x"}},
		{{":method", "GET"}, {":authority", "h"}, {":path", "/x"}, {"x-other", "Basic YWxpY2U6YQ=="}},
		nil,
	} {
		r.Headers = headers
		if v := d.Decide(&r); v.Outcome != DenyUnauthenticated {
			t.Errorf("Headers replaced by %v: %v, want deny_unauthenticated", headers, v.Outcome)
		}
	}
	r = NewRequest([][2]string{{":method", "GET"}, {":authority", "h"}, {":path", "/x"}, {"authorization", "Basic YWxpY2U6YQ=="}})
	r.Headers = r.Headers[:3] // same first element, shorter
	if v := d.Decide(&r); v.Outcome != DenyUnauthenticated {
		t.Errorf("Headers truncated: %v, want deny_unauthenticated", v.Outcome)
	}
}
