// Package htpasswd parses and verifies password hashes in the formats Apache's
// htpasswd, mkpasswd and openssl passwd write: bcrypt ($2y$, $2a$, $2b$), apr1
// ($apr1$), MD5-crypt ($1$), SHA-256 crypt ($5$), SHA-512 crypt ($6$), {SHA}
// and {SSHA}.
//
// A hash is validated completely when it is parsed, so that a malformed entry is
// a configuration error and never reaches request-time verification. Errors never
// contain the hash itself.
package htpasswd

import (
	"crypto/sha1"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"strconv"
	"strings"

	"github.com/GehirnInc/crypt/apr1_crypt"
	"github.com/GehirnInc/crypt/md5_crypt"
	"github.com/GehirnInc/crypt/sha256_crypt"
	"github.com/GehirnInc/crypt/sha512_crypt"
	"golang.org/x/crypto/bcrypt"
)

// Kind is the hash algorithm of a Hash.
type Kind uint8

// Hash kinds.
const (
	Bcrypt Kind = iota + 1
	APR1
	MD5Crypt
	SHA256Crypt
	SHA512Crypt
	SHA1
	SSHA
)

var kindNames = [...]string{"", "bcrypt", "apr1", "md5-crypt", "sha256-crypt", "sha512-crypt", "sha1", "ssha"}

// String returns the lowercase algorithm name used in error messages.
func (k Kind) String() string {
	if int(k) < len(kindNames) && k != 0 {
		return kindNames[k]
	}
	return "unknown"
}

// Limits enforced at parse time so that one verification stays affordable at
// request time (a configuration is trusted, but a typo must not become a denial
// of service).
const (
	MaxBcryptCost      = 17       // the highest cost htpasswd -B -C accepts
	MaxCryptRounds     = 10000000 // SHA-crypt rounds (the spec allows up to 999999999)
	MinCryptRounds     = 1000     // SHA-crypt minimum (smaller values are clamped by the spec)
	MaxCryptPassword   = 256      // longer passwords never verify against crypt hashes (their cost grows with the square of the length)
	maxSSHASalt        = 64
	bcryptAlphabet     = "./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	cryptAlphabet      = "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	sha256CryptHashLen = 43
	sha512CryptHashLen = 86
	md5CryptHashLen    = 22
)

// Hash is a parsed, validated password hash. The zero value is not usable.
type Hash struct {
	kind   Kind
	enc    string // the full encoded hash, as configured
	cost   int    // bcrypt cost or crypt rounds
	digest []byte // {SHA}: digest; {SSHA}: digest
	salt   []byte // {SSHA}
}

// prefixes maps each recognised prefix to its kind, longest first where they overlap.
var prefixes = []struct {
	p string
	k Kind
}{
	{"$2y$", Bcrypt}, {"$2a$", Bcrypt}, {"$2b$", Bcrypt},
	{"$apr1$", APR1}, {"$1$", MD5Crypt}, {"$5$", SHA256Crypt}, {"$6$", SHA512Crypt},
	{"{SHA}", SHA1}, {"{SSHA}", SSHA},
}

// Detect reports which kind of hash s claims to be by its prefix, or 0 when s
// starts with no known prefix (and therefore is not a hash).
func Detect(s string) Kind {
	for _, p := range prefixes {
		if strings.HasPrefix(s, p.p) {
			return p.k
		}
	}
	return 0
}

// unsupported are the prefixes of password-hash formats this package does not
// verify, with their names. An entry starting with one is meant as a hash, not as a
// password that happens to look like one.
var unsupported = []struct{ p, name string }{
	{"$y$", "yescrypt"}, {"$gy$", "gost-yescrypt"}, {"$7$", "scrypt"}, {"$2x$", "bcrypt $2x$"},
	{"$argon2", "Argon2"}, {"$sha1$", "SHA1-crypt"}, {"$md5$", "Sun MD5-crypt"}, {"$md5,", "Sun MD5-crypt"},
	{"$3$", "NT hash"}, {"$pbkdf2", "PBKDF2"}, {"$scrypt$", "scrypt"},
	{"{SSHA256}", "{SSHA256}"}, {"{SSHA512}", "{SSHA512}"}, {"{SHA256}", "{SHA256}"}, {"{SHA512}", "{SHA512}"},
	{"{CRYPT}", "{CRYPT}"}, {"{MD5}", "{MD5}"}, {"{SMD5}", "{SMD5}"}, {"{PBKDF2", "{PBKDF2}"}, {"{ARGON2}", "{ARGON2}"},
}

