package throttle

import (
	"bytes"
	"strconv"
	"strings"
	"testing"

	"github.com/wasmauth/wasmauth/config"
)

// memStore is a Store with Envoy's shared-data semantics: CAS 0 sets
// unconditionally, every write bumps the key's CAS token. interfere, when set, is
// called before each Set (to simulate another VM writing in between).
type memStore struct {
	data      map[string][]byte
	cas       map[string]uint32
	next      uint32
	sets      int
	interfere func(key string)
}

func newMemStore() *memStore {
	return &memStore{data: map[string][]byte{}, cas: map[string]uint32{}}
}

func (m *memStore) Get(key string) ([]byte, uint32, error) {
	v, ok := m.data[key]
	if !ok {
		return nil, 0, ErrNotFound
	}
	return bytes.Clone(v), m.cas[key], nil
}

func (m *memStore) Set(key string, value []byte, cas uint32) error {
	if f := m.interfere; f != nil {
		m.interfere = nil
		f(key)
		m.interfere = f
	}
	if _, ok := m.data[key]; ok && cas != 0 && cas != m.cas[key] {
		return ErrCASMismatch
	}
	m.next++
	m.data[key], m.cas[key] = bytes.Clone(value), m.next
	m.sets++
	return nil
}

// newSaltedStore is a memStore that already holds a fixed salt. Distinct client
// addresses share a bucket with probability 1/Buckets under a random salt; tests that
// expect two clients to count apart use this store, so that they pass or fail the
// same way on every run (the addresses they use do not collide under this salt).
func newSaltedStore() *memStore {
	m := newMemStore()
	m.data[SaltKey] = []byte("wasmauth-testing")
	m.cas[SaltKey] = 1
	m.next = 1
	return m
}

type clock struct{ ms int64 }

func (c *clock) now() int64 { return c.ms }

func settings(max, window, block int) config.Throttle {
	return config.Throttle{MaxFailures: max, WindowSeconds: window, BlockSeconds: block, PerClient: true, PerUser: true, Buckets: 64}
}

