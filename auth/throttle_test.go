package auth

import (
	"strconv"
	"strings"
	"testing"

	"github.com/wasmauth/wasmauth/auth/throttle"
	"github.com/wasmauth/wasmauth/config"
)

// fakeThrottle blocks the clients and the configured users it lists and records
// what it is asked.
type fakeThrottle struct {
	blockedClients map[string]int
	blockedUsers   map[string]int // applies only when the decider says the name is configured
	checked        []string       // Blocked calls, "client|user|known" or "client|user|unknown"
	failures       []string       // Failure calls, the same way
}

func record(client string, user []byte, configured bool) string {
	if configured {
		return client + "|" + string(user) + "|known"
	}
	return client + "|" + string(user) + "|unknown"
}

func (f *fakeThrottle) Blocked(client string, user []byte, configured bool) int {
	f.checked = append(f.checked, record(client, user, configured))
	if s := f.blockedClients[client]; s > 0 {
		return s
	}
	if !configured {
		return 0
	}
	return f.blockedUsers[string(user)]
}

func (f *fakeThrottle) Failure(client string, user []byte, configured bool) {
	f.failures = append(f.failures, record(client, user, configured))
}

func TestThrottle(t *testing.T) {
	pol := policy(t, `{"users": ["alice:a", "bob:$2y$05$.trEkaTqhdo1BvVcCa3jQO.txCYjT8jJjLncei0QYicE/WLDKQkg6"],
		"basic_auth_rules": [{"prefix": "/admin", "allow": ["alice", "bob"]}, {"prefix": "/bob", "allow": ["bob"]},
			{"prefix": "/carol", "credentials": ["carol:c"]}]}`)
	withClient := func(r *Request, c string) *Request { r.Client = c; return r }
	tests := []struct {
		name        string
		r           *Request
		status      int
		grpc        int32
		retry       int
		checked     string // what Blocked was asked, "" for not at all
		failure     string // recorded failure, "" for none
		slowChecked bool   // a bcrypt verification ran
	}{
		{"blocked client without credentials", withClient(req("GET", "h", "/admin"), "10.0.0.9"), 429, -1, 42, "10.0.0.9||unknown", "", false},
		{"blocked client with good credentials", withClient(req("GET", "h", "/admin", "authorization", basic("alice:a")), "10.0.0.9"), 429, -1, 42, "10.0.0.9|alice|known", "", false},
		{"blocked user before bcrypt", withClient(req("GET", "h", "/admin", "authorization", basic("bob:bob-password")), "10.0.0.1"), 429, -1, 7, "10.0.0.1|bob|known", "", false},
		{"blocked gRPC", withClient(req("POST", "h", "/admin", "content-type", "application/grpc", "authorization", basic("bob:x")), "10.0.0.1"), 429, 8, 7, "10.0.0.1|bob|known", "", false},
		{"wrong password counts for the user", withClient(req("GET", "h", "/admin", "authorization", basic("alice:b")), "10.0.0.1"), 401, -1, 0, "10.0.0.1|alice|known", "10.0.0.1|alice|known", true}, // dummy bcrypt: costs what an unknown user costs
		{"rule credential user counts for the user", withClient(req("GET", "h", "/carol", "authorization", basic("carol:x")), "10.0.0.1"), 401, -1, 0, "10.0.0.1|carol|known", "10.0.0.1|carol|known", true},
		{"another rule's user counts for the user", withClient(req("GET", "h", "/admin", "authorization", basic("carol:c")), "10.0.0.1"), 401, -1, 0, "10.0.0.1|carol|known", "10.0.0.1|carol|known", true},
		{"unknown user counts for the client only", withClient(req("GET", "h", "/admin", "authorization", basic("mallory:b")), "10.0.0.1"), 401, -1, 0, "10.0.0.1|mallory|unknown", "10.0.0.1|mallory|unknown", true}, // dummy bcrypt
		{"an unknown name is not blocked as a user", withClient(req("GET", "h", "/admin", "authorization", basic("eve:b")), "10.0.0.1"), 401, -1, 0, "10.0.0.1|eve|unknown", "10.0.0.1|eve|unknown", true},
		{"names compare exactly", withClient(req("GET", "h", "/admin", "authorization", basic("Bob:b")), "10.0.0.1"), 401, -1, 0, "10.0.0.1|Bob|unknown", "10.0.0.1|Bob|unknown", true},
		{"malformed counts for the client", withClient(req("GET", "h", "/admin", "authorization", "Basic !!"), "10.0.0.1"), 401, -1, 0, "10.0.0.1||unknown", "10.0.0.1||unknown", true}, // dummy bcrypt
		{"missing credentials do not count", withClient(req("GET", "h", "/admin"), "10.0.0.1"), 401, -1, 0, "10.0.0.1||unknown", "", false},
		{"not allowed does not count", withClient(req("GET", "h", "/bob", "authorization", basic("alice:a")), "10.0.0.1"), 403, -1, 0, "10.0.0.1|alice|known", "", false},
		{"success does not count", withClient(req("GET", "h", "/admin", "authorization", basic("alice:a")), "10.0.0.1"), 0, -1, 0, "10.0.0.1|alice|known", "", false},
		{"unprotected path is not checked", withClient(req("GET", "h", "/public"), "10.0.0.9"), 0, -1, 0, "", "", false},
	}
	for _, tt := range tests {
		d := NewDecider(pol)
		// eve would be blocked if she were a configured user.
		ft := &fakeThrottle{blockedClients: map[string]int{"10.0.0.9": 42}, blockedUsers: map[string]int{"bob": 7, "eve": 9}}
		d.SetThrottle(ft)
		v := d.Decide(tt.r)
		if v.Status != tt.status || v.GRPCStatus != tt.grpc || v.RetryAfter != tt.retry {
			t.Errorf("%s: status %d grpc %d retry %d (%s), want %d %d %d", tt.name, v.Status, v.GRPCStatus, v.RetryAfter, v.Reason, tt.status, tt.grpc, tt.retry)
		}
		if tt.status == 429 && (v.Outcome != DenyThrottled || v.Reason != ReasonThrottled || v.User != "" || v.Outcome.String() != "deny_throttled") {
			t.Errorf("%s: %v %q user %q", tt.name, v.Outcome, v.Reason, v.User)
		}
		if !oneOrNone(ft.checked, tt.checked) {
			t.Errorf("%s: throttle consulted %q, want %q", tt.name, ft.checked, tt.checked)
		}
		if !oneOrNone(ft.failures, tt.failure) {
			t.Errorf("%s: failures %q, want %q", tt.name, ft.failures, tt.failure)
		}
		if got := d.Stats().SlowVerifications > 0; got != tt.slowChecked {
			t.Errorf("%s: slow verification ran = %v, want %v", tt.name, got, tt.slowChecked)
		}
	}
}

