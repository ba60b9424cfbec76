package host_test

import (
	"context"
	"testing"

	"github.com/wasmauth/wasmauth/e2e/host"
	"github.com/wasmauth/wasmauth/filter/behaviour"
)

// TestHeaderBufferReuse sends requests whose header blocks grow and shrink through one
// VM. The host copies request headers into a buffer the filter reuses (up to 64 KiB;
// larger blocks get fresh memory): a request must never see what a larger one left
// in that buffer (credentials, a metadata header), and a block too large for it must
// not disturb the requests after it. It runs on the shipped build and on the
// gctorture build with a collection forced before every allocation the host makes,
// so the buffer must stay reachable between requests.
func TestHeaderBufferReuse(t *testing.T) {
	const config = `{
	  "users": ["alice:alice-password"],
	  "basic_auth_rules": [
	    {"prefix": "/api", "allow": ["alice"]},
	    {"prefix": "/m", "metadata": [{"name": "x-tenant", "exact": "t1"}]}
	  ]
	}`
	alice := behaviour.Basic("alice", "alice-password")
	request := func(path string, extra ...string) host.Headers { return getRequest("api.example.com", path, extra...) }
	steps := []struct {
		name string
		req  host.Headers
		want int // 0: continues upstream
	}{
		{"20 KB, authorized", request("/api/a", "cookie", bigValue(20<<10, 1), "authorization", alice), 0},
		{"small, no credentials", request("/api/a"), 401},
		{"8 KB, metadata present", request("/m", "cookie", bigValue(8<<10, 2), "x-tenant", "t1"), 0},
		{"small, metadata absent", request("/m"), 403},
		{"70 KB (fresh memory), authorized", request("/api/a", "cookie", bigValue(70<<10, 3), "authorization", alice), 0},
		{"small again, no credentials", request("/api/a"), 401},
		{"small, authorized", request("/api/a", "authorization", alice), 0},
		{"small, wrong password", request("/api/a", "authorization", behaviour.Basic("alice", "not-it")), 401},
		{"2 KB, metadata wrong", request("/m", "cookie", bigValue(2<<10, 4), "x-tenant", "t2"), 403},
	}
	for _, m := range []struct {
		module string
		opts   host.RuntimeOptions
	}{
		{"wasmauth.wasm", host.RuntimeOptions{}},
		{"wasmauth-gctorture.wasm", host.RuntimeOptions{GCTorture: true}},
	} {
		t.Run(m.module, func(t *testing.T) {
			rt := newRuntime(t, m.module, m.opts)
			if got := rt.Allocator(); got != host.AllocMalloc {
				t.Fatalf("allocator %s, want the filter's malloc", got)
			}
			p, err := rt.NewPlugin(context.Background(), host.PluginOptions{Config: []byte(config), VMs: 1})
			if err != nil {
				t.Fatal(err)
			}
			defer p.Close(context.Background())
			for round := 0; round < 3; round++ {
				for _, s := range steps {
					res, err := p.Do(s.req)
					if err != nil {
						t.Fatalf("round %d, %s: %v", round, s.name, err)
					}
					got := res.Status()
					if got != s.want {
						t.Errorf("round %d, %s: status %d, want %d", round, s.name, got, s.want)
					}
				}
			}
		})
	}
}

// TestHeaderCredentialsDoNotLinger checks that an Authorization header is gone from the
// VM's memory once its request is over: the filter zeroes what the host copied into
// the reused header buffer, and keeps only a wiped decoded copy itself.
func TestHeaderCredentialsDoNotLinger(t *testing.T) {
	const config = `{
	  "users": ["bob:$2y$05$.trEkaTqhdo1BvVcCa3jQO.txCYjT8jJjLncei0QYicE/WLDKQkg6"],
	  "basic_auth_rules": [{"prefix": "/", "allow": ["bob"]}]
	}`
	rt := newRuntime(t, "wasmauth.wasm", host.RuntimeOptions{})
	p, err := rt.NewPlugin(context.Background(), host.PluginOptions{Config: []byte(config), VMs: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close(context.Background())
	vm := p.VMs()[0]
	for _, c := range []struct {
		name, password, cookie string
		want                   int
	}{
		{"allowed", "bob-password", "", 0},
		{"allowed again (cached)", "bob-password", "", 0},
		{"allowed, 4 KB cookie", "bob-password", bigValue(4<<10, 5), 0},
		{"allowed, 70 KB cookie (not the reused buffer)", "bob-password", bigValue(70<<10, 6), 0},
		{"wrong password", "not-bobs-password", "", 401},
	} {
		value := behaviour.Basic("bob", c.password)
		req := host.Headers{{":method", "GET"}, {":scheme", "https"}, {":authority", "api.example.com"}, {":path", "/x"}, {"authorization", value}}
		if c.cookie != "" {
			req = append(req, [2]string{"cookie", c.cookie})
		}
		res, err := p.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		got := res.Status()
		if got != c.want {
			t.Fatalf("%s: status %d, want %d", c.name, got, c.want)
		}
		if vm.MemoryContains([]byte(value)) {
			t.Errorf("%s: the authorization header %q is still in the VM's memory after the request", c.name, value)
		}
	}
}
