package host_test

import (
	"context"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/wasmauth/wasmauth/e2e/host"
	"github.com/wasmauth/wasmauth/filter/behaviour"
)

func throttlePlugin(t *testing.T, rt *host.Runtime, config, client string, vms int) *host.Plugin {
	t.Helper()
	p, err := rt.NewPlugin(context.Background(), host.PluginOptions{
		Config: []byte(config), VMs: vms, Properties: map[string]string{"source.address": client},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close(context.Background()) })
	return p
}

// throttleStatus sends GET /admin with the given authorization ("" for none) and
// returns the local reply status (0 when the request continued) and its retry-after.
func throttleStatus(t *testing.T, p *host.Plugin, authorization string) (int, string) {
	t.Helper()
	return throttleStatusAt(t, p, "/admin", authorization)
}

// throttleStatusAt is throttleStatus for another path.
func throttleStatusAt(t *testing.T, p *host.Plugin, path, authorization string) (int, string) {
	t.Helper()
	h := host.Headers{{":method", "GET"}, {":authority", "thr.example.com"}, {":path", path}}
	if authorization != "" {
		h = append(h, [2]string{"authorization", authorization})
	}
	res, err := p.Do(h)
	if err != nil {
		t.Fatal(err)
	}
	if res.Local == nil {
		return 0, ""
	}
	ra, _ := res.Local.Headers.Get("retry-after")
	return res.Local.StatusCode, ra
}

const e2eThrottleConfig = `{
  "users": ["alice:Alice-E2E-Pw", "bob:Bob-E2E-Pw"],
  "basic_auth_rules": [{"prefix": "/admin", "allow": ["*"]}],
  "throttle": {"max_failures": 4, "window_seconds": 60, "block_seconds": 1, "buckets": 65536}
}`

// TestThrottleAcrossVMs: failures are counted in the host's shared data, so failures
// spread over several VMs (and several plugins of the same vm_id) add up; the block
// ends after block_seconds.
func TestThrottleAcrossVMs(t *testing.T) {
	rt := newRuntime(t, "wasmauth.wasm", host.RuntimeOptions{})
	attacker := throttlePlugin(t, rt, e2eThrottleConfig, "198.51.100.7:41000", 3)
	elsewhere := throttlePlugin(t, rt, e2eThrottleConfig, "203.0.113.9:5000", 2)
	good := behaviour.Basic("alice", "Alice-E2E-Pw")

	// Four failures round-robin over three VMs: no single VM saw more than two.
	for i := 0; i < 4; i++ {
		if s, _ := throttleStatus(t, attacker, behaviour.Basic("alice", "wrong")); s != 401 {
			t.Fatalf("failure %d: status %d, want 401", i, s)
		}
	}
	for i := 0; i < 3; i++ { // every VM refuses now
		if s, ra := throttleStatus(t, attacker, good); s != 429 || ra != "1" {
			t.Fatalf("attempt %d after 4 failures: status %d retry-after %q, want 429 \"1\"", i, s, ra)
		}
	}
	// The user is blocked from another client too (another plugin, same shared data).
	if s, _ := throttleStatus(t, elsewhere, good); s != 429 {
		t.Fatalf("blocked user from another client: status %d, want 429", s)
	}
	if s, _ := throttleStatus(t, elsewhere, behaviour.Basic("bob", "Bob-E2E-Pw")); s != 0 {
		t.Fatalf("other user from another client: status %d, want allowed", s)
	}
	if m, ok := rt.Metric("wasmauth.denied_throttled"); !ok || m.Value != 4 {
		t.Errorf("wasmauth.denied_throttled = %+v, want 4", m)
	}
	for _, vm := range attacker.VMs() {
		if err := vm.Failed(); err != nil {
			t.Fatalf("VM %d trapped: %v", vm.Index(), err)
		}
	}
	if v, _, ok := rt.SharedData("wasmauth.throttle/salt"); !ok || len(v) != 16 {
		t.Errorf("salt in shared data: %q %v", v, ok)
	}
	if got := throttleKeys(rt); got != "c/<bucket> u/<user>" {
		t.Errorf("counters in shared data: %s, want one client bucket and alice's", got)
	}
	time.Sleep(1100 * time.Millisecond)
	if s, _ := throttleStatus(t, attacker, good); s != 0 {
		t.Fatalf("after block_seconds: status %d, want allowed", s)
	}
}

// throttleKeys describes the plugin's throttle keys in shared data, sorted: "c/<bucket>"
// for a client bucket (65536 buckets make a salt collision between the test's clients
// very unlikely), "u/<user>" for a user's own counter, "u/unknown" for the decoy.
func throttleKeys(rt *host.Runtime) string {
	var out []string
	for _, k := range rt.SharedDataKeys() {
		rest, ok := strings.CutPrefix(k, "wasmauth.throttle/wasmauth/")
		switch {
		case k == "wasmauth.throttle/salt":
			continue
		case !ok:
			out = append(out, k)
		case rest == "u/unknown":
			out = append(out, rest)
		case strings.HasPrefix(rest, "u/") && len(rest) == 2+32 && strings.Trim(rest[2:], "0123456789abcdef") == "":
			out = append(out, "u/<user>")
		case strings.HasPrefix(rest, "c/") && strings.Trim(rest[2:], "0123456789") == "" && len(rest) > 2:
			out = append(out, "c/<bucket>")
		default:
			out = append(out, rest)
		}
	}
	sort.Strings(out)
	return strings.Join(out, " ")
}

