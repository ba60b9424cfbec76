package behaviour

import "encoding/base64"

// Basic returns an Authorization header value for user and password.
func Basic(user, password string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+password))
}

// get builds a request with the usual pseudo-headers and any extra headers.
func get(method, authority, path string, extra ...string) [][2]string {
	h := [][2]string{{":method", method}, {":authority", authority}, {":path", path}, {":scheme", "http"}}
	for i := 0; i+1 < len(extra); i += 2 {
		h = append(h, [2]string{extra[i], extra[i+1]})
	}
	return h
}

// grpc builds a gRPC request for the full method name (e.g. /helloworld.Greeter/SayHello).
func grpc(authority, method string, extra ...string) [][2]string {
	return get("POST", authority, method, append([]string{"content-type", "application/grpc", "te", "trailers"}, extra...)...)
}

// allowed is the Want for a request that continues upstream.
var allowed = Want{Status: 0, GRPCStatus: -1}

func unauthorized(realm string) Want {
	return Want{Status: 401, GRPCStatus: -1, ReplyHeaders: map[string]string{"www-authenticate": `Basic realm="` + realm + `"`}}
}

var forbidden = Want{Status: 403, GRPCStatus: -1}

// Configs shared by several cases.
const (
	// compatConfig is written exactly as for istio-ecosystem basic_auth.
	compatConfig = `{
  "basic_auth_rules": [
    {"prefix": "/api", "request_methods": ["GET", "POST"], "credentials": ["ok:test", "YWRtaW4zOmFkbWluMw=="]},
    {"exact": "/exact", "hosts": ["exact.example.com"], "request_methods": ["GET"], "credentials": ["ok:test"]},
    {"suffix": ".php", "hosts": ["*.wild.example.com", "pre.*"], "request_methods": ["GET"], "credentials": ["ok:test"]}
  ],
  "realm": "test"
}`
	// compatWildcardConfig holds what the istio-ecosystem plugin accepted and earlier
	// versions of this filter refused: a pre-quoted realm, a wildcard standing for
	// nothing, a user listed twice (password rotation), an empty password.
	compatWildcardConfig = `{
  "realm": "\"example\"",
  "basic_auth_rules": [
    {"prefix": "/open", "request_methods": ["GET"], "credentials": ["guest:"]},
    {"prefix": "/", "hosts": ["*example.com"], "request_methods": ["GET"], "credentials": ["ok:old", "ok:new"]}
  ]
}`
	// compatLooseConfig is also written for istio-ecosystem basic_auth, with what that
	// plugin ignored or could never match and earlier versions of this filter refused:
	// fields it did not read (at the top level and in rules; "hosts_typo" and "hots" do
	// not restrict the rules to hosts), request_methods entries that are not methods
	// ("POST " never matched POST; the /dead rule matches no method at all), a realm
	// with a control character (removed) and a number where it read a string.
	compatLooseConfig = `{
  "comment": "managed by the platform team",
  "realm": "loose\u0007",
  "basic_auth_rules": [
    {"prefix": "/api", "request_methods": ["GET", "POST "], "credentials": ["ok:test"],
     "description": "the API", "hosts_typo": ["other.example.com"]},
    {"prefix": "/dead", "request_methods": ["G T", ""], "credentials": ["ok:test"]},
    {"suffix": 123, "request_methods": ["GET"], "credentials": ["ok:test"], "hots": ["x.example.com"]}
  ],
  "version": 2
}`
	// usersConfig uses shared users, per-rule allow lists, metadata checks and gRPC.
	usersConfig = `{
  "realm": "demo",
  "users": [
    "alice:alice-password",
    "bob:$2y$05$.trEkaTqhdo1BvVcCa3jQO.txCYjT8jJjLncei0QYicE/WLDKQkg6",
    "carol:{SHA}RvC+VLa9zO06McPImeUuMA0OebI="
  ],
  "basic_auth_rules": [
    {"name": "admin", "prefix": "/admin", "allow": ["alice"]},
    {"name": "app", "prefix": "/app", "allow": ["*"], "metadata": [{"name": "x-tenant", "present": true}]},
    {"name": "greeter", "prefix": "/helloworld.Greeter/", "allow": ["alice", "bob"]}
  ],
  "exemptions": [{"exact": "/healthz", "request_methods": ["GET"]}],
  "metadata_credentials": {"username": "username", "password": "password"},
  "forward_user_header": "x-wasmauth-user",
  "strip_credentials": true
}`
)

