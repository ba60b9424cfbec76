package auth

import (
	"crypto/rand"
	"hash"

	"golang.org/x/crypto/blake2b"

	"github.com/wasmauth/wasmauth/config"
	"github.com/wasmauth/wasmauth/config/normalize"
)

// MaxMethodLen bounds the request method; longer methods are refused (400).
const MaxMethodLen = config.MaxMethodLen

// Decider applies a Policy to requests. It holds working buffers and the
// bounded cache of verified slow-hash credentials, so it is NOT safe for
// concurrent use: use one per goroutine (a proxy-wasm VM is single-threaded).
// The Policy itself is shared freely.
type Decider struct {
	p       *config.Policy
	cache   *verifiedCache
	mac     hash.Hash // BLAKE2b-256 keyed per Decider: cache keys
	macHdr  [12]byte  // the cache key's length header
	key     cacheKey  // the current cache key (a field: a local escapes into the cache's map)
	buf     []byte    // decoded credentials (zeroed after each request)
	ids     []int32
	scratch []int32
	memo    [4]memoEntry // per-request verification results
	cs      credState    // the current request's credentials (a field: no allocation)
	nmemo   int
	spent   uint64 // the Work of the slow verifications run since the rules began
	stats   Stats
	thr     Throttle
}

// Throttle limits authentication attempts (package auth/throttle implements it
// over proxy-wasm shared data).
//
// user is the name the request carries (empty: none, or malformed credentials)
// and configured reports whether the policy has a user of that name
// (config.Policy.KnownUser). Only a configured user may be counted and blocked
// per user: an unknown name can never succeed, and counting it would let anyone
// reach real users' counters with made-up names. An implementation should spend
// about the same time on both, so that timing does not tell them apart.
type Throttle interface {
	// Blocked returns for how many more seconds attempts from client or for user
	// are refused; 0 when they are not. client may be empty (unknown).
	Blocked(client string, user []byte, configured bool) int
	// Failure records one failed authentication.
	Failure(client string, user []byte, configured bool)
}

// SetThrottle makes the Decider consult t before verifying credentials and
// report failures to it; nil turns throttling off.
func (d *Decider) SetThrottle(t Throttle) { d.thr = t }

// Stats counts the expensive work a Decider did (for tests and metrics).
type Stats struct {
	SlowVerifications uint64 // slow-hash verifications actually run (cache misses + dummy checks)
	CacheHits         uint64
	Throttled         uint64 // requests refused by the throttle
}

type memoEntry struct {
	id int
	ok bool
}

// NewDecider returns a Decider for p. The slow-hash cache has p.CacheSize()
// entries; if no random key can be obtained the cache is disabled (every
// verification is then done in full).
func NewDecider(p *config.Policy) *Decider {
	d := &Decider{p: p}
	if p.CacheSize() > 0 && p.HasSlowHashes() {
		var key [32]byte
		if _, err := rand.Read(key[:]); err == nil {
			// Keyed BLAKE2b is a MAC of its own; unlike crypto/hmac's SHA-256 states,
			// its state does not escape under TinyGo: a cached check allocates nothing.
			if mac, err := blake2b.New256(key[:]); err == nil {
				d.mac = mac
				d.cache = newVerifiedCache(p.CacheSize())
			}
		}
	}
	return d
}

// Stats returns counters of the work done so far.
func (d *Decider) Stats() Stats { return d.stats }

// CacheLen returns the number of cached verified credentials.
func (d *Decider) CacheLen() int { return d.cache.len() }

// credState is the request's credentials, parsed at most once.
type credState struct {
	parsed    bool
	present   bool // some credential was sent
	valid     bool // it parsed
	user, pwd []byte
	known     bool // user is a configured user name (set when the throttle is consulted)
	throttled bool // the throttle was consulted for this request
	retry     int  // seconds to wait, when throttled
}

