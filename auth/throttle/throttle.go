// Package throttle counts failed authentications per client address and per user
// name and blocks further attempts for a cool-down once a limit is reached.
//
// Counters live in a Store shared by every VM of the gateway (proxy-wasm shared
// data, which has compare-and-swap but no delete), so memory is bounded by design:
// each kind (client, user) has a fixed number of buckets, and an identifier is
// mapped to a bucket by SHA-256 under a random salt that the first VM stores in the
// Store. Without the salt, an attacker cannot pick identifiers that collide with a
// victim's bucket. Distinct identifiers may still share a bucket (and its count):
// more buckets make that rarer.
//
// Counting is a fixed window per bucket: the first failure opens a window of
// WindowSeconds; reaching MaxFailures within it blocks the bucket for
// BlockSeconds. Attempts refused while blocked are not counted (a block never
// extends itself), and successful logins do not reset anything.
//
// The package is pure Go (no proxy-wasm import): the filter supplies the Store and
// the clock.
package throttle

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"net/netip"
	"strconv"

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
// are refused (0: not blocked). Empty identifiers (unknown client, no user name)
// and kinds not configured are not checked.
func (l *Limiter) Blocked(client string, user []byte) int {
	salt, err := l.salt()
	if err != nil {
		return 0
	}
	now := l.now()
	var until int64
	keys := l.keys(salt, client, user)
	for _, k := range keys.list() {
		v, _, err := l.store.Get(k)
		if err != nil {
			continue
		}
		if b, ok := decode(v); ok && b.blockedUntil > until {
			until = b.blockedUntil
		}
	}
	if until <= now {
		return 0
	}
	return int((until - now + 999) / 1000)
}

// Failure records one failed authentication for client and user.
func (l *Limiter) Failure(client string, user []byte) {
	salt, err := l.salt()
	if err != nil {
		return
	}
	keys := l.keys(salt, client, user)
	for _, k := range keys.list() {
		l.fail(k)
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

// bucketKeys are the bucket keys of one request: at most one per kind.
type bucketKeys struct {
	key [2]string
	n   int
}

func (k *bucketKeys) list() []string { return k.key[:k.n] }

// keys returns the bucket keys for the configured kinds with non-empty identifiers.
// (Built without a slice, a []byte conversion or string concatenations: under
// TinyGo each of those allocates, and this runs on every request that reaches
// authentication.)
func (l *Limiter) keys(salt []byte, client string, user []byte) bucketKeys {
	var out bucketKeys
	if l.cfg.PerClient && client != "" {
		l.buf = append(l.buf[:0], ClientKey(client)...)
		out.key[out.n] = l.bucketKey(salt, 'c', l.buf)
		out.n++
	}
	if l.cfg.PerUser && len(user) > 0 {
		out.key[out.n] = l.bucketKey(salt, 'u', user)
		out.n++
	}
	return out
}

// bucketKey returns the key of id's bucket.
func (l *Limiter) bucketKey(salt []byte, kind byte, id []byte) string {
	l.hashIn = append(l.hashIn[:0], salt...)
	l.hashIn = append(l.hashIn, kind, 0)
	l.hashIn = append(l.hashIn, id...)
	sum := sha256.Sum256(l.hashIn)
	clear(l.hashIn) // it held a user name
	idx := binary.BigEndian.Uint64(sum[:8]) % uint64(l.cfg.Buckets)
	l.key = append(l.key[:0], l.prefix...)
	l.key = append(l.key, kind, '/')
	l.key = strconv.AppendUint(l.key, idx, 10)
	return string(l.key)
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
