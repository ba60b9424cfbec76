// Package bench measures the compiled filter against a no-op proxy-wasm filter built
// with the same toolchain and flags, run in the same host in the same process: cost per
// request, scaling with the size of the configuration, configuration load time, linear
// memory over a long mixed load, module size, and throughput through the local gateway.
// Every number is reported next to the no-op baseline measured in the same run; nothing
// here asserts a wall-clock time.
package bench

import (
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"

	"github.com/wasmauth/wasmauth/e2e/host"
)

// Basic returns an Authorization header value for user and password.
func Basic(user, password string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+password))
}

// BcryptBob is bob's entry: a bcrypt hash (cost 5) of "bob-password".
const BcryptBob = "bob:$2y$05$.trEkaTqhdo1BvVcCa3jQO.txCYjT8jJjLncei0QYicE/WLDKQkg6"

// Config is the plugin configuration of the per-request scenarios: a plaintext user,
// a bcrypt user, a user allowed nowhere, path rules with allow lists, a gRPC rule and
// an exemption.
const Config = `{
  "realm": "bench",
  "users": ["alice:alice-password", "` + BcryptBob + `", "carol:carol-password"],
  "basic_auth_rules": [
    {"name": "api", "prefix": "/api", "allow": ["alice", "bob"]},
    {"name": "admin", "prefix": "/admin", "allow": ["alice", "bob"]},
    {"name": "greeter", "prefix": "/helloworld.Greeter/", "allow": ["alice", "bob"]}
  ],
  "exemptions": [{"exact": "/healthz", "request_methods": ["GET"]}]
}`

// Outcome is what a request must produce: Status 0 means it continues upstream.
type Outcome struct {
	Status     int
	GRPCStatus int32 // -1: none
}

// Check compares a host result with the outcome.
func (o Outcome) Check(res host.Result) error {
	if res.Local == nil {
		if o.Status != 0 {
			return fmt.Errorf("request continued (action %v), want local reply %d", res.Action, o.Status)
		}
		if res.Action != host.ActionContinue {
			return fmt.Errorf("action %v, want Continue", res.Action)
		}
		return nil
	}
	if res.Local.StatusCode != o.Status || res.Local.GRPCStatus != o.GRPCStatus {
		return fmt.Errorf("local reply %d (grpc %d), want %d (grpc %d)", res.Local.StatusCode, res.Local.GRPCStatus, o.Status, o.GRPCStatus)
	}
	return nil
}

var (
	allowed      = Outcome{0, -1}
	unauthorized = Outcome{401, -1}
	forbidden    = Outcome{403, -1}
)

// Scenario is one kind of request against Config.
type Scenario struct {
	Name    string
	Request host.Headers
	Want    Outcome
	// Slow is set when every request runs a slow hash (Config holds a cost-5 bcrypt
	// user, so a failed check runs a dummy bcrypt): such a scenario is timed with
	// SlowBatchDivisor times fewer requests and left out of the mixed memory load.
	Slow bool
	// Throttled is set when the scenario runs with ThrottledConfig instead of Config.
	Throttled bool
}

// Options returns the plugin options the scenario runs with: one VM with Config, or
// with ThrottledConfig and a host that reports a client address (Envoy's
// source.address), so that both kinds of throttle bucket are consulted.
func (s Scenario) Options() host.PluginOptions {
	if s.Throttled {
		return host.PluginOptions{Config: []byte(ThrottledConfig), VMs: 1, Properties: map[string]string{"source.address": "203.0.113.7:51234"}}
	}
	return host.PluginOptions{Config: []byte(Config), VMs: 1}
}

// SlowBatchDivisor divides the timing batch of Slow scenarios.
const SlowBatchDivisor = 100

// Cookie4K is a 4 KB cookie header value (session and tracking cookies of a browser
// behind a gateway often reach that size): what the host copies into the VM grows with it.
var Cookie4K = func() string {
	var b strings.Builder
	for i := 0; b.Len() < 4096-40; i++ {
		if i > 0 {
			b.WriteString("; ")
		}
		b.WriteString("c" + strconv.Itoa(i) + "=" + strings.Repeat(string(rune('a'+i%26)), 24))
	}
	return b.String()
}()

// request builds headers like a browser or curl sends them through Envoy.
func request(method, path string, extra ...string) host.Headers {
	h := host.Headers{{":method", method}, {":authority", "api.example.com"}, {":path", path}, {":scheme", "https"},
		{"user-agent", "curl/8.5.0"}, {"accept", "*/*"}, {"x-request-id", "9b2f1c3e-5a7d-4f0e-8c61-2d4b7a9e0f13"}}
	for i := 0; i+1 < len(extra); i += 2 {
		h = append(h, [2]string{extra[i], extra[i+1]})
	}
	return h
}