func newLimiter(t *testing.T, s config.Throttle, st Store, c *clock) *Limiter {
	t.Helper()
	l, err := New(s, st, "ns", c.now)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func TestBlocksAfterMaxFailuresWithinWindow(t *testing.T) {
	c := &clock{ms: 1_000_000}
	l := newLimiter(t, settings(3, 60, 300), newSaltedStore(), c)
	for i := 0; i < 2; i++ {
		l.Failure("10.0.0.1", []byte("alice"), true)
		if s := l.Blocked("10.0.0.1", []byte("alice"), true); s != 0 {
			t.Fatalf("blocked after %d failures", i+1)
		}
	}
	l.Failure("10.0.0.1", []byte("alice"), true)
	tests := []struct {
		name       string
		client     string
		user       string
		configured bool
		want       int
	}{
		{"same client and user", "10.0.0.1", "alice", true, 300},
		{"same client other user", "10.0.0.1", "bob", true, 300},
		{"other client same user", "10.0.0.2", "alice", true, 300},
		{"other client other user", "10.0.0.2", "bob", true, 0},
		{"same client no user", "10.0.0.1", "", false, 300},
		{"unknown client same user", "", "alice", true, 300},
		{"unknown client no user", "", "", false, 0},
		{"same client unknown name", "10.0.0.1", "mallory", false, 300},
		{"other client unknown name", "10.0.0.2", "mallory", false, 0},
		{"unknown client unknown name", "", "mallory", false, 0},
	}
	for _, tt := range tests {
		if got := l.Blocked(tt.client, []byte(tt.user), tt.configured); got != tt.want {
			t.Errorf("%s: blocked %d s, want %d", tt.name, got, tt.want)
		}
	}
	c.ms += 299_500
	if got := l.Blocked("10.0.0.1", nil, false); got != 1 {
		t.Errorf("0.5 s before the end: %d, want 1 (rounded up)", got)
	}
	// Failures while blocked neither count nor extend the block.
	l.Failure("10.0.0.1", []byte("alice"), true)
	c.ms += 500
	if got := l.Blocked("10.0.0.1", []byte("alice"), true); got != 0 {
		t.Errorf("block did not end after block_seconds: %d", got)
	}
	l.Failure("10.0.0.1", []byte("alice"), true)
	if got := l.Blocked("10.0.0.1", []byte("alice"), true); got != 0 {
		t.Errorf("one failure after a block blocks again: %d", got)
	}
}

func TestWindowExpiryResetsCount(t *testing.T) {
	c := &clock{ms: 5_000}
	l := newLimiter(t, settings(3, 10, 60), newMemStore(), c)
	l.Failure("c", nil, false)
	l.Failure("c", nil, false)
	c.ms += 10_000 // window over: the next failure starts a new window
	l.Failure("c", nil, false)
	l.Failure("c", nil, false)
	if got := l.Blocked("c", nil, false); got != 0 {
		t.Fatalf("failures of an expired window counted: blocked %d", got)
	}
	l.Failure("c", nil, false)
	if got := l.Blocked("c", nil, false); got != 60 {
		t.Fatalf("blocked %d, want 60", got)
	}
}

func TestKindsConfigured(t *testing.T) {
	for _, tt := range []struct {
		name             string
		client, user     bool
		wantCli, wantUsr int
	}{
		{"client only", true, false, 9, 0},
		{"user only", false, true, 0, 9},
	} {
		s := settings(1, 60, 9)
		s.PerClient, s.PerUser = tt.client, tt.user
		l := newLimiter(t, s, newSaltedStore(), &clock{ms: 1})
		l.Failure("10.1.1.1", []byte("u"), true)
		if got := l.Blocked("10.1.1.1", []byte("other"), true); got != tt.wantCli {
			t.Errorf("%s: client blocked %d, want %d", tt.name, got, tt.wantCli)
		}
		if got := l.Blocked("10.9.9.9", []byte("u"), true); got != tt.wantUsr {
			t.Errorf("%s: user blocked %d, want %d", tt.name, got, tt.wantUsr)
		}
	}
}

// TestSharedAcrossLimiters: two Limiters on one Store (two VMs) share the salt and
// count together.
func TestSharedAcrossLimiters(t *testing.T) {
	st := newMemStore()
	c := &clock{ms: 1}
	a := newLimiter(t, settings(4, 60, 30), st, c)
	b := newLimiter(t, settings(4, 60, 30), st, c)
	if len(st.data) != 1 || len(st.data[SaltKey]) != saltLen {
		t.Fatalf("store after two starts: %d keys, want only the salt", len(st.data))
	}
	for i := 0; i < 2; i++ {
		a.Failure("192.0.2.7", nil, false)
		b.Failure("192.0.2.7", nil, false)
	}
	if a.Blocked("192.0.2.7", nil, false) != 30 || b.Blocked("192.0.2.7", nil, false) != 30 {
		t.Fatal("failures counted on two limiters did not add up")
	}
}

// TestSaltRaceConverges: when two VMs both created a salt, both use the stored one.
func TestSaltRaceConverges(t *testing.T) {
	st := newMemStore()
	c := &clock{ms: 1}
	a := newLimiter(t, settings(2, 60, 30), st, c)
	st.data[SaltKey] = bytes.Repeat([]byte{7}, saltLen) // another VM overwrote it
	b := newLimiter(t, settings(2, 60, 30), st, c)
	a.Failure("x", nil, false)
	b.Failure("x", nil, false)
	if a.Blocked("x", nil, false) == 0 {
		t.Fatal("limiters with a raced salt counted in different buckets")
	}
}

// TestCASConflictRetried: a write by another VM between Get and Set is not lost.
func TestCASConflictRetried(t *testing.T) {
	st := newMemStore()
	c := &clock{ms: 1}
	a := newLimiter(t, settings(3, 60, 30), st, c)
	other := newLimiter(t, settings(3, 60, 30), st, c)
	a.Failure("x", nil, false) // creates the bucket
	conflicts := 0
	st.interfere = func(key string) {
		if key != SaltKey && conflicts == 0 {
			conflicts++
			other.Failure("x", nil, false) // lands between a's Get and Set
		}
	}
	a.Failure("x", nil, false)
	st.interfere = nil
	if a.CASRetries() != 1 {
		t.Fatalf("CAS retries = %d, want 1", a.CASRetries())
	}
	if a.Blocked("x", nil, false) != 30 {
		t.Fatal("the concurrent failure was lost: 3 failures did not block")
	}
}

// TestMemoryBounded: any number of distinct clients and made-up user names uses at
// most Buckets client keys, one key per configured user, the decoy and the salt; no
// key shows a client address or a user name.
func TestMemoryBounded(t *testing.T) {
	st := newMemStore()
	s := settings(1000, 60, 30)
	s.Buckets = 16
	l := newLimiter(t, s, st, &clock{ms: 1})
	const configured = 50
	for i := 0; i < 5000; i++ {
		client := "10.0." + itoa(i/256%256) + "." + itoa(i%256)
		l.Failure(client, []byte(strings.Repeat("x", i%7)+string(rune('a'+i%26))+itoa(i)), false)
		l.Failure(client, []byte("user"+itoa(i%configured)), true)
	}
	users, clients := 0, 0
	for k, v := range st.data {
		switch {
		case k == SaltKey:
		case len(v) != bucketLen:
			t.Errorf("entry %q holds %d bytes", k, len(v))
		case strings.HasPrefix(k, "wasmauth.throttle/ns/u/"):
			users++
		case strings.HasPrefix(k, "wasmauth.throttle/ns/c/"):
			clients++
		default:
			t.Errorf("unexpected entry %q", k)
		}
		if strings.Contains(k, "10.0.") || strings.Contains(k, "user") || strings.Contains(k, "xx") {
			t.Errorf("key %q names the client or the user", k)
		}
	}
	if users != configured+1 || clients > s.Buckets {
		t.Fatalf("%d user keys and %d client keys, want %d (one per configured user, and the decoy) and at most %d",
			users, clients, configured+1, s.Buckets)
	}
}

// TestMadeUpNamesCannotBlockConfiguredUsers is the security review's demonstration:
// failures for tens of thousands of made-up names (twenty per bucket that user names
// used to be hashed into) must not block any configured user, whatever the buckets
// setting, and leave no counter behind but the client's.
func TestMadeUpNamesCannotBlockConfiguredUsers(t *testing.T) {
	for _, tt := range []struct {
		name      string
		perClient bool
		buckets   int
		client    string // the attacker's address
	}{
		{"per user, default buckets", false, 4096, ""},
		{"per user, one bucket", false, 1, ""},
		{"per user, client known", false, 4096, "192.0.2.66"},
		{"per client and user, client unknown", true, 4096, ""},
		{"per client and user", true, 4096, "192.0.2.66"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			cfg := config.Throttle{MaxFailures: 10, WindowSeconds: 60, BlockSeconds: 300, PerClient: tt.perClient, PerUser: true, Buckets: tt.buckets}
			st := newSaltedStore()
			l, err := New(cfg, st, "p", func() int64 { return 1_000_000 })
			if err != nil {
				t.Fatal(err)
			}
			for i := 0; i < 20*4096; i++ {
				l.Failure(tt.client, []byte("x"+strconv.Itoa(i)), false)
			}
			for _, u := range []string{"alice", "bob", "carol", "x1", "x4095"} {
				if s := l.Blocked("198.51.100.1", []byte(u), true); s != 0 {
					t.Errorf("configured user %q blocked for %d s", u, s)
				}
			}
			wantKeys := 2 // the salt and the decoy
			if tt.perClient && tt.client != "" {
				wantKeys++
				if s := l.Blocked(tt.client, []byte("alice"), true); s != 300 {
					t.Errorf("the attacking client is not blocked: %d", s)
				}
			}
			if len(st.data) != wantKeys {
				t.Errorf("%d keys in the store, want %d", len(st.data), wantKeys)
			}
		})
	}
}