// Decide returns the verdict for r. It never panics on any input, never keeps the
// password after returning, and keeps no string of r at all: callers may pass
// strings that alias memory they reuse (the filter's header list does). The
// verdict's strings are the policy's or constants.
func (d *Decider) Decide(r *Request) Verdict {
	v := Verdict{Rule: -1, GRPCStatus: -1, DryRun: d.p.DryRun()}
	if r == nil {
		v.deny(DenyBadRequest, ReasonInvalidMethod)
		return v
	}
	facts := r.facts()
	v.GRPC = facts.grpc
	if len(r.Method) > MaxMethodLen || !normalize.IsToken(r.Method) {
		v.deny(DenyBadRequest, ReasonInvalidMethod)
		return v
	}
	if !d.p.HasMatchers() {
		return d.unmatched(v)
	}
	if facts.dupPseudo {
		v.deny(DenyBadRequest, ReasonDuplicatePseudo)
		return v
	}
	if hasFragment(r.Path) {
		v.deny(DenyBadRequest, ReasonFragment)
		return v
	}
	path, query, err := normalize.Path(r.Path)
	if err != nil {
		v.deny(DenyBadRequest, err.Error())
		return v
	}
	hasQuery := len(query) > 0 || hasQueryMark(r.Path)
	if path == "*" && r.Method != "OPTIONS" {
		v.deny(DenyBadRequest, ReasonAsterisk)
		return v
	}
	host, hostOK := normalize.Host(r.Authority)
	if r.Authority != "" && (!hostOK || !hostLabelsOK(host)) {
		// A malformed authority could still be routed to a protected virtual host
		// (Envoy matches "host:*" domains, strips ports and trailing dots its own
		// way): refuse it rather than treat it as "no host".
		v.deny(DenyBadRequest, ReasonBadAuthority)
		return v
	}
	t := config.Target{Host: host, HostOK: hostOK, Path: path, Query: query, HasQuery: hasQuery, Method: r.Method}

	var exempt bool
	d.ids, exempt = d.p.Exempt(&t, d.ids, &d.scratch)
	if exempt {
		v.Outcome, v.Reason = Exempt, ReasonExempt
		return v
	}
	// Exemptions compare the method as received with the configured methods, which the
	// parser upper-cased (exemptions only ever widen access, so "get" is not exempt by
	// a GET exemption); rules compare it case-insensitively: backends that upper-case
	// methods (WSGI, many frameworks) would otherwise serve "post" as a POST that no
	// rule checked.
	t.Method = upperMethod(r.Method)
	d.ids = d.p.MatchRules(&t, d.ids, &d.scratch)
	if len(d.ids) == 0 {
		return d.unmatched(v)
	}

	d.nmemo = 0
	d.spent = 0
	defer d.wipe() // also leaves d.cs empty for the next request
	return d.decideRules(r, &facts, v)
}

// decideRules applies the matched rules (d.ids) in order: every one must pass.
func (d *Decider) decideRules(r *Request, facts *headerFacts, v Verdict) Verdict {
	cs := &d.cs
	user := ""
	for _, id := range d.ids {
		rule := d.p.Rule(int(id))
		if rule.NeedsCredentials() {
			name, o, reason := d.authenticate(rule, r, facts, cs)
			if o != Allow {
				v.Rule = int(id)
				v.deny(o, reason)
				v.RetryAfter = cs.retry
				return v
			}
			user = name
		}
		for i, checks := 0, rule.Metadata(); i < len(checks); i++ {
			if !checks[i].Eval(r.Headers) {
				v.Rule = int(id)
				v.deny(DenyForbidden, ReasonMetadata)
				return v
			}
		}
	}
	v.Outcome, v.Rule, v.User = Allow, int(d.ids[0]), user
	v.Reason = ReasonNoCheck
	if user != "" {
		v.Reason = ReasonAuthenticated
	}
	return v
}

func (d *Decider) unmatched(v Verdict) Verdict {
	if d.p.DefaultAction() == config.ActionDeny {
		v.deny(DenyUnmatched, ReasonNoRule)
		return v
	}
	v.Outcome, v.Reason = Unmatched, ReasonNoRule
	return v
}

// wipe clears the decoded credentials from the reusable buffer, and their cache key.
func (d *Decider) wipe() {
	if d.cs.parsed {
		clear(d.buf)
		d.key = cacheKey{}
	}
	d.cs = credState{}
}

