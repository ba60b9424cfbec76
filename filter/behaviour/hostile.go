package behaviour

import (
	"encoding/base64"
	"strings"
)

// HostileConfig protects /admin (alice only), everything on api.example.com and the
// IPv6 literal [2001:db8::1] (any user), writes to /data (alice only), /tenant (any
// user, with metadata checks) and exactly /console (alice only), with a health-check
// exemption, user forwarding and credential stripping. HostileCases run
// against it.
const HostileConfig = `{
  "realm": "hostile",
  "users": [
    "alice:` + HostilePassword + `",
    "bob:$2y$05$.trEkaTqhdo1BvVcCa3jQO.txCYjT8jJjLncei0QYicE/WLDKQkg6"
  ],
  "basic_auth_rules": [
    {"name": "admin", "prefix": "/admin", "allow": ["alice"]},
    {"name": "api", "hosts": ["api.example.com", "[2001:db8::1]"], "prefix": "/", "allow": ["*"]},
    {"name": "write", "prefix": "/data", "request_methods": ["POST", "DELETE"], "allow": ["alice"]},
    {"name": "tenant", "prefix": "/tenant", "allow": ["*"], "metadata": [{"name": "x-tenant", "exact": "acme"}, {"name": "x-debug", "absent": true}]},
    {"name": "console", "exact": "/console", "allow": ["alice"]}
  ],
  "exemptions": [{"exact": "/healthz", "request_methods": ["GET"]}],
  "metadata_credentials": {"username": "username", "password": "password"},
  "forward_user_header": "x-wasmauth-user",
  "strip_credentials": true
}`

// HostilePassword is alice's password in HostileConfig; bob's is "bob-password"
// (bcrypt). Tests search the filter's logs for them.
const HostilePassword = "Alice-Pw-7xq!"

// HostileSecrets are strings that must never appear in a log line while HostileCases
// run: the configured passwords, in clear and as sent.
func HostileSecrets() []string {
	return []string{
		HostilePassword, "bob-password", "Wrong-Guess-42", "Mallory-Pw-99", hostileSessionID,
		Basic("alice", HostilePassword)[6:], Basic("bob", "bob-password")[6:],
		Basic("alice", "Wrong-Guess-42")[6:], Basic("mallory", "Mallory-Pw-99")[6:],
	}
}

// hostileSessionID is a session id sent as a path parameter: logs must not carry it.
const hostileSessionID = "Session-Id-31337"

// Wants used by the hostile corpus.
var (
	hostileUnauthorized = Want{Status: 401, GRPCStatus: -1, ReplyHeaders: map[string]string{"www-authenticate": `Basic realm="hostile"`}}
	hostileBadRequest   = Want{Status: 400, GRPCStatus: -1}
	hostileForbidden    = Want{Status: 403, GRPCStatus: -1}
)