const e2eMadeUpNamesConfig = `{
  "users": ["alice:Alice-E2E-Pw", "bob:Bob-E2E-Pw"],
  "basic_auth_rules": [{"prefix": "/admin", "allow": ["*"]}, {"prefix": "/carol", "credentials": ["carol:Carol-E2E-Pw"]}],
  "throttle": {"max_failures": 3, "window_seconds": 60, "block_seconds": 120, "per": ["user"], "buckets": 1}
}`

// TestThrottleMadeUpNamesAcrossVMs: the security review's attack on the compiled
// module. With per: ["user"] (no per-client limit) and a single bucket, failures for
// hundreds of made-up names spread over several VMs lock out nobody: only configured
// users have counters, each its own. Guessing bob's password blocks bob alone, on
// every VM. Shared data holds the salt, the decoy and bob's counter, and no name.
func TestThrottleMadeUpNamesAcrossVMs(t *testing.T) {
	rt := newRuntime(t, "wasmauth.wasm", host.RuntimeOptions{})
	var logged []string
	attacker, err := rt.NewPlugin(context.Background(), host.PluginOptions{
		Config: []byte(e2eMadeUpNamesConfig), VMs: 3, Properties: map[string]string{"source.address": "198.51.100.7:41000"},
		Logger: func(e host.LogEntry) { logged = append(logged, e.Message) },
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { attacker.Close(context.Background()) })
	users := throttlePlugin(t, rt, e2eMadeUpNamesConfig, "203.0.113.9:5000", 2)
	logins := []struct{ path, authorization string }{
		{"/admin", behaviour.Basic("alice", "Alice-E2E-Pw")},
		{"/admin", behaviour.Basic("bob", "Bob-E2E-Pw")},
		{"/carol", behaviour.Basic("carol", "Carol-E2E-Pw")}, // a rule's own credentials
	}
	for _, tt := range []struct {
		name     string
		path     string
		user     string // a trailing "-" gets the attempt's number
		times    int
		blocked  int    // index in logins of the user blocked afterwards, -1 for none
		counters string // throttleKeys afterwards
	}{
		{"made-up names", "/admin", "made-up-", 300, -1, "u/unknown"},
		{"made-up names on the credentials rule", "/carol", "made-up-", 30, -1, "u/unknown"},
		{"wrong passwords for bob", "/admin", "bob", 3, 1, "u/<user> u/unknown"},
	} {
		for i := 0; i < tt.times; i++ {
			name := tt.user
			if strings.HasSuffix(name, "-") {
				name += itoa(i)
			}
			if s, _ := throttleStatusAt(t, attacker, tt.path, behaviour.Basic(name, "guess-"+itoa(i))); s != 401 {
				t.Fatalf("%s: failure %d answered %d, want 401", tt.name, i, s)
			}
		}
		for i, l := range logins {
			want := 0
			if i == tt.blocked {
				want = 429
			}
			for _, p := range []*host.Plugin{users, users, attacker, attacker, attacker} { // every VM
				if s, _ := throttleStatusAt(t, p, l.path, l.authorization); s != want {
					t.Errorf("after %s: login %d answered %d, want %d", tt.name, i, s, want)
				}
			}
		}
		if got := throttleKeys(rt); got != tt.counters {
			t.Errorf("after %s: counters in shared data: %s, want %s", tt.name, got, tt.counters)
		}
	}
	if m, ok := rt.Metric("wasmauth.denied_throttled"); !ok || m.Value != 5 {
		t.Errorf("wasmauth.denied_throttled = %+v, want 5", m)
	}
	for _, p := range []*host.Plugin{attacker, users} {
		for _, vm := range p.VMs() {
			if err := vm.Failed(); err != nil {
				t.Fatalf("VM %d trapped: %v", vm.Index(), err)
			}
		}
	}
	for _, k := range rt.SharedDataKeys() {
		if strings.Contains(k, "bob") || strings.Contains(k, "made-up") {
			t.Errorf("shared-data key %q names a user", k)
		}
	}
	for _, l := range logged {
		if strings.Contains(l, "made-up") || strings.Contains(l, "guess-") || strings.Contains(l, "E2E-Pw") {
			t.Errorf("log line names a failed user or a password: %s", l)
		}
	}
}

func itoa(i int) string {
	s := ""
	for {
		s = string(rune('0'+i%10)) + s
		i /= 10
		if i == 0 {
			return s
		}
	}
}
