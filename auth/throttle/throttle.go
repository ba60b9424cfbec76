// Package throttle counts failed authentications per client address and per
// configured user and blocks further attempts for a cool-down once a limit is
// reached.
//
// Counters live in a Store shared by every VM of the gateway (proxy-wasm shared
// data, which has compare-and-swap but no delete), so the number of keys must be
// bounded whatever the traffic:
//
//   - Client addresses are unbounded: each is mapped to one of Buckets counters by
//     BLAKE2b under a random salt that the first VM stores in the Store. Without
//     the salt, an attacker cannot pick addresses that collide with a victim's
//     bucket. Distinct clients may still share a bucket (and its count): more
//     buckets make that rarer.
//   - User names count only when the policy configures them (the caller says
//     which), and each configured user has a counter of its own, keyed by 128 bits
//     of BLAKE2b of the exact name under the salt: no two configured users share
//     one. A name nobody configured is counted per client only. It can never
//     succeed, so a counter would protect nothing; and if made-up names had
//     counters in a fixed set of buckets, anyone could fill them all and lock out
//     every real user without knowing a single name.
//
// A namespace thus holds at most Buckets + (configured user names) counters, plus
// one decoy key: so that timing does not tell configured names from others, a
// request naming an unknown user hashes the name and reads (and, on failure,
// rewrites) the decoy as it would its own counter. The decoy is never counted.
//
// Counting is a fixed window per counter: the first failure opens a window of
// WindowSeconds; reaching MaxFailures within it blocks the counter for
// BlockSeconds. Attempts refused while blocked are not counted (a block never
// extends itself), and successful logins do not reset anything.
//
// The package is pure Go (no proxy-wasm import): the filter supplies the Store and
// the clock.
package throttle

import (
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"net/netip"
	"strconv"

	"golang.org/x/crypto/blake2b"

	"github.com/wasmauth/wasmauth/config"
)

// Store is a key-value store with compare-and-swap, like proxy-wasm shared data.
type Store interface {
	// Get returns the value and its CAS token, or ErrNotFound.
	Get(key string) (value []byte, cas uint32, err error)
	// Set stores value if the key's CAS token is still cas (0: unconditionally),
	// else returns ErrCASMismatch.
	Set(key string, value []byte, cas uint32) error
}

// Store errors.
var (
	ErrNotFound    = errors.New("throttle: key not found")
	ErrCASMismatch = errors.New("throttle: CAS mismatch")
)

// SaltKey is the Store key of the bucket salt, shared by every plugin.
const SaltKey = "wasmauth.throttle/salt"

// saltLen is the salt size in bytes.
const saltLen = 16

// maxCASRetries bounds the compare-and-swap loop of one update.
const maxCASRetries = 16

// Limiter applies one throttle configuration. It is not safe for concurrent use
// (one per VM); the Store makes VMs agree.
type Limiter struct {
	cfg    config.Throttle
	store  Store
	now    func() int64 // milliseconds
	prefix string
	decoy  string // the key unknown user names read and write instead of a counter
	buf    []byte // the client key of the current request
	hashIn []byte // salt, kind and identifier being hashed
	key    []byte // the bucket key being built
	// Stats (for tests and debugging).
	casRetries uint64
}

// New returns a Limiter whose bucket keys start with "wasmauth.throttle/<namespace>/"
// (use the plugin name, so that plugins with different limits do not share
// counters). now returns the current time in milliseconds. New creates the salt in
// the Store if no VM has yet.
func New(cfg config.Throttle, store Store, namespace string, now func() int64) (*Limiter, error) {
	if cfg.MaxFailures < 1 || cfg.WindowSeconds < 1 || cfg.BlockSeconds < 1 || cfg.Buckets < 1 {
		return nil, errors.New("throttle: invalid settings")
	}
	l := &Limiter{cfg: cfg, store: store, now: now, prefix: "wasmauth.throttle/" + namespace + "/"}
	l.decoy = l.prefix + "u/unknown" // not hexadecimal: no user's key
	if _, err := l.salt(); err != nil {
		return nil, err
	}
	return l, nil
}

