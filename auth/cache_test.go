package auth

import (
	"bytes"
	"strconv"
	"testing"
)

func TestVerifiedCacheBoundedClock(t *testing.T) {
	c := newVerifiedCache(3)
	key := func(i int) *cacheKey { var k cacheKey; k[0] = byte(i); k[1] = 1; return &k }
	for i := 0; i < 3; i++ {
		c.add(key(i))
	}
	c.add(key(0)) // already present: no growth
	if c.len() != 3 {
		t.Fatalf("len %d", c.len())
	}
	c.contains(key(0)) // recently used: survives the next eviction
	c.add(key(3))
	if c.len() != 3 || !c.contains(key(0)) || !c.contains(key(3)) || c.contains(key(1)) {
		t.Fatalf("CLOCK evicted the wrong entry: 0=%v 1=%v 2=%v 3=%v", c.contains(key(0)), c.contains(key(1)), c.contains(key(2)), c.contains(key(3)))
	}
	for i := 10; i < 1000; i++ {
		c.add(key(i))
		if c.len() > 3 || len(c.index) > 3 {
			t.Fatalf("cache grew to %d/%d", c.len(), len(c.index))
		}
	}
	var nilCache *verifiedCache
	nilCache.add(key(1))
	if nilCache.contains(key(1)) || nilCache.len() != 0 || newVerifiedCache(0) != nil {
		t.Fatal("disabled cache stores")
	}
}

const bcryptUser = `"bob:$2y$04$OBBHcpevscW3lzNvTy.DkuJeBYbCZFQrIJ/./PHhra0fdyG5MCemO"`

func TestDeciderCache(t *testing.T) {
	const pw = "s3cr:et pass"
	d := NewDecider(policy(t, `{"cache_size":2,"users":[`+bcryptUser+`],"basic_auth_rules":[{"prefix":"/","allow":["bob"]},{"prefix":"/x","allow":["*"]}]}`))
	ok := req("GET", "h", "/x", "authorization", basic("bob:"+pw))
	check(t, "first", d, ok, withUser(allow, "bob"))
	if s := d.Stats(); s.SlowVerifications != 1 || s.CacheHits != 0 || d.CacheLen() != 1 {
		t.Fatalf("after first request (two rules, one verification expected): %+v len=%d", s, d.CacheLen())
	}
	check(t, "repeat", d, ok, withUser(allow, "bob"))
	if s := d.Stats(); s.SlowVerifications != 1 || s.CacheHits != 1 {
		t.Fatalf("repeat did not hit the cache: %+v", s)
	}
	// A wrong password is never cached and always verified in full.
	for i := 0; i < 3; i++ {
		check(t, "wrong", d, req("GET", "h", "/", "authorization", basic("bob:nope")), bad)
	}
	if s := d.Stats(); s.SlowVerifications != 4 || d.CacheLen() != 1 {
		t.Fatalf("wrong passwords: %+v len=%d", s, d.CacheLen())
	}
	// The cache holds keyed hashes only: no password or user bytes.
	for _, slot := range d.cache.slots {
		if bytes.Contains(slot.key[:], []byte("s3cr")) || bytes.Contains(slot.key[:], []byte("bob")) {
			t.Fatal("cache key contains credential bytes")
		}
	}
	// Two deciders use different keys.
	d2 := NewDecider(d.p)
	d2.Decide(ok)
	if d2.cache.slots[0].key == d.cache.slots[0].key {
		t.Fatal("cache keys are not keyed per decider")
	}
}

func TestUnknownUserCostsAVerification(t *testing.T) {
	d := NewDecider(policy(t, `{"users":[`+bcryptUser+`,"plain:x"],"basic_auth_rules":[{"prefix":"/","allow":["*"]}]}`))
	check(t, "unknown user", d, req("GET", "h", "/", "authorization", basic("nobody:x")), bad)
	check(t, "malformed", d, req("GET", "h", "/", "authorization", "Basic !!"), malformed)
	if s := d.Stats(); s.SlowVerifications != 2 {
		t.Fatalf("unknown user / malformed value did not spend a dummy verification: %+v", s)
	}
	if d.CacheLen() != 0 {
		t.Fatal("dummy verification was cached")
	}
}

func TestCacheDisabled(t *testing.T) {
	d := NewDecider(policy(t, `{"cache_size":0,"users":[`+bcryptUser+`],"basic_auth_rules":[{"prefix":"/","allow":["*"]}]}`))
	r := req("GET", "h", "/", "authorization", basic("bob:s3cr:et pass"))
	for i := 0; i < 3; i++ {
		check(t, "no cache "+strconv.Itoa(i), d, r, withUser(allow, "bob"))
	}
	if s := d.Stats(); s.SlowVerifications != 3 || s.CacheHits != 0 || d.CacheLen() != 0 {
		t.Fatalf("cache_size 0: %+v", s)
	}
}

// TestPolicySharedAcrossDeciders runs deciders on one Policy concurrently
// (run with -race): the Policy must be read-only after Parse.
func TestPolicySharedAcrossDeciders(t *testing.T) {
	p := policy(t, `{"users":[`+bcryptUser+`,"alice:a"],"exemptions":[{"prefix":"/h"}],"basic_auth_rules":[{"prefix":"/","allow":["*"],"metadata":[{"name":"x","regex":"v[0-9]"}]}]}`)
	done := make(chan bool)
	for g := 0; g < 4; g++ {
		go func() {
			d := NewDecider(p)
			ok := true
			for i := 0; i < 50; i++ {
				ok = ok && d.Decide(req("GET", "h", "/x", "authorization", basic("alice:a"), "x", "v1")).Outcome == Allow
				ok = ok && d.Decide(req("GET", "h", "/h")).Outcome == Exempt
				ok = ok && d.Decide(req("GET", "h", "/x", "authorization", basic("bob:s3cr:et pass"), "x", "v2")).Outcome == Allow
			}
			done <- ok
		}()
	}
	for g := 0; g < 4; g++ {
		if !<-done {
			t.Error("concurrent decisions differ")
		}
	}
}