// TestConfiguredUsersNeverShareACounter: a configured user's failures block that
// user and no other, even with a single bucket (which now only clients use).
func TestConfiguredUsersNeverShareACounter(t *testing.T) {
	s := settings(3, 60, 300)
	s.PerClient, s.Buckets = false, 1
	l := newLimiter(t, s, newMemStore(), &clock{ms: 1_000_000})
	const n = 500
	user := func(i int) []byte { return []byte("user" + strconv.Itoa(i)) }
	blocked := func() (count int) {
		for i := 0; i < n; i++ {
			if l.Blocked("", user(i), true) > 0 {
				count++
			}
		}
		return count
	}
	for _, tt := range []struct {
		name     string
		fail     []int // users that fail in this step
		times    int   // how many times each
		want     int   // users blocked afterwards
		notFirst bool  // user0 stays unblocked
	}{
		{"no failure", nil, 0, 0, true},
		{"two failures each", seq(0, n), 2, 0, true},
		{"one user", []int{1}, 3, 1, true},
		{"nearly everyone", seq(2, n), 3, n - 1, true},
		{"the last one", []int{0}, 3, n, false},
	} {
		for _, i := range tt.fail {
			for j := 0; j < tt.times; j++ {
				l.Failure("", user(i), true)
			}
		}
		if got := blocked(); got != tt.want {
			t.Errorf("%s: %d users blocked, want %d", tt.name, got, tt.want)
		}
		if tt.notFirst && l.Blocked("", user(0), true) != 0 {
			t.Errorf("%s: user0 blocked by others' failures", tt.name)
		}
	}
}