// oneOrNone reports whether got is exactly [want], or empty when want is "".
func oneOrNone(got []string, want string) bool {
	if want == "" {
		return len(got) == 0
	}
	return len(got) == 1 && got[0] == want
}

// TestThrottleEnvUsersAreConfigured: users_from_env users count per user like users
// entries do.
func TestThrottleEnvUsersAreConfigured(t *testing.T) {
	pol, err := config.ParseWithEnv([]byte(`{"users_from_env": "U", "basic_auth_rules": [{"prefix": "/", "allow": ["*"]}]}`),
		func(k string) (string, bool) { return "dana:d", k == "U" })
	if err != nil {
		t.Fatal(err)
	}
	d := NewDecider(pol)
	ft := &fakeThrottle{}
	d.SetThrottle(ft)
	for _, name := range []string{"dana", "dan"} {
		ft.failures = nil
		d.Decide(req("GET", "h", "/", "authorization", basic(name+":wrong")))
		want := record("", []byte(name), name == "dana")
		if !oneOrNone(ft.failures, want) {
			t.Errorf("%s: failures %q, want %q", name, ft.failures, want)
		}
	}
}

func TestThrottleConsultedOncePerRequest(t *testing.T) {
	d := NewDecider(policy(t, `{"users": ["alice:a"], "basic_auth_rules": [{"prefix": "/", "allow": ["*"]}, {"prefix": "/a", "allow": ["alice"]}]}`))
	ft := &fakeThrottle{}
	d.SetThrottle(ft)
	if v := d.Decide(req("GET", "h", "/a", "authorization", basic("alice:a"))); v.Status != 0 {
		t.Fatalf("status %d", v.Status)
	}
	if len(ft.checked) != 1 {
		t.Errorf("throttle consulted %d times for two matching rules, want 1", len(ft.checked))
	}
}

// mapStore is a throttle.Store in a map, with proxy-wasm's CAS semantics.
type mapStore struct {
	data map[string][]byte
	cas  map[string]uint32
	next uint32
}

func (m *mapStore) Get(key string) ([]byte, uint32, error) {
	v, ok := m.data[key]
	if !ok {
		return nil, 0, throttle.ErrNotFound
	}
	return append([]byte(nil), v...), m.cas[key], nil
}