// Unsupported returns the name of the password-hash format s is written in when
// it is one this package cannot verify (yescrypt, scrypt, Argon2, ...), or "".
// LDAP-style {SCHEME} prefixes are compared case-insensitively ("{ssha}" is
// reported too: only "{SSHA}" is supported).
func Unsupported(s string) string {
	for _, u := range unsupported {
		if len(s) >= len(u.p) && (s[:len(u.p)] == u.p || u.p[0] == '{' && strings.EqualFold(s[:len(u.p)], u.p)) {
			return u.name
		}
	}
	for _, k := range []string{"{SHA}", "{SSHA}"} {
		if len(s) >= len(k) && s[:len(k)] != k && strings.EqualFold(s[:len(k)], k) {
			return k + " spelled " + s[:len(k)]
		}
	}
	return ""
}

// Parse validates s, which must start with a known prefix (see Detect), and
// returns the parsed hash. The error says what is wrong without quoting s.
func Parse(s string) (*Hash, error) {
	k := Detect(s)
	if k == 0 {
		return nil, errors.New("not a supported hash (want $2y$, $2a$, $2b$, $apr1$, $1$, $5$, $6$, {SHA} or {SSHA})")
	}
	h := &Hash{kind: k, enc: s}
	var err error
	switch k {
	case Bcrypt:
		err = h.parseBcrypt()
	case APR1:
		err = parseMD5Crypt(s[len("$apr1$"):])
	case MD5Crypt:
		err = parseMD5Crypt(s[len("$1$"):])
	case SHA256Crypt:
		h.cost, err = parseSHACrypt(s[len("$5$"):], sha256CryptHashLen)
	case SHA512Crypt:
		h.cost, err = parseSHACrypt(s[len("$6$"):], sha512CryptHashLen)
	case SHA1:
		err = h.parseSHA1(s[len("{SHA}"):])
	case SSHA:
		err = h.parseSSHA(s[len("{SSHA}"):])
	}
	if err != nil {
		return nil, errors.New("bad " + k.String() + " hash: " + err.Error())
	}
	if k == APR1 || k == MD5Crypt {
		h.cost = 1000
	}
	return h, nil
}

func (h *Hash) parseBcrypt() error {
	s := h.enc
	// $2y$NN$ + 22 salt + 31 hash = 60 bytes.
	if len(s) != 60 {
		return errors.New("length " + strconv.Itoa(len(s)) + ", want 60")
	}
	if s[6] != '$' || !isDigit(s[4]) || !isDigit(s[5]) {
		return errors.New("cost must be two digits followed by $")
	}
	cost := int(s[4]-'0')*10 + int(s[5]-'0')
	if cost < bcrypt.MinCost || cost > MaxBcryptCost {
		return errors.New("cost " + strconv.Itoa(cost) + " outside " + strconv.Itoa(bcrypt.MinCost) + ".." + strconv.Itoa(MaxBcryptCost))
	}
	for i := 7; i < len(s); i++ {
		if strings.IndexByte(bcryptAlphabet, s[i]) < 0 {
			return errors.New("invalid character in salt or digest")
		}
	}
	// Let the library confirm it can read it (it re-checks version and cost).
	if c, err := bcrypt.Cost([]byte(s)); err != nil || c != cost {
		return errors.New("rejected by bcrypt")
	}
	h.cost = cost
	return nil
}

func parseMD5Crypt(rest string) error {
	salt, sum, ok := strings.Cut(rest, "$")
	if !ok {
		return errors.New("missing $ after salt")
	}
	if len(salt) == 0 || len(salt) > 8 {
		return errors.New("salt length " + strconv.Itoa(len(salt)) + ", want 1..8")
	}
	if !inAlphabet(salt, cryptAlphabet) {
		return errors.New("invalid character in salt")
	}
	if len(sum) != md5CryptHashLen || !inAlphabet(sum, cryptAlphabet) {
		return errors.New("digest must be " + strconv.Itoa(md5CryptHashLen) + " characters of [./0-9A-Za-z]")
	}
	return nil
}