func seq(from, to int) []int {
	var out []int
	for i := from; i < to; i++ {
		out = append(out, i)
	}
	return out
}

// opStore records the Store operations, naming keys by kind.
type opStore struct {
	*memStore
	ops []string
}

func (o *opStore) kind(key string) string {
	switch {
	case key == SaltKey:
		return "salt"
	case strings.Contains(key, "/c/"):
		return "client"
	default:
		return "user" // a user's counter or the decoy
	}
}

func (o *opStore) Get(key string) ([]byte, uint32, error) {
	v, cas, err := o.memStore.Get(key)
	found := "found"
	if err != nil {
		found = "absent"
	}
	o.ops = append(o.ops, "get "+o.kind(key)+" "+found)
	return v, cas, err
}

func (o *opStore) Set(key string, value []byte, cas uint32) error {
	o.ops = append(o.ops, "set "+o.kind(key)+" "+strconv.Itoa(len(value)))
	return o.memStore.Set(key, value, cas)
}

// TestUnknownNamesCostWhatConfiguredOnesDo: whether a name is configured changes
// which key the Store sees, not how many operations, of which kind, on keys that
// exist or not. (The name is hashed in both cases: keys.)
func TestUnknownNamesCostWhatConfiguredOnesDo(t *testing.T) {
	run := func(configured bool, name string) []string {
		st := &opStore{memStore: newSaltedStore()}
		l := newLimiter(t, settings(5, 60, 30), st, &clock{ms: 1})
		var steps []string
		for _, step := range []func(){
			func() { l.Blocked("10.0.0.1", []byte(name), configured) },
			func() { l.Failure("10.0.0.1", []byte(name), configured) }, // creates the key
			func() { l.Blocked("10.0.0.1", []byte(name), configured) },
			func() { l.Failure("10.0.0.1", []byte(name), configured) }, // updates it
		} {
			st.ops = nil
			step()
			steps = append(steps, strings.Join(st.ops, ", "))
		}
		return steps
	}
	known, unknown := run(true, "alice"), run(false, "mallory")
	for i := range known {
		if known[i] != unknown[i] {
			t.Errorf("step %d: configured %q, unknown %q", i, known[i], unknown[i])
		}
	}
	if want := "get salt found, get client found, set client 20, get user found, set user 20"; known[3] != want {
		t.Errorf("a failure: %q, want %q", known[3], want)
	}
}