// authenticate checks the request's credentials for one rule. It returns the
// configured user name on success, or the denial outcome and reason.
func (d *Decider) authenticate(rule *config.Rule, r *Request, facts *headerFacts, cs *credState) (string, Outcome, string) {
	if !cs.parsed {
		d.parseCredentials(r, facts, cs)
	}
	if d.thr != nil && !cs.throttled {
		// Before any verification: a blocked client or user costs no hashing.
		cs.throttled = true
		var user []byte
		if cs.present && cs.valid {
			user = cs.user
			cs.known = d.p.KnownUser(user)
		}
		if s := d.thr.Blocked(r.Client, user, cs.known); s > 0 {
			cs.retry = s
			d.stats.Throttled++
			return "", DenyThrottled, ReasonThrottled
		}
	}
	if !cs.present {
		return "", DenyUnauthenticated, ReasonMissingCredentials
	}
	if !cs.valid {
		d.burnDummy(cs.pwd) // a malformed value costs what a wrong password costs
		if d.thr != nil {
			d.thr.Failure(r.Client, nil, false)
		}
		return "", DenyUnauthenticated, ReasonMalformedCredentials
	}
	// The names returned are the configured ones, never the request's bytes.
	local := rule.Credential(cs.user)
	for c := local; c != nil; c = c.Next() {
		if d.verify(c, cs.user, cs.pwd) {
			return c.User(), Allow, ""
		}
	}
	global := d.p.User(cs.user)
	if global != nil {
		if !d.verify(global, cs.user, cs.pwd) {
			d.evenOutFailure(cs.pwd)
			d.failure(r, cs)
			return "", DenyUnauthenticated, ReasonBadCredentials
		}
		if !rule.Allows(cs.user) {
			return "", DenyForbidden, ReasonUserNotAllowed
		}
		return global.User(), Allow, ""
	}
	if local == nil {
		d.burnDummy(cs.pwd)
	} else {
		d.evenOutFailure(cs.pwd)
	}
	d.failure(r, cs)
	return "", DenyUnauthenticated, ReasonBadCredentials
}

// failure reports a wrong password (or unknown user) to the throttle, which
// counts it per user only when the name is configured (cs.known, set before any
// verification when the throttle was consulted).
func (d *Decider) failure(r *Request, cs *credState) {
	if d.thr != nil {
		d.thr.Failure(r.Client, cs.user, cs.known)
	}
}

// evenOutFailure makes a wrong password for a user whose entries are cheaper than
// the dummy (plaintext, {SHA}, a bcrypt cost below the policy's highest) cost at
// least what an unknown user costs when the policy holds slow hashes (the dummy is
// then the slowest): otherwise timing would tell those user names from unknown
// ones. Successful checks stay fast; a request whose slow verifications already
// cost as much as the dummy is left alone.
func (d *Decider) evenOutFailure(pwd []byte) {
	if dummy := d.p.Dummy(); dummy.Slow() && d.spent < dummy.Work() {
		d.burnDummy(pwd)
	}
}

// burnDummy spends about the cost of one real verification of pwd; the result is
// ignored.
func (d *Decider) burnDummy(pwd []byte) {
	dummy := d.p.Dummy()
	if dummy.Slow() {
		d.stats.SlowVerifications++
		d.spent += dummy.Work()
	}
	dummy.Verify(pwd)
}

// verify checks pwd against c, consulting the per-request memo and, for slow
// hashes, the bounded cache of verified credentials.
func (d *Decider) verify(c *config.Credential, user, pwd []byte) bool {
	for i := 0; i < d.nmemo; i++ {
		if d.memo[i].id == c.ID() {
			return d.memo[i].ok
		}
	}
	ok := d.verifyUncached(c, user, pwd)
	if d.nmemo < len(d.memo) {
		d.memo[d.nmemo] = memoEntry{id: c.ID(), ok: ok}
		d.nmemo++
	}
	return ok
}

func (d *Decider) verifyUncached(c *config.Credential, user, pwd []byte) bool {
	if !c.Slow() {
		return c.Verify(pwd)
	}
	key := &d.key
	if d.cache != nil {
		d.cacheKey(key, c.ID(), user, pwd)
		if d.cache.contains(key) {
			d.stats.CacheHits++
			return true
		}
	}
	d.stats.SlowVerifications++
	d.spent += c.Work()
	if !c.Verify(pwd) {
		return false
	}
	if d.cache != nil {
		d.cache.add(key)
	}
	return true
}

