package main

import (
	"strconv"
	"strings"
	"testing"

	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm/proxytest"
	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm/types"

	"github.com/wasmauth/wasmauth/filter/behaviour"
)

const throttleConfig = `{
  "realm": "thr",
  "users": ["alice:Alice-Thr-Pw1", "bob:$2y$05$.trEkaTqhdo1BvVcCa3jQO.txCYjT8jJjLncei0QYicE/WLDKQkg6"],
  "basic_auth_rules": [{"name": "admin", "prefix": "/admin", "allow": ["*"]}],
  "throttle": {"max_failures": 3, "window_seconds": 60, "block_seconds": 120, "per": ["client", "user"], "buckets": 65536}
}`

// throttleReply sends one request from client and returns the local reply (nil if it continued).
func throttleReply(t *testing.T, host proxytest.HostEmulator, client string, headers ...string) *proxytest.LocalHttpResponse {
	t.Helper()
	if err := host.SetProperty([]string{"source", "address"}, []byte(client)); err != nil {
		t.Fatal(err)
	}
	h := [][2]string{{":method", "GET"}, {":authority", "thr.example.com"}, {":path", "/admin/x"}}
	for i := 0; i+1 < len(headers); i += 2 {
		h = append(h, [2]string{headers[i], headers[i+1]})
	}
	id := host.InitializeHttpContext()
	host.CallOnRequestHeaders(id, h, false)
	r := host.GetSentLocalResponse(id)
	host.CompleteHttpContext(id)
	return r
}

// TestThrottle: repeated failures from one client and for one user are answered with
// 429 (gRPC 8) through the filter, counted in proxy-wasm shared data, natively and in
// the compiled module.
func TestThrottle(t *testing.T) {
	vmTest(t, func(t *testing.T, vm types.VMContext) {
		host, status := newHost(t, vm, throttleConfig)
		if status != types.OnPluginStartStatusOK {
			t.Fatalf("plugin refused to start: %v", host.GetCriticalLogs())
		}
		status429 := func(name string, r *proxytest.LocalHttpResponse, grpc int32) {
			t.Helper()
			if r == nil || r.StatusCode != 429 || r.GRPCStatus != grpc {
				t.Fatalf("%s: reply %+v, want 429 grpc-status %d", name, r, grpc)
			}
			ra, _ := headerValue(r.Headers, "retry-after")
			if n, err := strconv.Atoi(ra); err != nil || n < 100 || n > 120 {
				t.Errorf("%s: retry-after %q, want about 120", name, ra)
			}
		}
		const attacker, other = "192.0.2.10:40000", "[2001:db8::77]:5555"
		for i := 0; i < 3; i++ {
			if r := throttleReply(t, host, attacker, "authorization", behaviour.Basic("alice", "guess-"+strconv.Itoa(i))); r == nil || r.StatusCode != 401 {
				t.Fatalf("failure %d: reply %+v, want 401", i, r)
			}
		}
		status429("right password after 3 failures", throttleReply(t, host, attacker, "authorization", behaviour.Basic("alice", "Alice-Thr-Pw1")), -1)
		status429("same client without credentials", throttleReply(t, host, attacker), -1)
		status429("same client other user", throttleReply(t, host, attacker, "authorization", behaviour.Basic("bob", "bob-password")), -1)
		status429("same user other client", throttleReply(t, host, other, "authorization", behaviour.Basic("alice", "Alice-Thr-Pw1")), -1)
		status429("gRPC", throttleReply(t, host, attacker, "content-type", "application/grpc"), 8)
		if r := throttleReply(t, host, other, "authorization", behaviour.Basic("bob", "bob-password")); r != nil {
			t.Fatalf("other client and user: reply %d, want allowed", r.StatusCode)
		}
		if got, _ := host.GetCounterMetric("wasmauth.denied_throttled"); got != 5 {
			t.Errorf("wasmauth.denied_throttled = %d, want 5", got)
		}
		if got, _ := host.GetCounterMetric("wasmauth.denied_unauthenticated"); got != 3 {
			t.Errorf("wasmauth.denied_unauthenticated = %d, want 3", got)
		}
		var throttled []string
		for _, l := range host.GetWarnLogs() {
			if strings.Contains(l, "429") {
				throttled = append(throttled, l)
			}
		}
		want := `wasmauth: denied 429 reason="too many failed authentications" rule=admin client="192.0.2.10" method="GET" host="thr.example.com" path="/admin/x"`
		if len(throttled) != 5 || throttled[0] != want {
			t.Errorf("throttled denials logged %d times, first %q\nwant 5, first %q", len(throttled), throttled, want)
		}
		for _, l := range host.GetWarnLogs() {
			for _, s := range []string{"Alice-Thr-Pw1", "bob-password", "guess-", behaviour.Basic("alice", "Alice-Thr-Pw1")[6:]} {
				if strings.Contains(l, s) {
					t.Errorf("log line contains a credential: %s", l)
				}
			}
		}
	})
}