// salt returns the shared salt, creating it when absent. It is read from the
// Store on every use: if two VMs raced to create it, all converge on the one
// that was stored last.
func (l *Limiter) salt() ([]byte, error) {
	v, _, err := l.store.Get(SaltKey)
	if err == nil && len(v) == saltLen {
		return v, nil
	}
	if err != nil && err != ErrNotFound {
		return nil, err
	}
	var s [saltLen]byte
	if _, err := rand.Read(s[:]); err != nil {
		return nil, errors.New("throttle: no randomness for the salt: " + err.Error())
	}
	if err := l.store.Set(SaltKey, s[:], 0); err != nil {
		return nil, err
	}
	v, _, err = l.store.Get(SaltKey)
	if err != nil || len(v) != saltLen {
		return nil, errors.New("throttle: the salt did not persist in the store")
	}
	return v, nil
}

// Blocked returns for how many more seconds attempts from client, or for user,
// are refused (0: not blocked). user is the name the request carries and
// configured whether the policy has a user of that name: only a configured user
// has a counter, an unknown name is subject to the client's alone. Empty
// identifiers (unknown client, no user name) and kinds not configured are not
// checked.
func (l *Limiter) Blocked(client string, user []byte, configured bool) int {
	salt, err := l.salt()
	if err != nil {
		return 0
	}
	now := l.now()
	var until int64
	keys := l.keys(salt, client, user, configured)
	for _, k := range keys.key[:keys.n] {
		v, _, err := l.store.Get(k)
		if err != nil {
			continue
		}
		if b, ok := decode(v); ok && b.blockedUntil > until {
			until = b.blockedUntil
		}
	}
	if keys.decoy != "" {
		_, _, _ = l.store.Get(keys.decoy) // the read a counter costs; the value is not used
	}
	if until <= now {
		return 0
	}
	return int((until - now + 999) / 1000)
}

// Failure records one failed authentication from client for user (configured as
// for Blocked).
func (l *Limiter) Failure(client string, user []byte, configured bool) {
	salt, err := l.salt()
	if err != nil {
		return
	}
	keys := l.keys(salt, client, user, configured)
	for _, k := range keys.key[:keys.n] {
		l.fail(k)
	}
	if keys.decoy != "" {
		l.touch(keys.decoy)
	}
}

func (l *Limiter) fail(key string) {
	for i := 0; i < maxCASRetries; i++ {
		v, cas, err := l.store.Get(key)
		if err != nil && err != ErrNotFound {
			return
		}
		b, _ := decode(v)
		now := l.now()
		if now < b.blockedUntil {
			return // already blocked: refused attempts do not extend the block
		}
		if now-b.windowStart >= int64(l.cfg.WindowSeconds)*1000 || b.count == 0 {
			b.windowStart, b.count = now, 0
		}
		b.count++
		if b.count >= uint32(l.cfg.MaxFailures) {
			b.blockedUntil = now + int64(l.cfg.BlockSeconds)*1000
			b.count = 0
		}
		var out [bucketLen]byte
		err = l.store.Set(key, b.encode(out[:]), cas)
		if err != ErrCASMismatch {
			return
		}
		l.casRetries++
	}
}

// touch does to the decoy what fail does to a counter that is not blocked (a Get,
// then a compare-and-swap Set of a counter-sized value) and leaves it an empty
// counter. A conflict is not retried: nothing depends on the value.
func (l *Limiter) touch(key string) {
	_, cas, err := l.store.Get(key)
	if err != nil && err != ErrNotFound {
		return
	}
	var out [bucketLen]byte
	_ = l.store.Set(key, bucket{}.encode(out[:]), cas)
}

// bucketKeys are the Store keys of one request: its counters (at most one per
// kind) and, for a user name that is not configured, the decoy.
type bucketKeys struct {
	key   [2]string
	n     int
	decoy string
}

// keys returns the keys for the configured kinds with non-empty identifiers.
// (Built without a slice, a []byte conversion or string concatenations: under
// TinyGo each of those allocates, and this runs on every request that reaches
// authentication.)
func (l *Limiter) keys(salt []byte, client string, user []byte, configured bool) bucketKeys {
	var out bucketKeys
	if l.cfg.PerClient && client != "" {
		l.buf = append(l.buf[:0], ClientKey(client)...)
		out.key[out.n] = l.clientKey(salt, l.buf)
		out.n++
	}
	if l.cfg.PerUser && len(user) > 0 {
		// Built for every name, so that an unknown one costs what a configured one
		// does; only a configured user's is used.
		k := l.userKey(salt, user)
		if configured {
			out.key[out.n] = k
			out.n++
		} else {
			out.decoy = l.decoy
		}
	}
	return out
}

