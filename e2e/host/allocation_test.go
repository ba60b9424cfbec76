package host_test

import (
	"context"
	"testing"

	"github.com/wasmauth/wasmauth/e2e/host"
	"github.com/wasmauth/wasmauth/filter/behaviour"
)

// TestAllocationsPerRequest counts the guest heap allocations of requests that the
// filter lets through, on the gctorture build (the one that exports the counter; no
// collection is forced here). They allocate nothing: the host copies the headers into a
// buffer the VM reuses, whatever their size, the VM decodes them into a list it also
// reuses (filter/hostmem_tinygo.go), and the stream context is one per plugin; a
// slow-hash user found in the verified cache neither (its cache key is a keyed BLAKE2b:
// crypto/hmac's SHA-256 states escape under TinyGo, four allocations per check). Any
// allocation (a string-keyed map lookup allocates under TinyGo) makes the collector run,
// and with a large policy each collection marks megabytes: that cost tens of
// microseconds per request before.
func TestAllocationsPerRequest(t *testing.T) {
	rt := newRuntime(t, "wasmauth-gctorture.wasm", host.RuntimeOptions{})
	const config = `{
	  "users": ["alice:alice-password", "bob:$2y$05$.trEkaTqhdo1BvVcCa3jQO.txCYjT8jJjLncei0QYicE/WLDKQkg6"],
	  "basic_auth_rules": [
	    {"name": "api", "hosts": ["api.example.com", "*.example.org"], "prefix": "/api", "allow": ["alice", "bob"]},
	    {"name": "own", "exact": "/own", "credentials": ["carol:carol-password"], "metadata": [{"name": "x-tenant", "exact": "t1"}]}
	  ],
	  "exemptions": [{"exact": "/healthz"}]
	}`
	p, err := rt.NewPlugin(context.Background(), host.PluginOptions{Config: []byte(config), VMs: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close(context.Background())
	request := func(authority, path string, extra ...string) host.Headers {
		return getRequest(authority, path, append([]string{"user-agent", "curl/8.5.0", "accept", "*/*"}, extra...)...)
	}
	for _, c := range []struct {
		name string
		req  host.Headers
	}{
		{"plaintext user, exact host", request("api.example.com", "/api/items?page=2", "authorization", behaviour.Basic("alice", "alice-password"))},
		{"bcrypt user (cached), wildcard host", request("www.example.org", "/api/x", "authorization", behaviour.Basic("bob", "bob-password"))},
		{"rule credentials and metadata", request("any.example.net", "/own", "authorization", behaviour.Basic("carol", "carol-password"), "x-tenant", "t1")},
		{"plaintext user, 16 KB cookie", request("api.example.com", "/api/items", "authorization", behaviour.Basic("alice", "alice-password"), "cookie", bigValue(16<<10, 1))},
		{"exempt path", request("api.example.com", "/healthz")},
		{"no rule matches", request("api.example.com", "/static/app.js")},
	} {
		t.Run(c.name, func(t *testing.T) {
			per := allocationsPerRequest(t, p, 500, func(res host.Result) {
				if res.Local != nil || res.Action != host.ActionContinue {
					t.Fatalf("local reply %+v, action %v; want the request to continue", res.Local, res.Action)
				}
			}, c.req)
			if per != 0 {
				t.Errorf("%.2f allocations per request, want 0", per)
			}
		})
	}
}

// TestDenialAllocations: denials allocate nothing either, so that a flood of them
// (an attack) does not set off collections: the log line and the reply body are built
// in buffers the plugin reuses, and the reply headers were encoded when the
// configuration was loaded.
func TestDenialAllocations(t *testing.T) {
	rt := newRuntime(t, "wasmauth-gctorture.wasm", host.RuntimeOptions{})
	const config = `{
	  "users": ["alice:alice-password"],
	  "basic_auth_rules": [
	    {"name": "api", "prefix": "/api", "allow": ["alice"]},
	    {"name": "own", "exact": "/own", "credentials": ["alice:alice-password"], "metadata": [{"name": "x-tenant", "exact": "t1"}]}
	  ]
	}`
	p, err := rt.NewPlugin(context.Background(), host.PluginOptions{Config: []byte(config), VMs: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close(context.Background())
	const authority = "api.example.com"
	for _, c := range []struct {
		name   string
		req    host.Headers
		status int
	}{
		{"missing credentials", getRequest(authority, "/api/items"), 401},
		{"wrong password", getRequest(authority, "/api/items", "authorization", behaviour.Basic("alice", "wrong")), 401},
		{"gRPC, missing credentials", getRequest(authority, "/api/Svc/Call", "content-type", "application/grpc"), 401},
		{"metadata check fails", getRequest(authority, "/own", "authorization", behaviour.Basic("alice", "alice-password"), "x-tenant", "t2"), 403},
		{"bad request", getRequest(authority, "/api/%2e%2e/admin"), 400},
	} {
		t.Run(c.name, func(t *testing.T) {
			per := allocationsPerRequest(t, p, 200, func(res host.Result) {
				if res.Status() != c.status {
					t.Fatalf("status %d, want %d", res.Status(), c.status)
				}
			}, c.req)
			if per != 0 {
				t.Errorf("%.2f allocations per request, want 0", per)
			}
		})
	}
}

// allocationsPerRequest sends req through p's only VM (a gctorture build's, which
// counts its allocations) 20 times to warm up (the slow-hash cache, the Decider's
// buffers), then n times, checking every result, and returns the module's heap
// allocations per request over the n.
func allocationsPerRequest(t *testing.T, p *host.Plugin, n int, check func(host.Result), req host.Headers) float64 {
	t.Helper()
	vm := p.VMs()[0]
	send := func() {
		t.Helper()
		res, err := p.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		check(res)
	}
	for i := 0; i < 20; i++ {
		send()
	}
	before, err := vm.Mallocs()
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < n; i++ {
		send()
	}
	after, err := vm.Mallocs()
	if err != nil {
		t.Fatal(err)
	}
	return float64(after-before) / float64(n)
}

// getRequest is a GET over https to authority and path, with extra headers given as
// name, value pairs.
func getRequest(authority, path string, extra ...string) host.Headers {
	h := host.Headers{{":method", "GET"}, {":scheme", "https"}, {":authority", authority}, {":path", path}}
	for i := 0; i+1 < len(extra); i += 2 {
		h = append(h, [2]string{extra[i], extra[i+1]})
	}
	return h
}