func parseSHACrypt(rest string, sumLen int) (rounds int, err error) {
	rounds = 5000
	if r, ok := strings.CutPrefix(rest, "rounds="); ok {
		num, after, found := strings.Cut(r, "$")
		if !found {
			return 0, errors.New("missing $ after rounds")
		}
		n, convErr := strconv.Atoi(num)
		if convErr != nil || num == "" || num[0] == '+' || num[0] == '-' {
			return 0, errors.New("rounds is not a number")
		}
		if n < MinCryptRounds || n > MaxCryptRounds {
			return 0, errors.New("rounds " + num + " outside " + strconv.Itoa(MinCryptRounds) + ".." + strconv.Itoa(MaxCryptRounds))
		}
		rounds = n
		rest = after
	}
	salt, sum, ok := strings.Cut(rest, "$")
	if !ok {
		return 0, errors.New("missing $ after salt")
	}
	if len(salt) > 16 {
		return 0, errors.New("salt length " + strconv.Itoa(len(salt)) + ", want at most 16")
	}
	if strings.ContainsAny(salt, "$:\n") {
		return 0, errors.New("invalid character in salt")
	}
	if len(sum) != sumLen || !inAlphabet(sum, cryptAlphabet) {
		return 0, errors.New("digest must be " + strconv.Itoa(sumLen) + " characters of [./0-9A-Za-z]")
	}
	return rounds, nil
}

func (h *Hash) parseSHA1(b64 string) error {
	d, err := base64.StdEncoding.DecodeString(b64)
	if err != nil || len(d) != sha1.Size {
		return errors.New("want base64 of a 20-byte SHA-1 digest")
	}
	h.digest = d
	return nil
}

func (h *Hash) parseSSHA(b64 string) error {
	d, err := base64.StdEncoding.DecodeString(b64)
	if err != nil || len(d) <= sha1.Size || len(d) > sha1.Size+maxSSHASalt {
		return errors.New("want base64 of a 20-byte SHA-1 digest followed by a 1.." + strconv.Itoa(maxSSHASalt) + " byte salt")
	}
	h.digest, h.salt = d[:sha1.Size], d[sha1.Size:]
	return nil
}

// Kind returns the algorithm.
func (h *Hash) Kind() Kind { return h.kind }

// Cost returns the bcrypt cost or the number of crypt rounds (0 for {SHA}/{SSHA}).
func (h *Hash) Cost() int { return h.cost }

// Slow reports whether one verification is expensive enough to be worth caching
// (bcrypt and the crypt family; {SHA} and {SSHA} are a single SHA-1).
func (h *Hash) Slow() bool { return h.kind != SHA1 && h.kind != SSHA }

// Work estimates the relative cost of one verification, for choosing the most
// expensive hash as the dummy an unknown user is checked against.
func (h *Hash) Work() uint64 {
	switch h.kind {
	case Bcrypt:
		return uint64(1) << uint(h.cost) * 64
	case SHA256Crypt, SHA512Crypt, APR1, MD5Crypt:
		return uint64(h.cost)
	}
	return 1
}

// Verify reports whether password matches the hash. The final comparison is
// constant-time. Passwords longer than MaxCryptPassword never match a crypt-family
// hash, and passwords longer than 72 bytes never match bcrypt (bcrypt ignores
// the excess, which would let different passwords match).
func (h *Hash) Verify(password []byte) bool {
	switch h.kind {
	case Bcrypt:
		return len(password) <= 72 && bcrypt.CompareHashAndPassword([]byte(h.enc), password) == nil
	case APR1:
		return len(password) <= MaxCryptPassword && apr1_crypt.New().Verify(h.enc, password) == nil
	case MD5Crypt:
		return len(password) <= MaxCryptPassword && md5_crypt.New().Verify(h.enc, password) == nil
	case SHA256Crypt:
		return len(password) <= MaxCryptPassword && sha256_crypt.New().Verify(h.enc, password) == nil
	case SHA512Crypt:
		return len(password) <= MaxCryptPassword && sha512_crypt.New().Verify(h.enc, password) == nil
	case SHA1:
		sum := sha1.Sum(password)
		return subtle.ConstantTimeCompare(sum[:], h.digest) == 1
	case SSHA:
		d := sha1.New()
		d.Write(password)
		d.Write(h.salt)
		var buf [sha1.Size]byte
		return subtle.ConstantTimeCompare(d.Sum(buf[:0]), h.digest) == 1
	}
	return false
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func inAlphabet(s, alphabet string) bool {
	for i := 0; i < len(s); i++ {
		if strings.IndexByte(alphabet, s[i]) < 0 {
			return false
		}
	}
	return true
}
