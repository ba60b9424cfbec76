package throttle

import (
	"bytes"
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

// newSaltedStore is a memStore that already holds a fixed salt. Distinct identifiers
// share a bucket with probability 1/Buckets under a random salt; tests that expect two
// identifiers to count apart use this store, so that they pass or fail the same way
// on every run (the identifiers they use do not collide under this salt).
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
		l.Failure("10.0.0.1", []byte("alice"))
		if s := l.Blocked("10.0.0.1", []byte("alice")); s != 0 {
			t.Fatalf("blocked after %d failures", i+1)
		}
	}
	l.Failure("10.0.0.1", []byte("alice"))
	tests := []struct {
		name   string
		client string
		user   string
		want   int
	}{
		{"same client and user", "10.0.0.1", "alice", 300},
		{"same client other user", "10.0.0.1", "bob", 300},
		{"other client same user", "10.0.0.2", "alice", 300},
		{"other client other user", "10.0.0.2", "bob", 0},
		{"same client no user", "10.0.0.1", "", 300},
		{"unknown client same user", "", "alice", 300},
		{"unknown client no user", "", "", 0},
	}
	for _, tt := range tests {
		if got := l.Blocked(tt.client, []byte(tt.user)); got != tt.want {
			t.Errorf("%s: blocked %d s, want %d", tt.name, got, tt.want)
		}
	}
	c.ms += 299_500
	if got := l.Blocked("10.0.0.1", nil); got != 1 {
		t.Errorf("0.5 s before the end: %d, want 1 (rounded up)", got)
	}
	// Failures while blocked neither count nor extend the block.
	l.Failure("10.0.0.1", []byte("alice"))
	c.ms += 500
	if got := l.Blocked("10.0.0.1", []byte("alice")); got != 0 {
		t.Errorf("block did not end after block_seconds: %d", got)
	}
	l.Failure("10.0.0.1", []byte("alice"))
	if got := l.Blocked("10.0.0.1", []byte("alice")); got != 0 {
		t.Errorf("one failure after a block blocks again: %d", got)
	}
}

func TestWindowExpiryResetsCount(t *testing.T) {
	c := &clock{ms: 5_000}
	l := newLimiter(t, settings(3, 10, 60), newMemStore(), c)
	l.Failure("c", nil)
	l.Failure("c", nil)
	c.ms += 10_000 // window over: the next failure starts a new window
	l.Failure("c", nil)
	l.Failure("c", nil)
	if got := l.Blocked("c", nil); got != 0 {
		t.Fatalf("failures of an expired window counted: blocked %d", got)
	}
	l.Failure("c", nil)
	if got := l.Blocked("c", nil); got != 60 {
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
		l.Failure("10.1.1.1", []byte("u"))
		if got := l.Blocked("10.1.1.1", []byte("other")); got != tt.wantCli {
			t.Errorf("%s: client blocked %d, want %d", tt.name, got, tt.wantCli)
		}
		if got := l.Blocked("10.9.9.9", []byte("u")); got != tt.wantUsr {
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
		a.Failure("192.0.2.7", nil)
		b.Failure("192.0.2.7", nil)
	}
	if a.Blocked("192.0.2.7", nil) != 30 || b.Blocked("192.0.2.7", nil) != 30 {
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
	a.Failure("x", nil)
	b.Failure("x", nil)
	if a.Blocked("x", nil) == 0 {
		t.Fatal("limiters with a raced salt counted in different buckets")
	}
}

// TestCASConflictRetried: a write by another VM between Get and Set is not lost.
func TestCASConflictRetried(t *testing.T) {
	st := newMemStore()
	c := &clock{ms: 1}
	a := newLimiter(t, settings(3, 60, 30), st, c)
	other := newLimiter(t, settings(3, 60, 30), st, c)
	a.Failure("x", nil) // creates the bucket
	conflicts := 0
	st.interfere = func(key string) {
		if key != SaltKey && conflicts == 0 {
			conflicts++
			other.Failure("x", nil) // lands between a's Get and Set
		}
	}
	a.Failure("x", nil)
	st.interfere = nil
	if a.CASRetries() != 1 {
		t.Fatalf("CAS retries = %d, want 1", a.CASRetries())
	}
	if a.Blocked("x", nil) != 30 {
		t.Fatal("the concurrent failure was lost: 3 failures did not block")
	}
}

// TestMemoryBounded: any number of distinct clients and users uses at most
// Buckets keys per kind (plus the salt).
func TestMemoryBounded(t *testing.T) {
	st := newMemStore()
	s := settings(1000, 60, 30)
	s.Buckets = 16
	l := newLimiter(t, s, st, &clock{ms: 1})
	for i := 0; i < 5000; i++ {
		id := strings.Repeat("x", i%7) + string(rune('a'+i%26)) + itoa(i)
		l.Failure("10.0."+itoa(i/256%256)+"."+itoa(i%256), []byte(id))
	}
	if n := len(st.data); n > 2*16+1 {
		t.Fatalf("%d keys in the store, want at most %d", n, 2*16+1)
	}
	for k, v := range st.data {
		if k != SaltKey && (len(v) != bucketLen || !strings.HasPrefix(k, "wasmauth.throttle/ns/")) {
			t.Errorf("unexpected entry %q (%d bytes)", k, len(v))
		}
		if strings.Contains(k, "10.0.") {
			t.Errorf("key %q names the client", k)
		}
	}
}

func TestBadStoreValuesAreIgnored(t *testing.T) {
	st := newMemStore()
	l := newLimiter(t, settings(1, 60, 30), st, &clock{ms: 1})
	l.Failure("x", nil)
	for k := range st.data {
		if k != SaltKey {
			st.data[k] = []byte("garbage")
		}
	}
	if l.Blocked("x", nil) != 0 {
		t.Error("a corrupt bucket blocks")
	}
	l.Failure("x", nil)
	if l.Blocked("x", nil) != 30 {
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
