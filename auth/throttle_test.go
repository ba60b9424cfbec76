package auth

import (
	"testing"
)

// fakeThrottle blocks the clients and users it lists and records failures.
type fakeThrottle struct {
	blockedClients map[string]int
	blockedUsers   map[string]int
	failures       []string // "client|user"
	checks         int
}

func (f *fakeThrottle) Blocked(client string, user []byte) int {
	f.checks++
	if s := f.blockedClients[client]; s > 0 {
		return s
	}
	return f.blockedUsers[string(user)]
}

func (f *fakeThrottle) Failure(client string, user []byte) {
	f.failures = append(f.failures, client+"|"+string(user))
}

func TestThrottle(t *testing.T) {
	pol := policy(t, `{"users": ["alice:a", "bob:$2y$05$.trEkaTqhdo1BvVcCa3jQO.txCYjT8jJjLncei0QYicE/WLDKQkg6"],
		"basic_auth_rules": [{"prefix": "/admin", "allow": ["alice", "bob"]}, {"prefix": "/bob", "allow": ["bob"]}]}`)
	withClient := func(r *Request, c string) *Request { r.Client = c; return r }
	tests := []struct {
		name        string
		r           *Request
		status      int
		grpc        int32
		retry       int
		failure     string // recorded failure, "" for none
		slowChecked bool   // a bcrypt verification ran
	}{
		{"blocked client without credentials", withClient(req("GET", "h", "/admin"), "10.0.0.9"), 429, -1, 42, "", false},
		{"blocked client with good credentials", withClient(req("GET", "h", "/admin", "authorization", basic("alice:a")), "10.0.0.9"), 429, -1, 42, "", false},
		{"blocked user before bcrypt", withClient(req("GET", "h", "/admin", "authorization", basic("bob:bob-password")), "10.0.0.1"), 429, -1, 7, "", false},
		{"blocked gRPC", withClient(req("POST", "h", "/admin", "content-type", "application/grpc", "authorization", basic("bob:x")), "10.0.0.1"), 429, 8, 7, "", false},
		{"wrong password counts", withClient(req("GET", "h", "/admin", "authorization", basic("alice:b")), "10.0.0.1"), 401, -1, 0, "10.0.0.1|alice", true},   // dummy bcrypt: costs what an unknown user costs
		{"unknown user counts", withClient(req("GET", "h", "/admin", "authorization", basic("mallory:b")), "10.0.0.1"), 401, -1, 0, "10.0.0.1|mallory", true}, // dummy bcrypt
		{"malformed counts for the client", withClient(req("GET", "h", "/admin", "authorization", "Basic !!"), "10.0.0.1"), 401, -1, 0, "10.0.0.1|", true},    // dummy bcrypt
		{"missing credentials do not count", withClient(req("GET", "h", "/admin"), "10.0.0.1"), 401, -1, 0, "", false},
		{"not allowed does not count", withClient(req("GET", "h", "/bob", "authorization", basic("alice:a")), "10.0.0.1"), 403, -1, 0, "", false},
		{"success does not count", withClient(req("GET", "h", "/admin", "authorization", basic("alice:a")), "10.0.0.1"), 0, -1, 0, "", false},
		{"unprotected path is not checked", withClient(req("GET", "h", "/public"), "10.0.0.9"), 0, -1, 0, "", false},
	}
	for _, tt := range tests {
		d := NewDecider(pol)
		ft := &fakeThrottle{blockedClients: map[string]int{"10.0.0.9": 42}, blockedUsers: map[string]int{"bob": 7}}
		d.SetThrottle(ft)
		v := d.Decide(tt.r)
		if v.Status != tt.status || v.GRPCStatus != tt.grpc || v.RetryAfter != tt.retry {
			t.Errorf("%s: status %d grpc %d retry %d (%s), want %d %d %d", tt.name, v.Status, v.GRPCStatus, v.RetryAfter, v.Reason, tt.status, tt.grpc, tt.retry)
		}
		if tt.status == 429 && (v.Outcome != DenyThrottled || v.Reason != ReasonThrottled || v.User != "" || v.Outcome.String() != "deny_throttled") {
			t.Errorf("%s: %v %q user %q", tt.name, v.Outcome, v.Reason, v.User)
		}
		want := 0
		if tt.failure != "" {
			want = 1
		}
		if len(ft.failures) != want || want == 1 && ft.failures[0] != tt.failure {
			t.Errorf("%s: failures %q, want %q", tt.name, ft.failures, tt.failure)
		}
		if got := d.Stats().SlowVerifications > 0; got != tt.slowChecked {
			t.Errorf("%s: slow verification ran = %v, want %v", tt.name, got, tt.slowChecked)
		}
		if tt.name == "unprotected path is not checked" && ft.checks != 0 {
			t.Errorf("%s: throttle consulted %d times", tt.name, ft.checks)
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
	if ft.checks != 1 {
		t.Errorf("throttle consulted %d times for two matching rules, want 1", ft.checks)
	}
}