// Scenarios returns the per-request scenarios, each against Config.
func Scenarios() []Scenario {
	return []Scenario{
		{Name: "allow plaintext", Request: request("GET", "/api/items?page=2", "authorization", Basic("alice", "alice-password")), Want: allowed},
		{Name: "allow bcrypt (cached)", Request: request("GET", "/api/items?page=2", "authorization", Basic("bob", "bob-password")), Want: allowed},
		{Name: "allow plaintext, 4 KB cookie", Request: request("GET", "/api/items?page=2", "cookie", Cookie4K, "authorization", Basic("alice", "alice-password")), Want: allowed},
		{Name: "deny missing", Request: request("GET", "/api/items?page=2"), Want: unauthorized},
		{Name: "deny wrong password", Request: request("GET", "/api/items?page=2", "authorization", Basic("alice", "not-her-password")), Want: unauthorized, Slow: true},
		{Name: "deny forbidden", Request: request("GET", "/admin/users", "authorization", Basic("carol", "carol-password")), Want: forbidden},
		{Name: "gRPC deny", Request: request("POST", "/helloworld.Greeter/SayHello", "content-type", "application/grpc", "te", "trailers"), Want: Outcome{401, 16}},
		{Name: "exempt path", Request: request("GET", "/healthz"), Want: allowed},
		{Name: "no rule matches", Request: request("GET", "/static/app.js"), Want: allowed},
	}
}

// ThrottledConfig is Config with brute-force throttling on, per client and per user.
var ThrottledConfig = strings.Replace(Config, `"realm": "bench",`,
	`"realm": "bench", "throttle": {"max_failures": 10, "window_seconds": 60, "block_seconds": 300, "per": ["client", "user"]},`, 1)

// Throttled is an allowed request under ThrottledConfig: before the password is
// checked the filter reads the client address, the client's bucket and the (configured)
// user's own counter from shared data.
func Throttled() Scenario {
	return Scenario{Name: "allow plaintext, throttling on", Request: request("GET", "/api/items?page=2", "authorization", Basic("alice", "alice-password")), Want: allowed, Throttled: true}
}

// Scale kinds: n rules, n hosts on one rule, or n users.
const (
	ScaleRules = "rules"
	ScaleHosts = "hosts"
	ScaleUsers = "users"
)

// ScaleKinds and ScaleSizes are the scaling matrix.
var (
	ScaleKinds = []string{ScaleRules, ScaleHosts, ScaleUsers}
	ScaleSizes = []int{1, 100, 10000}
)

// ScaledConfig returns a configuration with n rules (a mix of exact-host prefix rules,
// wildcard-host exact rules and suffix rules), one rule with n hosts (exact and
// wildcard), or n users allowed by one rule.
func ScaledConfig(kind string, n int) string {
	var b strings.Builder
	sep := func(i int) {
		if i > 0 {
			b.WriteByte(',')
		}
	}
	switch kind {
	case ScaleRules:
		b.WriteString(`{"basic_auth_rules":[`)
		for i := 0; i < n; i++ {
			sep(i)
			s := strconv.Itoa(i)
			switch i % 3 {
			case 0:
				b.WriteString(`{"hosts":["h` + s + `.example.com"],"prefix":"/api/` + s + `","request_methods":["GET"],"credentials":["u:p"]}`)
			case 1:
				b.WriteString(`{"hosts":["*.d` + s + `.example.com"],"exact":"/e/` + s + `","credentials":["u:p"]}`)
			default:
				b.WriteString(`{"suffix":".ext` + s + `","credentials":["u:p"]}`)
			}
		}
		b.WriteString(`]}`)
	case ScaleHosts:
		b.WriteString(`{"basic_auth_rules":[{"prefix":"/","credentials":["u:p"],"hosts":[`)
		for i := 0; i < n; i++ {
			sep(i)
			if i%2 == 0 {
				b.WriteString(`"h` + strconv.Itoa(i) + `.example.com"`)
			} else {
				b.WriteString(`"*.w` + strconv.Itoa(i) + `.example.com"`)
			}
		}
		b.WriteString(`]}]}`)
	case ScaleUsers:
		b.WriteString(`{"users":[`)
		for i := 0; i < n; i++ {
			sep(i)
			b.WriteString(`"u` + strconv.Itoa(i) + `:p` + strconv.Itoa(i) + `"`)
		}
		b.WriteString(`],"basic_auth_rules":[{"prefix":"/","allow":["*"]}]}`)
	default:
		panic("bench: unknown scale kind " + kind)
	}
	return b.String()
}

// ScaledRequest returns an allowed request that hits a rule, host or user in the middle
// of ScaledConfig(kind, n).
func ScaledRequest(kind string, n int) host.Headers {
	m := n / 2 / 3 * 3 // a multiple of 3: an exact-host prefix rule
	h := request("GET", "/x")
	switch kind {
	case ScaleRules:
		h.Set(":authority", "h"+strconv.Itoa(m)+".example.com")
		h.Set(":path", "/api/"+strconv.Itoa(m)+"/x")
		h.Add("authorization", Basic("u", "p"))
	case ScaleHosts:
		h.Set(":authority", "h"+strconv.Itoa(m/2*2)+".example.com:443")
		h.Add("authorization", Basic("u", "p"))
	default:
		u := strconv.Itoa(n / 2)
		h.Add("authorization", Basic("u"+u, "p"+u))
	}
	return h
}
