// Package config parses the wasmauth plugin configuration (the WasmPlugin's
// pluginConfig, as JSON) into an immutable, indexed Policy.
//
// The format is a superset of the istio-ecosystem wasm-extensions basic_auth
// plugin's: `realm` and `basic_auth_rules` (hosts, prefix/exact/suffix,
// request_methods, credentials) keep their meaning, and hashed credentials,
// shared users with per-rule allow lists, metadata checks, exemptions,
// default-deny, username forwarding and credential stripping are added.
// See Parse for every field.
package config

import (
	"crypto/subtle"

	"github.com/wasmauth/wasmauth/config/htpasswd"
)

// Action is what happens to a request that no rule matches.
type Action uint8

// Default actions.
const (
	ActionAllow Action = iota // let the request through (the replaced plugin's behaviour)
	ActionDeny                // answer 403 "no rule matches"
)

// String returns "allow" or "deny".
func (a Action) String() string {
	if a == ActionDeny {
		return "deny"
	}
	return "allow"
}

// DefaultRealm is the realm used when the configuration sets none.
const DefaultRealm = "istio"

// DefaultCacheSize is the default number of verified slow-hash results kept.
const DefaultCacheSize = 1024

// MaxCacheSize bounds cache_size.
const MaxCacheSize = 1 << 20

// Policy is a parsed configuration. It is immutable and safe to share.
type Policy struct {
	realm         string
	rules         []Rule
	ruleIdx       *index
	exemptIdx     *index
	users         map[string]*Credential // during parsing; then frozen into userTab
	userTab       strMap[*Credential]
	names         strMap[bool] // every configured user name: userTab's and every rule's own
	defaultAction Action
	forwardUser   string
	strip         bool
	mdUser        string
	mdPass        string
	dryRun        bool
	cacheSize     int
	dummy         *Credential
	slow          bool
	throttle      *Throttle
	warnings      Errors
}

// Warnings lists what the configuration says that cannot work as written but
// was accepted because the istio-ecosystem plugin accepted it: a path, host or
// method that no request can match, a pattern that is matched in normal form, an
// empty password, a realm with control characters (removed), an unknown field
// (ignored). The filter logs them when it loads the configuration.
func (p *Policy) Warnings() Errors { return p.warnings }

// Realm is the realm announced in WWW-Authenticate (default "istio"); it
// contains no control characters. A realm configured with its own quotes, as
// the istio-ecosystem plugin (which did not quote) needed, is without them.
func (p *Policy) Realm() string { return p.realm }

// Challenge is the WWW-Authenticate value of a 401 reply: Basic with the realm
// as a quoted-string (RFC 7617), '"' and '\' escaped.
func (p *Policy) Challenge() string {
	b := make([]byte, 0, len(`Basic realm=""`)+len(p.realm)+4)
	b = append(b, `Basic realm="`...)
	for i := 0; i < len(p.realm); i++ {
		if c := p.realm[i]; c == '"' || c == '\\' {
			b = append(b, '\\')
		}
		b = append(b, p.realm[i])
	}
	return string(append(b, '"'))
}

// realmText is the realm a configured value names: the value without the
// surrounding quotes some configurations of the istio-ecosystem plugin carried.
func realmText(s string) string {
	if len(s) >= 2 && s[0] == '"' && s[len(s)-1] == '"' {
		return s[1 : len(s)-1]
	}
	return s
}

// DryRun reports whether decisions are only logged and counted, never enforced.
func (p *Policy) DryRun() bool { return p.dryRun }

// ForwardUserHeader is the lowercase header that carries the authenticated
// user upstream, or "" when forwarding is off.
func (p *Policy) ForwardUserHeader() string { return p.forwardUser }

// StripCredentials reports whether authorization and the metadata credential
// headers are removed before the request goes upstream.
func (p *Policy) StripCredentials() bool { return p.strip }

// MetadataCredentialKeys returns the lowercase header (gRPC metadata) names
// that carry the user name and password when there is no authorization
// header; both are "" when not configured.
func (p *Policy) MetadataCredentialKeys() (user, pass string) { return p.mdUser, p.mdPass }

// RuleNames returns the rule names in configuration order (a fresh slice).
func (p *Policy) RuleNames() []string {
	out := make([]string, len(p.rules))
	for i := range p.rules {
		out[i] = p.rules[i].name
	}
	return out
}

// DefaultAction is what happens to requests that no rule matches.
func (p *Policy) DefaultAction() Action { return p.defaultAction }

// CacheSize is the maximum number of entries of the verified slow-hash cache
// (0 = no cache).
func (p *Policy) CacheSize() int { return p.cacheSize }

// NumRules returns the number of rules.
func (p *Policy) NumRules() int { return len(p.rules) }

// Rule returns rule i (0 <= i < NumRules()).
func (p *Policy) Rule(i int) *Rule { return &p.rules[i] }

// HasMatchers reports whether the policy has any rule or exemption (a policy
// without them never needs to look at the request path).
func (p *Policy) HasMatchers() bool { return len(p.rules) > 0 || len(p.exemptIdx.methods) > 0 }

