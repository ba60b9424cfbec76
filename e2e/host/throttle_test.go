package host_test

import (
	"context"
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

// status sends GET /admin with the given authorization ("" for none) and returns the
// local reply status (0 when the request continued) and the VM that handled it.
func throttleStatus(t *testing.T, p *host.Plugin, authorization string) (int, string) {
	t.Helper()
	h := host.Headers{{":method", "GET"}, {":authority", "thr.example.com"}, {":path", "/admin"}}
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
	keys := 0
	for _, vm := range attacker.VMs() {
		if err := vm.Failed(); err != nil {
			t.Fatalf("VM %d trapped: %v", vm.Index(), err)
		}
	}
	if v, _, ok := rt.SharedData("wasmauth.throttle/salt"); !ok || len(v) != 16 {
		t.Errorf("salt in shared data: %q %v", v, ok)
	}
	for _, k := range []string{"c/", "u/"} {
		for i := 0; i < 65536; i++ { // every bucket: 65536 makes a salt collision between the two users or clients very unlikely
			if _, _, ok := rt.SharedData("wasmauth.throttle/wasmauth/" + k + itoa(i)); ok {
				keys++
			}
		}
	}
	if keys != 2 {
		t.Errorf("%d bucket keys in shared data, want 2 (one client, one user)", keys)
	}
	time.Sleep(1100 * time.Millisecond)
	if s, _ := throttleStatus(t, attacker, good); s != 0 {
		t.Fatalf("after block_seconds: status %d, want allowed", s)
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
