package auth

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/wasmauth/wasmauth/config"
)

// scaledPolicy builds a policy with n rules, n hosts on one rule, or n users.
func scaledPolicy(kind string, n int) string {
	var b strings.Builder
	switch kind {
	case "rules":
		b.WriteString(`{"basic_auth_rules":[`)
		for i := 0; i < n; i++ {
			if i > 0 {
				b.WriteByte(',')
			}
			s := strconv.Itoa(i)
			switch i % 3 {
			case 0:
				b.WriteString(`{"hosts":["h` + s + `.example.com"],"prefix":"/api/` + s + `","request_methods":["GET"],"credentials":["u:p"]}`)
			case 1:
				b.WriteString(`{"hosts":["*.d` + s + `.example.com"],"exact":"/e/` + s + `","credentials":["u:p"]}`)
			case 2:
				b.WriteString(`{"suffix":".ext` + s + `","credentials":["u:p"]}`)
			}
		}
		b.WriteString(`]}`)
	case "hosts":
		b.WriteString(`{"basic_auth_rules":[{"prefix":"/","credentials":["u:p"],"hosts":[`)
		for i := 0; i < n; i++ {
			if i > 0 {
				b.WriteByte(',')
			}
			if i%2 == 0 {
				b.WriteString(`"h` + strconv.Itoa(i) + `.example.com"`)
			} else {
				b.WriteString(`"*.w` + strconv.Itoa(i) + `.example.com"`)
			}
		}
		b.WriteString(`]}]}`)
	case "users":
		b.WriteString(`{"users":[`)
		for i := 0; i < n; i++ {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(`"u` + strconv.Itoa(i) + `:p"`)
		}
		b.WriteString(`],"basic_auth_rules":[{"prefix":"/","allow":["*"]}]}`)
	}
	return b.String()
}

// scaledRequest hits one rule / host / user in the middle of the scaled policy.
func scaledRequest(kind string, n int) *Request {
	m := n / 2 / 3 * 3 // a multiple of 3: an exact-host prefix rule
	switch kind {
	case "rules":
		return req("GET", "h"+strconv.Itoa(m)+".example.com", "/api/"+strconv.Itoa(m)+"/x", "authorization", basic("u:p"))
	case "hosts":
		return req("GET", "h"+strconv.Itoa(m/2*2)+".example.com:443", "/x", "authorization", basic("u:p"))
	default:
		return req("GET", "h", "/x", "authorization", basic("u"+strconv.Itoa(n/2)+":p"))
	}
}

func benchDecide(b *testing.B, d *Decider, r *Request, want Outcome) {
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if v := d.Decide(r); v.Outcome != want {
			b.Fatalf("outcome %v", v.Outcome)
		}
	}
}

func BenchmarkDecidePlaintextAllow(b *testing.B) {
	d := NewDecider(policy(b, `{"basic_auth_rules":[{"prefix":"/api","credentials":["alice:secret"]}]}`))
	benchDecide(b, d, req("GET", "example.com", "/api/items?x=1", "authorization", basic("alice:secret"), "user-agent", "bench"), Allow)
}

func BenchmarkDecideBcryptAllowCached(b *testing.B) {
	d := NewDecider(policy(b, `{"users":[`+bcryptUser+`],"basic_auth_rules":[{"prefix":"/","allow":["*"]}]}`))
	benchDecide(b, d, req("GET", "example.com", "/x", "authorization", basic("bob:s3cr:et pass")), Allow)
}

func BenchmarkDecideDenyMissing(b *testing.B) {
	d := NewDecider(policy(b, `{"basic_auth_rules":[{"prefix":"/api","credentials":["alice:secret"]}]}`))
	benchDecide(b, d, req("GET", "example.com", "/api/items"), DenyUnauthenticated)
}

func BenchmarkDecideUnmatched(b *testing.B) {
	d := NewDecider(policy(b, `{"basic_auth_rules":[{"prefix":"/api","credentials":["alice:secret"]}]}`))
	benchDecide(b, d, req("GET", "example.com", "/static/app.js"), Unmatched)
}

func BenchmarkDecideScale(b *testing.B) {
	for _, kind := range []string{"rules", "hosts", "users"} {
		for _, n := range []int{1, 100, 10000} {
			b.Run(kind+"="+strconv.Itoa(n), func(b *testing.B) {
				d := NewDecider(policy(b, scaledPolicy(kind, n)))
				benchDecide(b, d, scaledRequest(kind, n), Allow)
			})
		}
	}
}

func BenchmarkParseScale(b *testing.B) {
	for _, kind := range []string{"rules", "hosts", "users"} {
		for _, n := range []int{1, 100, 10000} {
			js := []byte(scaledPolicy(kind, n))
			b.Run(kind+"="+strconv.Itoa(n), func(b *testing.B) {
				b.ReportAllocs()
				for i := 0; i < b.N; i++ {
					if _, err := config.Parse(js); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

// TestScaleIsFlat checks that 10,000 rules/hosts/users cost about what one does
// per request (generous bound: timing on a shared machine is noisy).
func TestScaleIsFlat(t *testing.T) {
	if testing.Short() {
		t.Skip("timing comparison skipped in -short mode")
	}
	for _, kind := range []string{"rules", "hosts", "users"} {
		var ns [2]float64
		for i, n := range []int{1, 10000} {
			d := NewDecider(policy(t, scaledPolicy(kind, n)))
			r := scaledRequest(kind, n)
			if v := d.Decide(r); v.Outcome != Allow {
				t.Fatalf("%s=%d: %v %s", kind, n, v.Outcome, v.Reason)
			}
			best := time.Duration(0)
			for try := 0; try < 5; try++ {
				start := time.Now()
				for j := 0; j < 20000; j++ {
					d.Decide(r)
				}
				if el := time.Since(start); best == 0 || el < best {
					best = el
				}
			}
			ns[i] = float64(best.Nanoseconds()) / 20000
		}
		t.Logf("%s: 1 -> %.0f ns, 10000 -> %.0f ns", kind, ns[0], ns[1])
		if ns[1] > 4*ns[0]+500 {
			t.Errorf("%s: 10,000 cost %.0f ns vs %.0f ns for one", kind, ns[1], ns[0])
		}
	}
}

func TestAllowPathAllocations(t *testing.T) {
	d := NewDecider(policy(t, `{"users":[`+bcryptUser+`],"basic_auth_rules":[{"prefix":"/api","credentials":["alice:secret"]},{"prefix":"/b","allow":["bob"]}]}`))
	for _, tc := range []struct {
		r   *Request
		max float64
	}{
		{req("GET", "Example.com:443", "/api/items?x=1", "authorization", basic("alice:secret")), 1},
		{req("GET", "example.com", "/b", "authorization", basic("bob:s3cr:et pass")), 0}, // keyed BLAKE2b cache key
		{req("GET", "example.com", "/api/items"), 0},
		{req("GET", "example.com", "/other"), 0},
	} {
		d.Decide(tc.r)
		if a := testing.AllocsPerRun(200, func() { d.Decide(tc.r) }); a > tc.max {
			t.Errorf("%s %s: %v allocations per request, want <= %v", tc.r.Authority, tc.r.Path, a, tc.max)
		}
	}
}