// User returns the top-level user entry with this name, or nil. The name is a
// byte slice, as decoded from a request; the lookup does not allocate.
func (p *Policy) User(name []byte) *Credential { c, _ := p.userTab.getBytes(name); return c }

// KnownUser reports whether name is a configured user name: one of users,
// users_from_env or any rule's own credentials (whichever rule). Names compare
// exactly, as the credential lookups do; the lookup does not allocate and costs
// about the same for known and unknown names (one hash of the name, a probe).
func (p *Policy) KnownUser(name []byte) bool { _, ok := p.names.getBytes(name); return ok }

// Dummy returns the most expensive credential in the policy (or a plaintext
// stand-in): checking an unknown user's password against it costs about what
// a wrong password for a real user costs. Its result must be ignored.
func (p *Policy) Dummy() *Credential { return p.dummy }

// HasSlowHashes reports whether any credential uses a slow hash.
func (p *Policy) HasSlowHashes() bool { return p.slow }

// MatchRules appends to dst[:0] the indexes of the rules that select t, in
// configuration order. scratch is working space the caller may reuse across
// calls (nothing is allocated once both have grown).
func (p *Policy) MatchRules(t *Target, dst []int32, scratch *[]int32) []int32 {
	return p.ruleIdx.match(t, dst, scratch)
}

// Exempt reports whether an exemption selects t.
func (p *Policy) Exempt(t *Target, dst []int32, scratch *[]int32) ([]int32, bool) {
	dst = p.exemptIdx.match(t, dst, scratch)
	return dst, len(dst) > 0
}

// Rule is one parsed entry of basic_auth_rules.
type Rule struct {
	name     string
	matcher  matcher
	byUser   map[string]*Credential // the rule's own credentials, during parsing
	allow    map[string]bool        // allowed top-level users, during parsing
	creds    strMap[*Credential]    // byUser, frozen
	allowed  strMap[bool]           // allow, frozen
	allowAll bool                   // allow: ["*"]
	metadata []MetadataCheck
}

// Name is the rule name (configured, or "rule<i>").
func (r *Rule) Name() string { return r.name }

// NeedsCredentials reports whether the rule authenticates (has credentials or
// an allow list); a rule without is a metadata-only rule.
func (r *Rule) NeedsCredentials() bool {
	return r.creds.len() > 0 || r.allowAll || r.allowed.len() > 0
}

// Credential returns the rule's own credential entry for user, or nil; the lookup
// does not allocate.
func (r *Rule) Credential(user []byte) *Credential { c, _ := r.creds.getBytes(user); return c }

// Allows reports whether the top-level user may pass this rule; the lookup does not
// allocate.
func (r *Rule) Allows(user []byte) bool {
	if r.allowAll {
		return true
	}
	_, ok := r.allowed.getBytes(user)
	return ok
}

// Metadata returns the rule's metadata checks (do not modify).
func (r *Rule) Metadata() []MetadataCheck { return r.metadata }

// Credential is one configured user with a plaintext password or a password hash.
type Credential struct {
	user   string
	secret []byte // the plaintext password (empty only in a rule's credentials); nil for hashes
	hash   *htpasswd.Hash
	id     int
	next   *Credential // the same user's next entry in a rule's credentials
}

// Next is another entry for the same user in the same rule's credentials (each
// lets the user in), or nil.
func (c *Credential) Next() *Credential { return c.next }

// User is the user name.
func (c *Credential) User() string { return c.user }

// ID is unique per credential entry within a policy (a cache key component).
func (c *Credential) ID() int { return c.id }

// Slow reports whether verifying this entry is expensive (worth caching).
func (c *Credential) Slow() bool { return c.hash != nil && c.hash.Slow() }

// Verify checks password in constant time: for a plaintext entry the time depends
// only on len(password); hashes use the algorithm's own verification.
func (c *Credential) Verify(password []byte) bool {
	if c.hash != nil {
		return c.hash.Verify(password)
	}
	return equalSecret(c.secret, password)
}

// equalSecret reports whether given equals secret. It reads every byte of given
// once, pairing it with secret's bytes in turn, with no branch or early exit on
// either: the time depends only on len(given), which the client chose, so timing
// reveals neither the secret nor its length (only whether it is empty). It
// replaced comparing SHA-256 digests, which cost 1.4 us and three allocations per
// request under TinyGo while hiding nothing more.
func equalSecret(secret, given []byte) bool {
	if len(secret) == 0 {
		return len(given) == 0
	}
	var diff byte
	j := 0
	for i := 0; i < len(given); i++ {
		diff |= given[i] ^ secret[j]
		j = subtle.ConstantTimeSelect(subtle.ConstantTimeEq(int32(j+1), int32(len(secret))), 0, j+1)
	}
	return subtle.ConstantTimeByteEq(diff, 0)&subtle.ConstantTimeEq(int32(len(given)), int32(len(secret))) == 1
}

// Work estimates the relative cost of verifying a password against c: 0 for
// plaintext, comparable across hash kinds otherwise (see htpasswd.Hash.Work).
func (c *Credential) Work() uint64 { return c.work() }

func (c *Credential) work() uint64 {
	if c.hash == nil {
		return 0
	}
	return c.hash.Work()
}