// TestDecoyNeverCounts: the decoy key is rewritten as an empty counter and never
// read as one, whatever it holds.
func TestDecoyNeverCounts(t *testing.T) {
	st := newSaltedStore()
	c := &clock{ms: 1_000_000}
	l := newLimiter(t, settings(1, 60, 30), st, c)
	l.Failure("", []byte("mallory"), false)
	if v := st.data[l.decoy]; !bytes.Equal(v, make([]byte, bucketLen)) {
		t.Fatalf("decoy holds %x, want an empty counter", v)
	}
	var b [bucketLen]byte
	st.data[l.decoy] = bucket{windowStart: 1, count: 1, blockedUntil: c.ms + 1_000_000}.encode(b[:])
	for _, tt := range []struct {
		user       string
		configured bool
	}{{"mallory", false}, {"alice", true}, {"", false}} {
		if got := l.Blocked("", []byte(tt.user), tt.configured); got != 0 {
			t.Errorf("%q: blocked %d s by the decoy", tt.user, got)
		}
	}
}

// TestUserKeys: a user's counter is keyed by a salted hash of the exact name.
func TestUserKeys(t *testing.T) {
	l := newLimiter(t, settings(1, 60, 30), newSaltedStore(), &clock{ms: 1})
	salt, err := l.salt()
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]string{}
	for _, name := range []string{"alice", "Alice", "alice ", "bob", "b", "\x00", strings.Repeat("long", 100)} {
		k := l.userKey(salt, []byte(name))
		rest, ok := strings.CutPrefix(k, "wasmauth.throttle/ns/u/")
		if !ok || len(rest) != 2*userKeyBytes || strings.Trim(rest, "0123456789abcdef") != "" {
			t.Errorf("%q: key %q, want the prefix and %d hex digits", name, k, 2*userKeyBytes)
		}
		if k == l.decoy {
			t.Errorf("%q: key is the decoy", name)
		}
		if other, dup := seen[k]; dup {
			t.Errorf("%q and %q share key %q", name, other, k)
		}
		seen[k] = name
		if again := l.userKey(salt, []byte(name)); again != k {
			t.Errorf("%q: key %q then %q", name, k, again)
		}
	}
	other := newLimiter(t, settings(1, 60, 30), newMemStore(), &clock{ms: 1}) // another salt
	otherSalt, _ := other.salt()
	if other.userKey(otherSalt, []byte("alice")) == l.userKey(salt, []byte("alice")) {
		t.Error("the key does not depend on the salt")
	}
}

func TestBadStoreValuesAreIgnored(t *testing.T) {
	st := newMemStore()
	l := newLimiter(t, settings(1, 60, 30), st, &clock{ms: 1})
	l.Failure("x", nil, false)
	for k := range st.data {
		if k != SaltKey {
			st.data[k] = []byte("garbage")
		}
	}
	if l.Blocked("x", nil, false) != 0 {
		t.Error("a corrupt bucket blocks")
	}
	l.Failure("x", nil, false)
	if l.Blocked("x", nil, false) != 30 {
		t.Error("a corrupt bucket is not rewritten by the next failure")
	}
}

func TestNewRejectsInvalidSettings(t *testing.T) {
	if _, err := New(config.Throttle{}, newMemStore(), "", (&clock{}).now); err == nil {
		t.Error("zero settings accepted")
	}
}

func TestClientAddress(t *testing.T) {
	for in, want := range map[string]string{
		"10.0.0.1:5678":          "10.0.0.1",
		"10.0.0.1":               "10.0.0.1",
		"[2001:db8::1]:443":      "2001:db8::1",
		"[::ffff:10.0.0.1]:1234": "10.0.0.1",
		"2001:db8::1":            "2001:db8::1",
		"unix:/tmp/sock":         "unix:/tmp/sock",
		"":                       "",
	} {
		if got := ClientAddress(in); got != want {
			t.Errorf("ClientAddress(%q) = %q, want %q", in, got, want)
		}
	}
	for in, want := range map[string]string{
		"10.0.0.1":              "10.0.0.1",
		"2001:db8:1:2:3:4:5:6":  "2001:db8:1:2::/64",
		"2001:db8:1:2:ffff::99": "2001:db8:1:2::/64",
		"junk":                  "junk",
	} {
		if got := ClientKey(in); got != want {
			t.Errorf("ClientKey(%q) = %q, want %q", in, got, want)
		}
	}
}

func itoa(i int) string {
	if i == 0 {
		return "0"
	}
	var b []byte
	for ; i > 0; i /= 10 {
		b = append([]byte{byte('0' + i%10)}, b...)
	}
	return string(b)
}