// clientKey returns the key of the client bucket that addr is counted in: one of
// Buckets.
func (l *Limiter) clientKey(salt, addr []byte) string {
	sum := l.sum(salt, 'c', addr)
	idx := binary.BigEndian.Uint64(sum[:8]) % uint64(l.cfg.Buckets)
	l.key = append(l.key[:0], l.prefix...)
	l.key = append(l.key, 'c', '/')
	l.key = strconv.AppendUint(l.key, idx, 10)
	return string(l.key)
}

// userKey returns the key of the user's own counter: the first 128 bits of the
// salted BLAKE2b-256 of the exact name, in hexadecimal. Two names share a key with
// probability 2^-128, and the key does not show the name.
func (l *Limiter) userKey(salt, name []byte) string {
	sum := l.sum(salt, 'u', name)
	l.key = append(l.key[:0], l.prefix...)
	l.key = append(l.key, 'u', '/')
	l.key = hex.AppendEncode(l.key, sum[:userKeyBytes])
	return string(l.key)
}

// userKeyBytes is how much of the hash names a user's counter.
const userKeyBytes = 16

// sum hashes the salt, the kind and the identifier (kept apart by a zero byte) with
// BLAKE2b-256, which has no length extension: the salt prefix makes it a keyed hash.
// (blake2b.Sum256 allocates nothing under TinyGo; crypto/sha256.Sum256 allocated
// three times a call, on every request that reaches authentication.)
func (l *Limiter) sum(salt []byte, kind byte, id []byte) [blake2b.Size256]byte {
	l.hashIn = append(l.hashIn[:0], salt...)
	l.hashIn = append(l.hashIn, kind, 0)
	l.hashIn = append(l.hashIn, id...)
	sum := blake2b.Sum256(l.hashIn)
	clear(l.hashIn) // it held a user name
	return sum
}

// CASRetries returns how many compare-and-swap conflicts were retried.
func (l *Limiter) CASRetries() uint64 { return l.casRetries }

// ClientAddress returns the address part of an Envoy source.address value
// ("10.0.0.1:5678" -> "10.0.0.1", "[2001:db8::1]:5678" -> "2001:db8::1").
// Anything it cannot read is returned unchanged.
func ClientAddress(addr string) string {
	if ap, err := netip.ParseAddrPort(addr); err == nil {
		return ap.Addr().Unmap().String()
	}
	if a, err := netip.ParseAddr(addr); err == nil {
		return a.Unmap().String()
	}
	return addr
}

// ClientKey is what a client address is counted under: the address itself for
// IPv4, its /64 network for IPv6 (one subscriber usually holds a whole /64 and
// could otherwise rotate addresses freely).
func ClientKey(client string) string {
	a, err := netip.ParseAddr(client)
	if err != nil || !a.Is6() || a.Is4In6() {
		return client
	}
	p, err := a.Prefix(64)
	if err != nil {
		return client
	}
	return p.String()
}

// bucket is one counter: 8 bytes window start (ms), 4 bytes count, 8 bytes
// blocked-until (ms), big-endian.
type bucket struct {
	windowStart  int64
	count        uint32
	blockedUntil int64
}

const bucketLen = 20

func decode(v []byte) (bucket, bool) {
	if len(v) != bucketLen {
		return bucket{}, false
	}
	return bucket{
		windowStart:  int64(binary.BigEndian.Uint64(v[0:8])),
		count:        binary.BigEndian.Uint32(v[8:12]),
		blockedUntil: int64(binary.BigEndian.Uint64(v[12:20])),
	}, true
}

func (b bucket) encode(out []byte) []byte {
	binary.BigEndian.PutUint64(out[0:8], uint64(b.windowStart))
	binary.BigEndian.PutUint32(out[8:12], b.count)
	binary.BigEndian.PutUint64(out[12:20], uint64(b.blockedUntil))
	return out[:bucketLen]
}