func (m *mapStore) Set(key string, value []byte, cas uint32) error {
	if _, ok := m.data[key]; ok && cas != 0 && cas != m.cas[key] {
		return throttle.ErrCASMismatch
	}
	m.next++
	m.data[key], m.cas[key] = append([]byte(nil), value...), m.next
	return nil
}

// TestThrottleMadeUpNamesCannotLockOutUsers: the decider with the real limiter. An
// attacker who knows no user name sends wrong passwords for many made-up names from
// many addresses; every configured user can still log in. Guessing a real user's
// password blocks that user, from every address, and nobody else.
func TestThrottleMadeUpNamesCannotLockOutUsers(t *testing.T) {
	for _, per := range []struct {
		name              string
		client, user      bool
		buckets           int
		attackerThrottled bool // the attacker's own addresses end up blocked
	}{
		// One bucket: before the fix, a single made-up name's failures blocked everyone.
		{"per user", false, true, 1, false},
		{"per client and user", true, true, 4096, true},
	} {
		t.Run(per.name, func(t *testing.T) {
			pol := policy(t, `{"users": ["alice:alice-pw", "bob:bob-pw"],
				"basic_auth_rules": [{"prefix": "/app", "allow": ["*"]}, {"prefix": "/c", "credentials": ["carol:carol-pw"]}]}`)
			// A fixed salt: the client addresses below land in distinct buckets on every run.
			st := &mapStore{data: map[string][]byte{throttle.SaltKey: []byte("wasmauth-testing")}, cas: map[string]uint32{throttle.SaltKey: 1}, next: 1}
			now := int64(1_000_000)
			cfg := config.Throttle{MaxFailures: 3, WindowSeconds: 60, BlockSeconds: 300, PerClient: per.client, PerUser: per.user, Buckets: per.buckets}
			lim, err := throttle.New(cfg, st, "p", func() int64 { return now })
			if err != nil {
				t.Fatal(err)
			}
			d := NewDecider(pol)
			d.SetThrottle(lim)
			do := func(client, path, userpass string) Verdict {
				r := req("GET", "h", path, "authorization", basic(userpass))
				r.Client = client
				return d.Decide(r)
			}
			for i := 0; i < 2000; i++ {
				do("198.51.100."+strconv.Itoa(i%200), "/app", "user"+strconv.Itoa(i)+":guess")
			}
			for _, u := range []struct{ path, userpass string }{{"/app", "alice:alice-pw"}, {"/app", "bob:bob-pw"}, {"/c", "carol:carol-pw"}} {
				if v := do("203.0.113.1", u.path, u.userpass); v.Outcome != Allow {
					t.Errorf("after 2000 made-up names: %s gets %v %s, want allowed", u.userpass, v.Outcome, v.Reason)
				}
			}
			if v := do("198.51.100.7", "/app", "alice:alice-pw"); (v.Outcome == DenyThrottled) != per.attackerThrottled {
				t.Errorf("alice from an attacking address: %v, want throttled = %v", v.Outcome, per.attackerThrottled)
			}
			for i := 0; i < 3; i++ {
				do("192.0.2."+strconv.Itoa(i), "/app", "alice:guess")
			}
			if v := do("203.0.113.2", "/app", "alice:alice-pw"); v.Outcome != DenyThrottled {
				t.Errorf("alice after 3 wrong passwords: %v, want throttled", v.Outcome)
			}
			for _, u := range []struct{ path, userpass string }{{"/app", "bob:bob-pw"}, {"/c", "carol:carol-pw"}} {
				if v := do("203.0.113.2", u.path, u.userpass); v.Outcome != Allow {
					t.Errorf("%s while alice is blocked: %v %s, want allowed", u.userpass, v.Outcome, v.Reason)
				}
			}
			// User keys: alice's counter and the decoy. Client buckets: at most one per
			// address that failed (200 attackers, alice's 3 guessing addresses).
			users, clients := 0, 0
			for k := range st.data {
				switch {
				case strings.HasPrefix(k, "wasmauth.throttle/p/u/"):
					users++
				case strings.HasPrefix(k, "wasmauth.throttle/p/c/"):
					clients++
				}
			}
			if users != 2 || !per.client && clients != 0 || clients > 203 {
				t.Errorf("%d user keys, %d client buckets in the store; want 2 and at most 203 (0 without per client)", users, clients)
			}
			if _, _, err := st.Get("wasmauth.throttle/p/u/unknown"); err != nil {
				t.Errorf("the decoy was not touched: %v", err)
			}
		})
	}
}