// HostileCases is a corpus of requests that try to reach a protected resource
// without valid credentials (or smuggle an identity upstream), each with the exact
// outcome the filter must produce: no request may continue to a protected prefix
// without its credentials, and none may trap the VM. Every host runs it.
func HostileCases() []Case {
	const (
		any = "www.example.com"
		api = "api.example.com"
	)
	alice := Basic("alice", HostilePassword)
	wrong := Basic("alice", "Wrong-Guess-42")
	big := strings.Repeat("a", 64<<10)
	cases := []Case{
		// Baselines: the corpus means something only if these hold.
		{Name: "baseline/protected without credentials", Request: get("GET", any, "/admin"), Want: hostileUnauthorized},
		{Name: "baseline/protected with credentials", Request: get("GET", any, "/admin", "authorization", alice),
			Want: Want{GRPCStatus: -1, Upstream: map[string]string{"x-wasmauth-user": "alice", "authorization": ""}}},
		{Name: "baseline/public", Request: get("GET", any, "/public"), Want: allowed},

		// Path tricks.
		{Name: "path/dot-dot into protected prefix", Request: get("GET", any, "/public/../admin"), Want: hostileBadRequest},
		{Name: "path/dot segment", Request: get("GET", any, "/./admin"), Want: hostileBadRequest},
		{Name: "path/dot-dot above root", Request: get("GET", any, "/../../admin"), Want: hostileBadRequest},
		{Name: "path/trailing dot-dot", Request: get("GET", any, "/admin/x/.."), Want: hostileBadRequest},
		{Name: "path/dot-dot out of a protected prefix", Request: get("GET", any, "/admin/../public"), Want: hostileBadRequest},
		{Name: "path/repeated slashes", Request: get("GET", any, "//admin"), Want: hostileUnauthorized},
		{Name: "path/many slashes", Request: get("GET", any, "///////admin///x"), Want: hostileUnauthorized},
		{Name: "path/semicolon parameter", Request: get("GET", any, "/admin;jsessionid=1/x"), Want: hostileUnauthorized},
		{Name: "path/semicolon parameter on first segment", Request: get("GET", any, "/;x/admin"), Want: hostileUnauthorized},
		{Name: "path/dot-dot with parameter", Request: get("GET", any, "/public/..;/admin"), Want: hostileBadRequest},
		{Name: "path/encoded dot-dot", Request: get("GET", any, "/public/%2e%2e/admin"), Want: hostileBadRequest},
		{Name: "path/encoded dot-dot uppercase", Request: get("GET", any, "/public/%2E%2E/admin"), Want: hostileBadRequest},
		{Name: "path/half encoded dot-dot", Request: get("GET", any, "/public/.%2e/admin"), Want: hostileBadRequest},
		{Name: "path/encoded single dot", Request: get("GET", any, "/%2e/admin"), Want: hostileBadRequest},
		{Name: "path/double encoding with encoded digits", Request: get("GET", any, "/public/..%25%32%46admin"), Want: hostileBadRequest},
		{Name: "path/encoded question mark", Request: get("GET", any, "/admin%3F/../x"), Want: hostileBadRequest},
		{Name: "path/encoded hash", Request: get("GET", any, "/admin%23/x"), Want: hostileBadRequest},
		{Name: "path/encoded slash", Request: get("GET", any, "/public%2f..%2fadmin"), Want: hostileBadRequest},
		{Name: "path/encoded slash uppercase", Request: get("GET", any, "/%2Fadmin"), Want: hostileBadRequest},
		{Name: "path/encoded backslash", Request: get("GET", any, "/public%5c..%5cadmin"), Want: hostileBadRequest},
		{Name: "path/raw backslash", Request: get("GET", any, "/public\\..\\admin"), Want: hostileBadRequest},
		{Name: "path/encoded semicolon", Request: get("GET", any, "/admin%3bx"), Want: hostileBadRequest},
		{Name: "path/double encoding", Request: get("GET", any, "/public/%252e%252e/admin"), Want: hostileBadRequest},
		{Name: "path/invalid percent", Request: get("GET", any, "/admin%zz"), Want: hostileBadRequest},
		{Name: "path/trailing percent", Request: get("GET", any, "/admin%"), Want: hostileBadRequest},
		{Name: "path/encoded letters decode into protected prefix", Request: get("GET", any, "/%61dmin"), Want: hostileUnauthorized},
		{Name: "path/raw NUL", Request: get("GET", any, "/admin\x00"), Want: hostileBadRequest},
		{Name: "path/encoded NUL", Request: get("GET", any, "/admin%00.html"), Want: hostileBadRequest},
		{Name: "path/encoded NUL before protected", Request: get("GET", any, "/public%00/../admin"), Want: hostileBadRequest},
		{Name: "path/raw tab", Request: get("GET", any, "/ad\tmin"), Want: hostileBadRequest},
		{Name: "path/encoded newline", Request: get("GET", any, "/admin%0d%0aX-Injected:%201"), Want: hostileBadRequest},
		{Name: "path/invalid UTF-8 raw", Request: get("GET", any, "/admin/\xff\xfe"), Want: hostileBadRequest},
		{Name: "path/invalid UTF-8 encoded", Request: get("GET", any, "/admin/%c0%af"), Want: hostileBadRequest},
		{Name: "path/overlong encoded dot", Request: get("GET", any, "/public/%c0%ae%c0%ae/admin"), Want: hostileBadRequest},
		{Name: "path/fragment hides dot-dot", Request: get("GET", any, "/public#/../admin"), Want: hostileBadRequest},
		{Name: "path/query does not hide protected path", Request: get("GET", any, "/admin?/public"), Want: hostileUnauthorized},
		{Name: "path/query with dot-dot is only a query", Request: get("GET", any, "/public?x=/../admin"), Want: allowed},
		{Name: "path/absolute-form", Request: get("GET", any, "http://www.example.com/admin"), Want: hostileBadRequest},
		{Name: "path/relative", Request: get("GET", any, "admin"), Want: hostileBadRequest},
		{Name: "path/empty", Request: get("GET", any, ""), Want: hostileBadRequest},
		{Name: "path/asterisk with GET", Request: get("GET", any, "*"), Want: hostileBadRequest},
		{Name: "path/64 KB under protected prefix", Request: get("GET", any, "/admin/"+big), Want: hostileUnauthorized},
		{Name: "path/64 KB of slashes", Request: get("GET", any, strings.Repeat("/", 64<<10)+"admin"), Want: hostileUnauthorized},
		{Name: "path/exact rule with a trailing slash", Request: get("GET", any, "/console/"), Want: hostileUnauthorized},
		{Name: "path/exact rule with slashes and a parameter", Request: get("GET", any, "//console//;x"), Want: hostileUnauthorized},
		{Name: "path/session id parameter", Request: get("GET", any, "/admin;jsessionid="+hostileSessionID), Want: hostileUnauthorized},
		{Name: "path/full-width dot-dot", Request: get("GET", any, "/public/\uFF0E\uFF0E/admin"), Want: hostileBadRequest},
		{Name: "path/encoded full-width dot-dot", Request: get("GET", any, "/public/%EF%BC%8E%EF%BC%8E/admin"), Want: hostileBadRequest},
		{Name: "path/two dot leader", Request: get("GET", any, "/public/\u2025/admin"), Want: hostileBadRequest},
		{Name: "path/full-width slash", Request: get("GET", any, "/public\uFF0F..\uFF0Fadmin"), Want: hostileBadRequest},
		{Name: "path/vertical two dot leader", Request: get("GET", any, "/public/%EF%B8%B0/admin"), Want: hostileBadRequest},
		{Name: "path/full-width semicolon", Request: get("GET", any, "/console\uFF1Bx"), Want: hostileBadRequest},
		{Name: "path/64 KB of dot-dots", Request: get("GET", any, strings.Repeat("/..", 20<<10)+"/admin"), Want: hostileBadRequest},

		// Host tricks (api.example.com and [2001:db8::1] are protected everywhere).
		{Name: "host/protected", Request: get("GET", api, "/x"), Want: hostileUnauthorized},
		{Name: "host/uppercase", Request: get("GET", "API.EXAMPLE.COM", "/x"), Want: hostileUnauthorized},
		{Name: "host/mixed case with port", Request: get("GET", "Api.Example.Com:443", "/x"), Want: hostileUnauthorized},
		{Name: "host/port", Request: get("GET", api+":8080", "/x"), Want: hostileUnauthorized},
		{Name: "host/empty port", Request: get("GET", api+":", "/x"), Want: hostileUnauthorized},
		{Name: "host/trailing dot", Request: get("GET", api+".", "/x"), Want: hostileUnauthorized},
		{Name: "host/trailing dot and port", Request: get("GET", api+".:443", "/x"), Want: hostileUnauthorized},
		{Name: "host/two trailing dots", Request: get("GET", api+"..", "/x"), Want: hostileBadRequest},
		{Name: "host/leading dot", Request: get("GET", "."+api, "/x"), Want: hostileBadRequest},
		{Name: "host/non-numeric port", Request: get("GET", api+":https", "/x"), Want: hostileBadRequest},
		{Name: "host/port too long", Request: get("GET", api+":0000443", "/x"), Want: hostileBadRequest},
		{Name: "host/two ports", Request: get("GET", api+":443:443", "/x"), Want: hostileBadRequest},
		{Name: "host/userinfo", Request: get("GET", "user@"+api, "/x"), Want: hostileBadRequest},
		{Name: "host/userinfo with password", Request: get("GET", "alice:"+HostilePassword+"@"+any, "/admin"), Want: hostileBadRequest},
		{Name: "host/space", Request: get("GET", api+" ", "/x"), Want: hostileBadRequest},
		{Name: "host/NUL", Request: get("GET", api+"\x00.evil", "/x"), Want: hostileBadRequest},
		{Name: "host/IPv6 literal", Request: get("GET", "[2001:db8::1]", "/x"), Want: hostileUnauthorized},
		{Name: "host/IPv6 literal with port", Request: get("GET", "[2001:db8::1]:8443", "/x"), Want: hostileUnauthorized},
		{Name: "host/IPv6 literal uppercase", Request: get("GET", "[2001:DB8::1]", "/x"), Want: hostileUnauthorized},
		{Name: "host/IPv6 unbracketed", Request: get("GET", "2001:db8::1", "/x"), Want: hostileBadRequest},
		{Name: "host/IPv6 unterminated", Request: get("GET", "[2001:db8::1", "/x"), Want: hostileBadRequest},
		{Name: "host/IPv6 zone", Request: get("GET", "[fe80::1%25eth0]", "/x"), Want: hostileBadRequest},
		{Name: "host/empty authority on host-less rule", Request: get("GET", "", "/admin"), Want: hostileUnauthorized},
		{Name: "host/empty authority elsewhere", Request: get("GET", "", "/x"), Want: allowed},
		{Name: "host/64 KB", Request: get("GET", strings.Repeat("a", 64<<10)+".example.com", "/x"), Want: allowed},
		{Name: "host/two authorities", Request: [][2]string{{":method", "GET"}, {":authority", any}, {":authority", api}, {":path", "/x"}, {":scheme", "http"}},
			Want: hostileBadRequest},
		{Name: "host/two authorities protected first", Request: [][2]string{{":method", "GET"}, {":authority", api}, {":authority", any}, {":path", "/x"}, {":scheme", "http"}},
			Want: hostileBadRequest},
		{Name: "host/two paths", Request: [][2]string{{":method", "GET"}, {":authority", any}, {":path", "/public"}, {":path", "/admin"}, {":scheme", "http"}},
			Want: hostileBadRequest},
		{Name: "host/two methods", Request: [][2]string{{":method", "GET"}, {":method", "DELETE"}, {":authority", any}, {":path", "/data"}, {":scheme", "http"}},
			Want: hostileBadRequest},

		// Method tricks (/data is protected for POST and DELETE only).
		{Name: "method/listed", Request: get("POST", any, "/data"), Want: hostileUnauthorized},
		{Name: "method/lowercase is checked like uppercase", Request: get("post", any, "/data"), Want: hostileUnauthorized},
		{Name: "method/mixed case is checked like uppercase", Request: get("DeLeTe", any, "/data"), Want: hostileUnauthorized},
		{Name: "method/lowercase exemption does not exempt", Request: get("get", any, "/healthz"), Want: allowed},
		{Name: "method/lowercase on protected prefix", Request: get("get", any, "/admin"), Want: hostileUnauthorized},
		{Name: "method/unlisted method is not checked by the rule", Request: get("GET", any, "/data"), Want: allowed},
		{Name: "method/unknown method on protected prefix", Request: get("FOO", any, "/admin"), Want: hostileUnauthorized},
		{Name: "method/not a token", Request: get("GE T", any, "/admin"), Want: hostileBadRequest},
		{Name: "method/empty", Request: get("", any, "/admin"), Want: hostileBadRequest},
		{Name: "method/NUL", Request: get("POST\x00", any, "/data"), Want: hostileBadRequest},
		{Name: "method/33 bytes", Request: get(strings.Repeat("P", 33), any, "/admin"), Want: hostileBadRequest},
		{Name: "method/64 KB", Request: get(strings.Repeat("POST", 16<<10), any, "/data"), Want: hostileBadRequest},

		// Header tricks.
		{Name: "header/checked header", Request: get("GET", any, "/tenant", "authorization", alice, "x-tenant", "acme"),
			Want: Want{GRPCStatus: -1, Upstream: map[string]string{"x-wasmauth-user": "alice"}}},
		{Name: "header/checked header with an underscore copy", Request: get("GET", any, "/tenant", "authorization", alice, "x-tenant", "acme", "x_tenant", "evil"), Want: hostileForbidden},
		{Name: "header/checked header spelled with an underscore", Request: get("GET", any, "/tenant", "authorization", alice, "x_tenant", "acme"), Want: hostileForbidden},
		{Name: "header/absent header spelled with an underscore", Request: get("GET", any, "/tenant", "authorization", alice, "x-tenant", "acme", "x_debug", "1"), Want: hostileForbidden},
		{Name: "header/wrong password", Request: get("GET", any, "/admin", "authorization", wrong), Want: hostileUnauthorized},
		{Name: "header/unknown user", Request: get("GET", any, "/admin", "authorization", Basic("mallory", "Mallory-Pw-99")), Want: hostileUnauthorized},
		{Name: "header/user not allowed", Request: get("GET", any, "/admin", "authorization", Basic("bob", "bob-password")), Want: hostileForbidden},
		{Name: "header/duplicated authorization good first", Request: get("GET", any, "/admin", "authorization", alice, "authorization", wrong), Want: hostileUnauthorized},
		{Name: "header/duplicated authorization good last", Request: get("GET", any, "/admin", "authorization", wrong, "authorization", alice), Want: hostileUnauthorized},
		{Name: "header/duplicated identical authorization", Request: get("GET", any, "/admin", "authorization", alice, "authorization", alice), Want: hostileUnauthorized},
		{Name: "header/two credentials in one value", Request: get("GET", any, "/admin", "authorization", alice+", "+wrong), Want: hostileUnauthorized},
		{Name: "header/bearer scheme", Request: get("GET", any, "/admin", "authorization", "Bearer "+alice[6:]), Want: hostileUnauthorized},
		{Name: "header/digest scheme", Request: get("GET", any, "/admin", "authorization", `Digest username="alice"`), Want: hostileUnauthorized},
		{Name: "header/scheme without space", Request: get("GET", any, "/admin", "authorization", "Basic"+alice[6:]), Want: hostileUnauthorized},
		{Name: "header/scheme only", Request: get("GET", any, "/admin", "authorization", "Basic"), Want: hostileUnauthorized},
		{Name: "header/scheme and spaces only", Request: get("GET", any, "/admin", "authorization", "Basic    "), Want: hostileUnauthorized},
		{Name: "header/lowercase scheme", Request: get("GET", any, "/admin", "authorization", "basic "+alice[6:]),
			Want: Want{GRPCStatus: -1, Upstream: map[string]string{"x-wasmauth-user": "alice"}}},
		{Name: "header/uppercase scheme", Request: get("GET", any, "/admin", "authorization", "BASIC "+alice[6:]),
			Want: Want{GRPCStatus: -1, Upstream: map[string]string{"x-wasmauth-user": "alice"}}},
		{Name: "header/extra spaces", Request: get("GET", any, "/admin", "authorization", "Basic    "+alice[6:]+"   "),
			Want: Want{GRPCStatus: -1, Upstream: map[string]string{"x-wasmauth-user": "alice"}}},
		{Name: "header/tab after scheme", Request: get("GET", any, "/admin", "authorization", "Basic\t"+alice[6:]), Want: hostileUnauthorized},
		{Name: "header/unpadded base64", Request: get("GET", any, "/admin", "authorization", "Basic "+strings.TrimRight(alice[6:], "=")),
			Want: Want{GRPCStatus: -1, Upstream: map[string]string{"x-wasmauth-user": "alice"}}},
		{Name: "header/url-safe base64", Request: get("GET", any, "/admin", "authorization",
			"Basic "+base64.URLEncoding.EncodeToString([]byte("alice:"+HostilePassword+"??>"))), Want: hostileUnauthorized},
		{Name: "header/bad base64", Request: get("GET", any, "/admin", "authorization", "Basic !!!!"), Want: hostileUnauthorized},
		{Name: "header/base64 with inner space", Request: get("GET", any, "/admin", "authorization", "Basic "+alice[6:10]+" "+alice[10:]), Want: hostileUnauthorized},
		{Name: "header/wrong padding", Request: get("GET", any, "/admin", "authorization", "Basic "+strings.TrimRight(alice[6:], "=")+"==="), Want: hostileUnauthorized},
		{Name: "header/missing colon", Request: get("GET", any, "/admin", "authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte("alice"+HostilePassword))), Want: hostileUnauthorized},
		{Name: "header/empty user", Request: get("GET", any, "/admin", "authorization", Basic("", HostilePassword)), Want: hostileUnauthorized},
		{Name: "header/empty password", Request: get("GET", any, "/admin", "authorization", Basic("alice", "")), Want: hostileUnauthorized},
		{Name: "header/empty user and password", Request: get("GET", any, "/admin", "authorization", Basic("", "")), Want: hostileUnauthorized},
		{Name: "header/NUL in user", Request: get("GET", any, "/admin", "authorization", Basic("alice\x00", HostilePassword)), Want: hostileUnauthorized},
		{Name: "header/user with different case", Request: get("GET", any, "/admin", "authorization", Basic("Alice", HostilePassword)), Want: hostileUnauthorized},
		{Name: "header/user with trailing space", Request: get("GET", any, "/admin", "authorization", Basic("alice ", HostilePassword)), Want: hostileUnauthorized},
		{Name: "header/password with trailing space", Request: get("GET", any, "/admin", "authorization", Basic("alice", HostilePassword+" ")), Want: hostileUnauthorized},
		{Name: "header/password with NUL suffix", Request: get("GET", any, "/admin", "authorization", Basic("alice", HostilePassword+"\x00")), Want: hostileUnauthorized},
		{Name: "header/invalid UTF-8 user", Request: get("GET", any, "/admin", "authorization", Basic("\xff\xfe", HostilePassword)), Want: hostileUnauthorized},
		{Name: "header/64 KB authorization", Request: get("GET", any, "/admin", "authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte("alice:"+big))), Want: hostileUnauthorized},
		{Name: "header/64 KB authorization with valid prefix", Request: get("GET", any, "/admin", "authorization", alice+strings.Repeat(" ", 64<<10)), Want: hostileUnauthorized},
		{Name: "header/64 KB unrelated header", Request: get("GET", any, "/admin", "authorization", alice, "x-big", big),
			Want: Want{GRPCStatus: -1, Upstream: map[string]string{"x-wasmauth-user": "alice"}}},
		{Name: "header/proxy-authorization is not authorization", Request: get("GET", any, "/admin", "proxy-authorization", alice), Want: hostileUnauthorized},
		{Name: "header/metadata credentials duplicated", Request: get("GET", any, "/admin", "username", "alice", "password", HostilePassword, "username", "bob"), Want: hostileUnauthorized},
		{Name: "header/metadata user without password", Request: get("GET", any, "/admin", "username", "alice"), Want: hostileUnauthorized},
		{Name: "header/metadata credentials", Request: get("GET", any, "/admin", "username", "alice", "password", HostilePassword),
			Want: Want{GRPCStatus: -1, Upstream: map[string]string{"x-wasmauth-user": "alice", "username": "", "password": ""}}},
		{Name: "header/bad authorization wins over good metadata", Request: get("GET", any, "/admin", "authorization", wrong, "username", "alice", "password", HostilePassword), Want: hostileUnauthorized},

		// Spoofed forwarded-user headers never reach the upstream, whatever the verdict.
		{Name: "spoof/forwarded user on public path", Request: get("GET", any, "/public", "x-wasmauth-user", "alice"),
			Want: Want{GRPCStatus: -1, Upstream: map[string]string{"x-wasmauth-user": ""}}},
		{Name: "spoof/forwarded user twice on public path", Request: get("GET", any, "/public", "x-wasmauth-user", "alice", "x-wasmauth-user", "bob"),
			Want: Want{GRPCStatus: -1, Upstream: map[string]string{"x-wasmauth-user": ""}}},
		{Name: "spoof/forwarded user with underscores", Request: get("GET", any, "/public", "x_wasmauth_user", "alice"),
			Want: Want{GRPCStatus: -1, Upstream: map[string]string{"x_wasmauth_user": ""}}},
		{Name: "spoof/forwarded user mixed separators", Request: get("GET", any, "/public", "x-wasmauth_user", "alice"),
			Want: Want{GRPCStatus: -1, Upstream: map[string]string{"x-wasmauth_user": ""}}},
		{Name: "spoof/forwarded user on exempt path", Request: get("GET", any, "/healthz", "x-wasmauth-user", "alice"),
			Want: Want{GRPCStatus: -1, Upstream: map[string]string{"x-wasmauth-user": ""}}},
		{Name: "spoof/forwarded user replaced by the authenticated one", Request: get("GET", any, "/admin", "x-wasmauth-user", "bob", "authorization", alice, "x_wasmauth_user", "bob"),
			Want: Want{GRPCStatus: -1, Upstream: map[string]string{"x-wasmauth-user": "alice", "x_wasmauth_user": ""}}},
		{Name: "spoof/forwarded user does not authenticate", Request: get("GET", any, "/admin", "x-wasmauth-user", "alice"), Want: hostileUnauthorized},

		// gRPC requests get gRPC codes for the same tricks.
		{Name: "grpc/encoded slash", Request: grpc(api, "/pkg.Svc%2FMethod"), Want: Want{Status: 400, GRPCStatus: 3}},
		{Name: "grpc/bad credentials", Request: grpc(api, "/pkg.Svc/Method", "authorization", wrong), Want: Want{Status: 401, GRPCStatus: 16}},
		{Name: "grpc/uppercase content type is not gRPC to Envoy", Request: get("POST", api, "/pkg.Svc/Method", "content-type", "APPLICATION/GRPC"), Want: hostileUnauthorized},
		{Name: "grpc/grpc-web is answered in HTTP", Request: get("POST", api, "/pkg.Svc/Method", "content-type", "application/grpc-web+proto"), Want: hostileUnauthorized},
	}
	for i := range cases {
		cases[i].Config = HostileConfig
		cases[i].Name = "hostile/" + cases[i].Name
	}
	return cases
}