func (d *Decider) cacheKey(k *cacheKey, id int, user, pwd []byte) {
	d.mac.Reset()
	hdr := &d.macHdr // a field: a local would escape through the hash.Hash interface
	// Lengths first so that no two (user, password, id) triples share an input.
	put32(hdr[0:], uint32(id))
	put32(hdr[4:], uint32(len(user)))
	put32(hdr[8:], uint32(len(pwd)))
	d.mac.Write(hdr[:])
	d.mac.Write(user)
	d.mac.Write(pwd)
	d.mac.Sum(k[:0])
}

func put32(b []byte, v uint32) {
	b[0], b[1], b[2], b[3] = byte(v>>24), byte(v>>16), byte(v>>8), byte(v)
}

// parseCredentials reads the authorization header or, when there is none and
// the policy names them, the metadata credential keys.
func (d *Decider) parseCredentials(r *Request, facts *headerFacts, cs *credState) {
	cs.parsed = true
	if facts.authCount > 0 {
		cs.present = true
		if facts.authCount > 1 {
			return // more than one authorization header: invalid
		}
		var ok bool
		cs.user, cs.pwd, d.buf, ok = parseBasic(facts.authorization, d.buf)
		cs.valid = ok
		return
	}
	uk, pk := d.p.MetadataCredentialKeys()
	if uk == "" {
		return
	}
	uc, pc := 0, 0
	var uv, pv string
	for i := range r.Headers {
		switch r.Headers[i][0] {
		case uk:
			uc++
			uv = r.Headers[i][1]
		case pk:
			pc++
			pv = r.Headers[i][1]
		}
	}
	if uc == 0 && pc == 0 {
		return
	}
	cs.present = true
	if uc != 1 || pc != 1 || len(uv) > MaxCredentialLen || len(pv) > MaxCredentialLen {
		return
	}
	n := len(uv) + len(pv)
	if cap(d.buf) < n {
		d.buf = make([]byte, n)
	}
	d.buf = d.buf[:n]
	copy(d.buf, uv)
	copy(d.buf[len(uv):], pv)
	cs.user, cs.pwd = d.buf[:len(uv)], d.buf[len(uv):]
	cs.valid = validUser(cs.user)
}

func hasQueryMark(raw string) bool {
	for i := 0; i < len(raw); i++ {
		switch raw[i] {
		case '?':
			return true
		case '#':
			return false
		}
	}
	return false
}

// isGRPCContentType reports whether a request's first content-type makes it a gRPC
// call as Envoy decides it (and so whether Envoy turns a local reply into a gRPC
// status): exactly application/grpc or starting with application/grpc+
// (application/grpc+proto), case-sensitively. gRPC-Web (application/grpc-web...) is
// not: Envoy answers it with a plain HTTP status.
func isGRPCContentType(v string) bool {
	const want = "application/grpc"
	if len(v) < len(want) || v[:len(want)] != want {
		return false
	}
	return len(v) == len(want) || v[len(want)] == '+'
}

// hasFragment reports whether the raw path contains '#'. A fragment is never sent
// in a request target; a backend that does not strip it may resolve "/a#/../b"
// differently from the path the rules saw.
func hasFragment(raw string) bool {
	for i := 0; i < len(raw); i++ {
		if raw[i] == '#' {
			return true
		}
	}
	return false
}

// hostLabelsOK reports whether a normalised host has no empty label (no leading
// dot, no "..", no trailing dot left after normalisation removed one).
func hostLabelsOK(h string) bool {
	if h == "" || h[0] == '[' {
		return true
	}
	if h[0] == '.' || h[len(h)-1] == '.' {
		return false
	}
	for i := 1; i < len(h); i++ {
		if h[i] == '.' && h[i-1] == '.' {
			return false
		}
	}
	return true
}

// upperMethod returns m upper-cased (m itself when it has no lower-case letter).
func upperMethod(m string) string {
	for i := 0; i < len(m); i++ {
		if c := m[i]; c >= 'a' && c <= 'z' {
			b := []byte(m)
			for j := i; j < len(b); j++ {
				if b[j] >= 'a' && b[j] <= 'z' {
					b[j] -= 'a' - 'A'
				}
			}
			return string(b)
		}
	}
	return m
}