// madeUpNamesConfig counts per user only, in a single bucket: before configured users
// had counters of their own, three failures for any names blocked every user.
const madeUpNamesConfig = `{
  "realm": "thr",
  "users": ["alice:Alice-Thr-Pw1", "bob:Bob-Thr-Pw2"],
  "basic_auth_rules": [{"name": "admin", "prefix": "/admin", "allow": ["*"]},
                       {"name": "carol", "prefix": "/carol", "credentials": ["carol:Carol-Thr-Pw3"]}],
  "throttle": {"max_failures": 3, "window_seconds": 60, "block_seconds": 120, "per": ["user"], "buckets": 1}
}`

// TestThrottleMadeUpNames: failures for user names nobody configured count against no
// user, so an attacker who knows no name cannot lock anyone out; a configured user's
// failures block that user alone (natively and in the compiled module).
func TestThrottleMadeUpNames(t *testing.T) {
	vmTest(t, func(t *testing.T, vm types.VMContext) {
		host, status := newHost(t, vm, madeUpNamesConfig)
		if status != types.OnPluginStartStatusOK {
			t.Fatalf("plugin refused to start: %v", host.GetCriticalLogs())
		}
		const attacker, user = "192.0.2.10:40000", "198.51.100.20:5000"
		// send returns the reply status, 0 when the request continued.
		send := func(client, path, name, password string) int {
			t.Helper()
			if err := host.SetProperty([]string{"source", "address"}, []byte(client)); err != nil {
				t.Fatal(err)
			}
			h := [][2]string{{":method", "GET"}, {":authority", "thr.example.com"}, {":path", path},
				{"authorization", behaviour.Basic(name, password)}}
			id := host.InitializeHttpContext()
			host.CallOnRequestHeaders(id, h, false)
			r := host.GetSentLocalResponse(id)
			host.CompleteHttpContext(id)
			if r == nil {
				return 0
			}
			return int(r.StatusCode)
		}
		logins := []struct{ path, name, password string }{
			{"/admin/x", "alice", "Alice-Thr-Pw1"},
			{"/admin/x", "bob", "Bob-Thr-Pw2"},
			{"/carol/x", "carol", "Carol-Thr-Pw3"}, // a rule's own credentials
		}
		for _, tt := range []struct {
			name    string
			path    string
			user    string
			times   int
			blocked string // the configured user blocked afterwards ("" for none)
		}{
			{"made-up names", "/admin/x", "made-up-", 60, ""},
			{"made-up names on the credentials rule", "/carol/x", "made-up-carol-", 10, ""},
			{"names differing from configured ones", "/admin/x", "Alice", 5, ""},
			{"wrong passwords for bob", "/admin/x", "bob", 3, "bob"},
		} {
			for i := 0; i < tt.times; i++ {
				name := tt.user
				if strings.HasSuffix(name, "-") {
					name += strconv.Itoa(i)
				}
				if s := send(attacker, tt.path, name, "guess-"+strconv.Itoa(i)); s != 401 {
					t.Fatalf("%s: failure %d answered %d, want 401", tt.name, i, s)
				}
			}
			for _, l := range logins {
				want := 0
				if l.name == tt.blocked {
					want = 429
				}
				for _, client := range []string{user, attacker} {
					if s := send(client, l.path, l.name, l.password); s != want {
						t.Errorf("after %s: %s from %s answered %d, want %d", tt.name, l.name, client, s, want)
					}
				}
			}
		}
		if got, _ := host.GetCounterMetric("wasmauth.denied_throttled"); got != 2 {
			t.Errorf("wasmauth.denied_throttled = %d, want 2", got)
		}
		var logs []string
		for _, get := range []func() []string{host.GetTraceLogs, host.GetDebugLogs, host.GetInfoLogs, host.GetWarnLogs, host.GetErrorLogs, host.GetCriticalLogs} {
			logs = append(logs, get()...)
		}
		for _, l := range logs {
			if strings.Contains(l, "made-up") || strings.Contains(l, "guess-") || strings.Contains(l, "Thr-Pw") {
				t.Errorf("log line names a failed user or a password: %s", l)
			}
		}
	})
}

func TestThrottleInvalidConfigRefusesToStart(t *testing.T) {
	vmTest(t, func(t *testing.T, vm types.VMContext) {
		host, status := newHost(t, vm, `{"throttle": {"per": ["ip"]}}`)
		if status != types.OnPluginStartStatusFailed {
			t.Fatalf("OnPluginStart = %v, want Failed", status)
		}
		if logs := strings.Join(host.GetCriticalLogs(), "\n"); !strings.Contains(logs, `throttle.per[0]: must be "client" or "user", got "ip"`) {
			t.Errorf("critical logs: %q", logs)
		}
	})
}