// Cases returns the behaviour table. Each call returns a fresh copy. The table is also
// replayed through a real Istio gateway (e2e/kind), whose Envoy resolves dot segments
// before the filter sees the path: requests Envoy rewrites belong in HostileCases.
func Cases() []Case {
	return []Case{
		// Compatibility with istio-ecosystem basic_auth (its own end-to-end cases).
		{Name: "compat/correct credentials", Config: compatConfig,
			Request: get("GET", "any.example.com", "/api/items", "authorization", Basic("ok", "test")), Want: allowed},
		{Name: "compat/base64 credentials entry", Config: compatConfig,
			Request: get("GET", "any.example.com", "/api/items", "authorization", Basic("admin3", "admin3")), Want: allowed},
		{Name: "compat/incorrect password", Config: compatConfig,
			Request: get("GET", "any.example.com", "/api/items", "authorization", Basic("ok", "wrong")), Want: unauthorized("test")},
		{Name: "compat/missing credentials", Config: compatConfig,
			Request: get("GET", "any.example.com", "/api/items"), Want: unauthorized("test")},
		{Name: "compat/no path match", Config: compatConfig,
			Request: get("GET", "any.example.com", "/public"), Want: allowed},
		{Name: "compat/method not listed is not checked", Config: compatConfig,
			Request: get("DELETE", "any.example.com", "/api/items"), Want: allowed},
		{Name: "compat/exact host match", Config: compatConfig,
			Request: get("GET", "exact.example.com", "/exact"), Want: unauthorized("test")},
		{Name: "compat/host mismatch", Config: compatConfig,
			Request: get("GET", "other.example.com", "/exact"), Want: allowed},
		{Name: "compat/suffix wildcard host", Config: compatConfig,
			Request: get("GET", "a.wild.example.com", "/index.php"), Want: unauthorized("test")},
		{Name: "compat/prefix wildcard host", Config: compatConfig,
			Request: get("GET", "pre.example.org", "/index.php", "authorization", Basic("ok", "test")), Want: allowed},
		{Name: "compat/empty config allows", Config: ``,
			Request: get("GET", "any.example.com", "/anything"), Want: allowed},
		{Name: "compat/wildcard host covers the bare domain", Config: compatWildcardConfig,
			Request: get("GET", "example.com", "/x"), Want: unauthorized("example")},
		{Name: "compat/same user listed twice: old password", Config: compatWildcardConfig,
			Request: get("GET", "www.example.com", "/x", "authorization", Basic("ok", "old")), Want: allowed},
		{Name: "compat/same user listed twice: new password", Config: compatWildcardConfig,
			Request: get("GET", "www.example.com", "/x", "authorization", Basic("ok", "new")), Want: allowed},
		{Name: "compat/empty password entry", Config: compatWildcardConfig,
			Request: get("GET", "other.test", "/open", "authorization", Basic("guest", "")), Want: allowed},
		{Name: "compat/empty password entry: a password is wrong", Config: compatWildcardConfig,
			Request: get("GET", "other.test", "/open", "authorization", Basic("guest", "x")), Want: unauthorized("example")},
		{Name: "compat/rule with unknown fields still protects its path", Config: compatLooseConfig,
			Request: get("GET", "any.example.com", "/api/items"), Want: unauthorized("loose")},
		{Name: "compat/rule with unknown fields: correct credentials", Config: compatLooseConfig,
			Request: get("GET", "other.example.com", "/api/items", "authorization", Basic("ok", "test")), Want: allowed},
		{Name: "compat/rule with unknown fields: wrong password", Config: compatLooseConfig,
			Request: get("GET", "other.example.com", "/api/items", "authorization", Basic("ok", "nope")), Want: unauthorized("loose")},
		{Name: "compat/method entry that is not a method never matches", Config: compatLooseConfig,
			Request: get("POST", "any.example.com", "/api/items"), Want: allowed},
		{Name: "compat/rule whose methods all never match is not checked", Config: compatLooseConfig,
			Request: get("GET", "any.example.com", "/dead"), Want: allowed},
		{Name: "compat/number as suffix, near-miss of hosts ignored", Config: compatLooseConfig,
			Request: get("GET", "any.example.com", "/items/123"), Want: unauthorized("loose")},
		{Name: "compat/number as suffix: other paths", Config: compatLooseConfig,
			Request: get("GET", "x.example.com", "/items/124"), Want: allowed},

		// Hosts and paths are normalised before matching.
		{Name: "host/port and case", Config: compatConfig,
			Request: get("GET", "EXACT.example.com:8443", "/exact"), Want: unauthorized("test")},
		{Name: "host/trailing dot", Config: compatConfig,
			Request: get("GET", "exact.example.com.", "/exact"), Want: unauthorized("test")},
		{Name: "path/query does not hide an exact path", Config: compatConfig,
			Request: get("GET", "exact.example.com", "/exact?x=1"), Want: unauthorized("test")},
		{Name: "path/repeated slashes", Config: compatConfig,
			Request: get("GET", "any.example.com", "//api//items"), Want: unauthorized("test")},
		{Name: "path/encoded slash is refused", Config: compatConfig,
			Request: get("GET", "any.example.com", "/public%2F..%2Fapi"), Want: Want{Status: 400, GRPCStatus: -1}},

		// Credentials parsing.
		{Name: "credentials/lowercase scheme", Config: compatConfig,
			Request: get("GET", "any.example.com", "/api", "authorization", "basic "+Basic("ok", "test")[6:]), Want: allowed},
		{Name: "credentials/other scheme", Config: compatConfig,
			Request: get("GET", "any.example.com", "/api", "authorization", "Bearer abc"), Want: unauthorized("test")},
		{Name: "credentials/bad base64", Config: compatConfig,
			Request: get("GET", "any.example.com", "/api", "authorization", "Basic !!!"), Want: unauthorized("test")},

		// Shared users, hashes, authorization, metadata, exemptions, forwarding.
		{Name: "users/plaintext user allowed", Config: usersConfig,
			Request: get("GET", "demo.local", "/admin/x", "authorization", Basic("alice", "alice-password")),
			Want:    Want{GRPCStatus: -1, Upstream: map[string]string{"x-wasmauth-user": "alice", "authorization": ""}}},
		{Name: "users/bcrypt user not in allow list", Config: usersConfig,
			Request: get("GET", "demo.local", "/admin/x", "authorization", Basic("bob", "bob-password")), Want: forbidden},
		{Name: "users/bcrypt wrong password", Config: usersConfig,
			Request: get("GET", "demo.local", "/admin/x", "authorization", Basic("bob", "nope")), Want: unauthorized("demo")},
		{Name: "users/unknown user", Config: usersConfig,
			Request: get("GET", "demo.local", "/admin/x", "authorization", Basic("mallory", "alice-password")), Want: unauthorized("demo")},
		{Name: "users/sha user via wildcard allow with metadata", Config: usersConfig,
			Request: get("GET", "demo.local", "/app/1", "authorization", Basic("carol", "carol-password"), "x-tenant", "t1"),
			Want:    Want{GRPCStatus: -1, Upstream: map[string]string{"x-wasmauth-user": "carol"}}},
		{Name: "metadata/missing header is forbidden", Config: usersConfig,
			Request: get("GET", "demo.local", "/app/1", "authorization", Basic("carol", "carol-password")), Want: forbidden},
		{Name: "exempt/health check", Config: usersConfig,
			Request: get("GET", "demo.local", "/healthz"), Want: allowed},
		{Name: "forward/spoofed user header is removed", Config: usersConfig,
			Request: get("GET", "demo.local", "/public", "x-wasmauth-user", "admin"),
			Want:    Want{GRPCStatus: -1, Upstream: map[string]string{"x-wasmauth-user": ""}}},

		// gRPC.
		{Name: "grpc/unauthenticated", Config: usersConfig,
			Request: grpc("demo.local", "/helloworld.Greeter/SayHello"),
			Want:    Want{Status: 401, GRPCStatus: 16}},
		{Name: "grpc/permission denied", Config: usersConfig,
			Request: grpc("demo.local", "/helloworld.Greeter/SayHello", "authorization", Basic("carol", "carol-password")),
			Want:    Want{Status: 403, GRPCStatus: 7}},
		{Name: "grpc/ok with basic", Config: usersConfig,
			Request: grpc("demo.local", "/helloworld.Greeter/SayHello", "authorization", Basic("bob", "bob-password")),
			Want:    Want{GRPCStatus: -1, Upstream: map[string]string{"x-wasmauth-user": "bob"}}},
		{Name: "grpc/ok with per-RPC metadata credentials", Config: usersConfig,
			Request: grpc("demo.local", "/helloworld.Greeter/SayHello", "username", "alice", "password", "alice-password"),
			Want:    Want{GRPCStatus: -1, Upstream: map[string]string{"x-wasmauth-user": "alice", "password": "", "username": ""}}},
	}
}
