package auth

import (
	"math/rand"
	"net/url"
	"strings"
	"testing"
)

// backendViews returns how differently built backends could read a raw path:
// decoding once or twice, treating '\' as '/', with or without ;params, then
// merging slashes and resolving dot segments. It is written independently of
// package normalize, with the standard library.
func backendViews(raw string) []string {
	if i := strings.IndexAny(raw, "?#"); i >= 0 {
		raw = raw[:i]
	}
	var views []string
	once, err1 := url.PathUnescape(raw)
	candidates := []string{raw}
	if err1 == nil {
		candidates = append(candidates, once)
		if twice, err2 := url.PathUnescape(once); err2 == nil {
			candidates = append(candidates, twice)
		}
	}
	for _, c := range candidates {
		c = strings.ReplaceAll(c, "\\", "/")
		for _, stripParams := range []bool{true, false} {
			var segs []string
			for _, s := range strings.Split(c, "/") {
				if stripParams {
					if i := strings.IndexByte(s, ';'); i >= 0 {
						s = s[:i]
					}
				}
				switch s {
				case "", ".":
				case "..":
					if len(segs) > 0 {
						segs = segs[:len(segs)-1]
					}
				default:
					segs = append(segs, s)
				}
			}
			views = append(views, "/"+strings.Join(segs, "/"))
		}
	}
	return views
}

var pathFragments = []string{
	"/", "//", "admin", "Admin", "adm", "in", "%61", "%2e", "%2E", ".", "..", "%2f", "%2F", "%5c", "\\", ";", ";x=1",
	"%25", "2f", "%252f", "%", "?", "#", "public", "x", "%00", "%3b", "é", "%c3%a9", "%ff", "admin/", "./", "../",
}

func TestPropertyProtectedPrefixNeedsCredentials(t *testing.T) {
	d := NewDecider(policy(t, `{"exemptions":[{"prefix":"/public"}],"basic_auth_rules":[{"prefix":"/admin","credentials":["a:b"]}]}`))
	rng := rand.New(rand.NewSource(1))
	n := 30000
	if testing.Short() {
		n = 3000
	}
	reached := 0
	for i := 0; i < n; i++ {
		var b strings.Builder
		if rng.Intn(8) != 0 {
			b.WriteByte('/')
		}
		for k := rng.Intn(7) + 1; k > 0; k-- {
			b.WriteString(pathFragments[rng.Intn(len(pathFragments))])
		}
		raw := b.String()
		protected := false
		for _, v := range backendViews(raw) {
			if strings.HasPrefix(v, "/admin") {
				protected = true
			}
		}
		v := d.Decide(req("GET", "h", raw))
		if protected {
			reached++
			if v.Outcome != DenyUnauthenticated && v.Outcome != DenyBadRequest {
				t.Fatalf("%q can reach /admin in a backend but got %v (%s)", raw, v.Outcome, v.Reason)
			}
		}
		// Normalised /admin paths must always need credentials, whatever else happens.
		if v.Outcome == Allow || v.Outcome == Exempt || v.Outcome == Unmatched {
			for _, view := range backendViews(raw) {
				if strings.HasPrefix(view, "/admin") {
					t.Fatalf("%q allowed (%v) but a backend reads %q", raw, v.Outcome, view)
				}
			}
		}
	}
	if reached < n/50 {
		t.Fatalf("generator too weak: only %d of %d paths aimed at /admin", reached, n)
	}
}
