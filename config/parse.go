package config

import (
	"encoding/base64"
	"iter"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/tidwall/gjson"
	"github.com/wasmauth/wasmauth/config/htpasswd"
	"github.com/wasmauth/wasmauth/config/normalize"
)

// Parse parses a pluginConfig JSON document, which may open with a UTF-8
// byte-order mark. Empty input, whitespace and {} are an empty configuration
// that allows every request. On error, the result is Errors: every problem
// found, one "json.path: message" per line.
//
// Top-level fields:
//
//	realm                 string, default "istio"; sent as a quoted-string ('"' and
//	                      '\' escaped, surrounding quotes dropped); control
//	                      characters are removed with a warning
//	basic_auth_rules      array of rules (below)
//	users                 array of credential entries shared by all rules
//	exemptions            array of {hosts, prefix|exact|suffix, request_methods}:
//	                      matching requests skip authentication entirely
//	default_action        "allow" (default) or "deny" (unmatched requests get 403)
//	forward_user_header   header carrying the authenticated user upstream ("" = off)
//	strip_credentials     bool: remove authorization / metadata credentials upstream
//	metadata_credentials  {"username": key, "password": key}: gRPC metadata credentials
//	dry_run               bool: decide and report, never deny
//	cache_size            int 0..1048576, default 1024: verified slow-hash cache entries
//	throttle              {max_failures, window_seconds, block_seconds, per, buckets}:
//	                      brute-force throttling (off when absent; see Throttle)
//
// A rule has: name ([a-z0-9_-]{1,64}, unique, default "rule<i>"), hosts
// (exact, "*.suffix" or "prefix.*"; none = every host), exactly one of prefix,
// exact, suffix (matched against the normalised path; a pattern containing
// '?' is matched against "path?raw-query"; "" is an error), request_methods
// (none = every method; other methods are not checked by the rule; an entry that
// is not an HTTP token of at most 32 bytes never matches and is reported as a
// warning), credentials, allow (names from users, "*" = all of them) and metadata
// (checks on headers: {"name", one of present, absent, exact, prefix, regex}). A
// rule must check something.
//
// An unknown field of the top level or of a rule, which the istio-ecosystem plugin
// ignored, is ignored with a warning, unless it looks like a misspelling of a field
// only wasmauth has ("throtle", "dryRun", a rule's "metdata"): that is an error. An
// unknown field of any other object is an error.
//
// Credential entries are "user:password" (split at the first colon),
// base64("user:password"), or "user:<hash>" where the hash is bcrypt, apr1,
// MD5-crypt, SHA-256/512-crypt, {SHA} or {SSHA} as htpasswd writes them.
//
// users_from_env names an environment variable of the VM holding more user
// entries, one per line (htpasswd format; blank lines and lines starting with '#'
// are skipped). Parse does not read the environment: it checks the name only, and
// accepts allow lists naming users it cannot see (an offline check of a manifest).
// The filter uses ParseWithEnv.
func Parse(data []byte) (*Policy, error) {
	return ParseWithEnv(data, nil)
}

// ParseWithEnv is Parse with an environment: users_from_env is read through
// lookup (os.LookupEnv in the filter) and its entries are merged into users. A
// missing or empty variable is an error, so a gateway whose Secret is missing
// refuses the configuration instead of running without users. A nil lookup
// behaves like Parse.
func ParseWithEnv(data []byte, lookup func(string) (string, bool)) (*Policy, error) {
	ps := &parser{lookup: lookup}
	pol := ps.parse(data)
	if len(ps.errs) > 0 {
		// The warnings too: one may explain an error (an ignored "prefx" beside
		// "needs exactly one of prefix, exact, suffix").
		for _, w := range ps.warns {
			ps.errs = append(ps.errs, &Error{Path: w.Path, Msg: "warning: " + w.Msg})
		}
		return nil, ps.errs
	}
	pol.warnings = ps.warns
	return pol, nil
}

type parser struct {
	errs   Errors
	warns  Errors
	nextID int
	lookup func(string) (string, bool)
	// rulesTypo is a top-level field name that misspells basic_auth_rules, and
	// rulesTypoWarn the warning that reported it.
	rulesTypo     string
	rulesTypoWarn *Error
	// usersUnseen is set when users_from_env names a variable that was not read
	// (Parse without environment): allow lists may then name users it cannot see.
	usersUnseen bool
}

func (ps *parser) errf(path, msg string) {
	ps.errs = append(ps.errs, &Error{Path: path, Msg: msg})
}

// warnf reports something accepted, for compatibility with the istio-ecosystem
// plugin, that does not work the way it reads (Policy.Warnings).
func (ps *parser) warnf(path, msg string) {
	ps.warns = append(ps.warns, &Error{Path: path, Msg: msg})
}

func elem(path string, i int) string { return path + "[" + strconv.Itoa(i) + "]" }

func field(path, name string) string {
	if path == "$" {
		return name
	}
	return path + "." + name
}

func typeName(r gjson.Result) string {
	switch r.Type {
	case gjson.Null:
		return "null"
	case gjson.False, gjson.True:
		return "boolean"
	case gjson.Number:
		return "number"
	case gjson.String:
		return "string"
	}
	if r.IsArray() {
		return "array"
	}
	return "object"
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

func newPolicy() *Policy {
	return &Policy{
		realm:     DefaultRealm,
		cacheSize: DefaultCacheSize,
		users:     map[string]*Credential{},
		ruleIdx:   newIndex(nil),
		exemptIdx: newIndex(nil),
	}
}

var topFields = []string{
	"realm", "basic_auth_rules", "users", "exemptions", "default_action", "forward_user_header",
	"strip_credentials", "metadata_credentials", "dry_run", "cache_size", "throttle", "users_from_env",
}

func (ps *parser) parse(data []byte) *Policy {
	pol := newPolicy()
	start, end := 0, len(data)
	// A UTF-8 byte-order mark may open the document, as nlohmann's parser (the
	// istio-ecosystem plugin's) allows: an editor may have saved one.
	if len(data) >= 3 && data[0] == 0xEF && data[1] == 0xBB && data[2] == 0xBF {
		start = 3
	}
	for start < end && isSpace(data[start]) {
		start++
	}
	for end > start && isSpace(data[end-1]) {
		end--
	}
	if start == end {
		pol.finish()
		return pol
	}
	data = data[start:end]
	if !utf8.Valid(data) {
		ps.errf("$", "not valid UTF-8")
		return nil
	}
	if off, ok := depthOK(data); !ok {
		ps.errf("$", "nesting deeper than "+strconv.Itoa(MaxDepth)+" levels at offset "+strconv.Itoa(off))
		return nil
	}
	if !gjson.ValidBytes(data) {
		ps.errf("$", "invalid JSON")
		return nil
	}
	root := gjson.ParseBytes(data)
	var f object
	if !ps.fields(&f, "$", root, topFields, compatTopFields) {
		return nil
	}
	if r, ok := f.get("realm"); ok {
		if s, ok := ps.oldStr("realm", r); ok {
			if hasControl(s) {
				// The istio-ecosystem plugin sent them, in a header Envoy may refuse.
				pol.realm = realmText(withoutControl(s))
				ps.warnf("realm", strconv.Quote(s)+" contains control characters, which a header value cannot carry: they are removed (realm "+strconv.Quote(pol.realm)+")")
			} else {
				pol.realm = realmText(s)
			}
		}
	}
	var userIndex map[string]int
	if r, ok := f.get("users"); ok {
		if items, ok := ps.array("users", r); ok {
			pol.users, userIndex = ps.credentials("users", items, false)
		}
	}
	if r, ok := f.get("users_from_env"); ok {
		ps.usersFromEnv(r, pol.users, userIndex)
	}
	if _, ok := f.get("basic_auth_rules"); !ok && ps.rulesTypo != "" {
		// The old plugin ignored it too, and then checked nothing: with the one field
		// that holds every rule misspelt, refusing is the only safe reading.
		ps.errf("$", "unknown field "+strconv.Quote(ps.rulesTypo)+` (did you mean "basic_auth_rules"?): without basic_auth_rules no request is checked`)
		ps.warns = slices.DeleteFunc(ps.warns, func(w *Error) bool { return w == ps.rulesTypoWarn }) // the error says it
	}
	if r, ok := f.get("basic_auth_rules"); ok {
		if items, ok := ps.array("basic_auth_rules", r); ok {
			pol.rules = ps.rules(items, pol.users)
		}
	}
	if r, ok := f.get("exemptions"); ok {
		if items, ok := ps.array("exemptions", r); ok {
			ms := make([]matcher, 0, items.len())
			for i, it := range items.all() {
				p := elem("exemptions", i)
				var ef object
				if !ps.fields(&ef, p, it, exemptionFields, nil) {
					continue
				}
				if m, ok := ps.matcher(p, &ef, false); ok {
					ms = append(ms, m)
				}
			}
			pol.exemptIdx = newIndex(ms)
		}
	}
	if r, ok := f.get("default_action"); ok {
		if s, ok := ps.str("default_action", r); ok {
			switch s {
			case "allow":
				pol.defaultAction = ActionAllow
			case "deny":
				pol.defaultAction = ActionDeny
			default:
				ps.errf("default_action", `must be "allow" or "deny", got `+strconv.Quote(s))
			}
		}
	}
	if r, ok := f.get("metadata_credentials"); ok {
		pol.mdUser, pol.mdPass = ps.metadataCredentials(r)
	}
	if r, ok := f.get("forward_user_header"); ok {
		if s, ok := ps.str("forward_user_header", r); ok && s != "" {
			if h, ok := ps.headerName("forward_user_header", s, false); ok {
				if h == pol.mdUser || h == pol.mdPass {
					ps.errf("forward_user_header", strconv.Quote(h)+" is also a metadata_credentials key")
				} else {
					pol.forwardUser = h
				}
			}
		}
	}
	if r, ok := f.get("strip_credentials"); ok {
		pol.strip, _ = ps.boolean("strip_credentials", r)
	}
	if r, ok := f.get("dry_run"); ok {
		pol.dryRun, _ = ps.boolean("dry_run", r)
	}
	if r, ok := f.get("cache_size"); ok {
		if n, ok := ps.integer("cache_size", r, 0, MaxCacheSize); ok {
			pol.cacheSize = n
		}
	}
	if r, ok := f.get("throttle"); ok {
		pol.throttle = ps.throttleSettings(r)
	}
	if len(ps.errs) > 0 {
		return nil
	}
	ms := make([]matcher, len(pol.rules))
	for i := range pol.rules {
		ms[i] = pol.rules[i].matcher
	}
	pol.ruleIdx = newIndex(ms)
	pol.finish()
	return pol
}

// MaxDepth bounds the nesting of the configuration document. gjson validates
// recursively, and under TinyGo the wasm stack is small: deeply nested input
// would trap the VM instead of being refused.
const MaxDepth = 64

// depthOK scans data (outside strings) and reports whether arrays and objects
// nest at most MaxDepth deep; if not, it returns the offset where the limit
// is crossed. It does not validate anything else.
func depthOK(data []byte) (int, bool) {
	depth := 0
	inString := false
	for i := 0; i < len(data); i++ {
		c := data[i]
		switch {
		case inString:
			if c == '\\' {
				i++
			} else if c == '"' {
				inString = false
			}
		case c == '"':
			inString = true
		case c == '[' || c == '{':
			depth++
			if depth > MaxDepth {
				return i, false
			}
		case c == ']' || c == '}':
			depth--
		}
	}
	return 0, true
}

// finish picks the dummy credential for unknown users and freezes the user
// tables into their allocation-free lookup form.
func (pol *Policy) finish() {
	defer pol.freeze()
	var best *Credential
	visit := func(c *Credential) {
		if c.hash != nil && c.hash.Slow() {
			pol.slow = true
		}
		if best == nil || c.work() > best.work() || c.work() == best.work() && c.id < best.id {
			best = c
		}
	}
	for _, c := range pol.users {
		visit(c)
	}
	for i := range pol.rules {
		for _, c := range pol.rules[i].byUser {
			for ; c != nil; c = c.next {
				visit(c)
			}
		}
	}
	if best == nil || best.hash == nil {
		// A plaintext stand-in: costs what a real plaintext check costs.
		best = &Credential{user: "", id: -1}
		best.secret = []byte("wasmauth-unknown-user-stand-in")
	}
	pol.dummy = best
}

// maxFields bounds the number of allowed fields of one kind of JSON object
// (topFields, the longest list, has 12).
const maxFields = 16

// object is a JSON object checked by fields: every field is allowed and appears
// once. Its values sit in an array indexed like the allowed names rather than in
// a map: a map per object was a quarter of the memory allocated while loading
// 10,000 rules.
type object struct {
	names []string
	vals  [maxFields]gjson.Result
	have  uint32 // bit i: names[i] is present
}

// get returns the value of field name and whether the object has it.
func (o *object) get(name string) (gjson.Result, bool) {
	for i, n := range o.names {
		if n == name {
			return o.vals[i], o.have&(1<<i) != 0
		}
	}
	return gjson.Result{}, false
}

// value is get without the flag: an absent field is the zero (non-existent) Result.
func (o *object) value(name string) gjson.Result {
	v, _ := o.get(name)
	return v
}

// fields fills o from r, reporting unknown (see unknownField) and repeated fields;
// false when r is not an object. allowed has at most maxFields names; compat names
// those the istio-ecosystem plugin read, nil in an object only wasmauth defines.
func (ps *parser) fields(o *object, path string, r gjson.Result, allowed, compat []string) bool {
	*o = object{names: allowed[:min(len(allowed), maxFields)]}
	if !r.IsObject() {
		ps.errf(path, "must be an object, got "+typeName(r))
		return false
	}
	r.ForEach(func(k, v gjson.Result) bool {
		name := k.String()
		i := slices.Index(o.names, name)
		switch {
		case i < 0:
			ps.unknownField(path, name, o.names, compat)
		case o.have&(1<<i) != 0:
			ps.errf(field(path, name), "field appears more than once")
		default:
			o.vals[i] = v
			o.have |= 1 << i
		}
		return true
	})
	return true
}

func (ps *parser) str(path string, r gjson.Result) (string, bool) {
	if r.Type != gjson.String {
		ps.errf(path, "must be a string, got "+typeName(r))
		return "", false
	}
	// A copy, not a slice of the configuration buffer: see jsonArray.
	return strings.Clone(r.Str), true
}

func (ps *parser) boolean(path string, r gjson.Result) (bool, bool) {
	if r.Type != gjson.True && r.Type != gjson.False {
		ps.errf(path, "must be a boolean, got "+typeName(r))
		return false, false
	}
	return r.Type == gjson.True, true
}

func (ps *parser) integer(path string, r gjson.Result, lo, hi int) (int, bool) {
	if r.Type != gjson.Number {
		ps.errf(path, "must be an integer, got "+typeName(r))
		return 0, false
	}
	// Istio hands pluginConfig over as a protobuf Struct, whose numbers are
	// doubles: 1000000 may arrive as 1e+06. Accept any integral value.
	f, err := strconv.ParseFloat(r.Raw, 64)
	if err != nil {
		ps.errf(path, "must be an integer, got "+r.Raw)
		return 0, false
	}
	if f < float64(lo) || f > float64(hi) {
		ps.errf(path, "out of range "+strconv.Itoa(lo)+".."+strconv.Itoa(hi)+", got "+r.Raw)
		return 0, false
	}
	if f != float64(int(f)) {
		ps.errf(path, "must be an integer, got "+r.Raw)
		return 0, false
	}
	return int(f), true
}

func (ps *parser) array(path string, r gjson.Result) (jsonArray, bool) {
	if !r.IsArray() {
		ps.errf(path, "must be an array, got "+typeName(r))
		return jsonArray{}, false
	}
	return newJSONArray(r), true
}

// jsonArray is a JSON array walked one element at a time. The parser never holds
// every element at once: each live gjson.Result points into the middle of the
// configuration buffer, and under TinyGo's collector every such pointer costs a
// walk back to the buffer's start at each collection. Holding 10,000 of them made
// loading a large configuration quadratic.
type jsonArray struct {
	r gjson.Result
	n int
}

func newJSONArray(r gjson.Result) jsonArray {
	n := 0
	r.ForEach(func(_, _ gjson.Result) bool { n++; return true })
	return jsonArray{r: r, n: n}
}

// len is the number of elements.
func (a jsonArray) len() int { return a.n }

// all yields each element with its index.
func (a jsonArray) all() iter.Seq2[int, gjson.Result] {
	return func(yield func(int, gjson.Result) bool) {
		i := 0
		a.r.ForEach(func(_, v gjson.Result) bool {
			ok := yield(i, v)
			i++
			return ok
		})
	}
}

// elementCount is what len(r.Array()) would be, without building the slice: 0 for
// a missing value, 1 for a value that is not an array.
func elementCount(r gjson.Result) int {
	switch {
	case !r.Exists():
		return 0
	case !r.IsArray():
		return 1
	}
	return newJSONArray(r).len()
}

// oldStr is str for a value the istio-ecosystem plugin read as a string: the realm,
// a rule's prefix, exact or suffix, and the entries of its hosts, request_methods
// and credentials. Its JSON helper also took a non-negative integer there, as its
// decimal digits (a WasmPlugin's `realm: 2024` was the realm "2024"), so such a
// number is taken as that string, with a warning.
func (ps *parser) oldStr(path string, r gjson.Result) (string, bool) {
	if r.Type == gjson.Number && isUint64(r.Raw) {
		ps.warnf(path, "the number "+r.Raw+" is taken as the string "+strconv.Quote(r.Raw))
		return strings.Clone(r.Raw), true
	}
	return ps.str(path, r)
}

// isUint64 reports whether a JSON number is written as a non-negative integer that
// fits in 64 bits: the numbers nlohmann's parser (the old plugin's) makes unsigned.
func isUint64(raw string) bool {
	_, err := strconv.ParseUint(raw, 10, 64) // digits only: no sign, point or exponent
	return err == nil
}

// strs parses an array of strings, reporting non-strings.
func (ps *parser) strs(path string, r gjson.Result) ([]string, bool) {
	return ps.strList(path, r, ps.str)
}

// oldStrs is strs for an array the istio-ecosystem plugin read (see oldStr).
func (ps *parser) oldStrs(path string, r gjson.Result) ([]string, bool) {
	return ps.strList(path, r, ps.oldStr)
}

func (ps *parser) strList(path string, r gjson.Result, str func(string, gjson.Result) (string, bool)) ([]string, bool) {
	items, ok := ps.array(path, r)
	if !ok {
		return nil, false
	}
	out := make([]string, 0, items.len())
	good := true
	for i, it := range items.all() {
		s, ok := elementStr(path, i, it, str)
		if !ok {
			good = false
			continue
		}
		out = append(out, s)
	}
	return out, good
}

// elementStr reads element i of the array at path with str (ps.str or ps.oldStr).
// A string, the common case, is copied without building the element's path, which
// only a message needs.
func elementStr(path string, i int, it gjson.Result, str func(string, gjson.Result) (string, bool)) (string, bool) {
	if it.Type == gjson.String {
		return strings.Clone(it.Str), true
	}
	return str(elem(path, i), it)
}

// isControl reports whether c is an ASCII control character (C0 or DEL).
func isControl(c byte) bool { return c < 0x20 || c == 0x7f }

func hasControl(s string) bool {
	for i := 0; i < len(s); i++ {
		if isControl(s[i]) {
			return true
		}
	}
	return false
}

// withoutControl returns s without its control characters.
func withoutControl(s string) string {
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		if !isControl(s[i]) {
			b = append(b, s[i])
		}
	}
	return string(b)
}

// reservedHeaders may not carry the forwarded user name or metadata credentials.
var reservedHeaders = []string{
	"authorization", "proxy-authorization", "host", "content-length", "content-type",
	"transfer-encoding", "connection", "te", "upgrade", "keep-alive", "cookie",
}

// headerName validates and lowercases a header name. Pseudo-headers are only
// accepted when pseudo is set (metadata checks may read :authority etc.).
func (ps *parser) headerName(path, s string, pseudo bool) (string, bool) {
	h := strings.ToLower(s)
	if pseudo && len(h) > 1 && h[0] == ':' && normalize.IsToken(h[1:]) {
		return h, true
	}
	if strings.HasPrefix(h, ":") {
		ps.errf(path, "must not be a pseudo-header")
		return "", false
	}
	if !normalize.IsToken(h) {
		ps.errf(path, strconv.Quote(s)+" is not a valid header name")
		return "", false
	}
	if !pseudo {
		for _, r := range reservedHeaders {
			if h == r {
				ps.errf(path, "must not be "+strconv.Quote(h))
				return "", false
			}
		}
	}
	return h, true
}

func (ps *parser) metadataCredentials(r gjson.Result) (user, pass string) {
	const path = "metadata_credentials"
	var f object
	if !ps.fields(&f, path, r, metadataCredentialFields, nil) {
		return "", ""
	}
	get := func(name string) string {
		v, ok := f.get(name)
		if !ok {
			ps.errf(path, "missing field "+strconv.Quote(name))
			return ""
		}
		s, ok := ps.str(field(path, name), v)
		if !ok {
			return ""
		}
		h, _ := ps.headerName(field(path, name), s, false)
		return h
	}
	user, pass = get("username"), get("password")
	if user != "" && user == pass {
		ps.errf(path, "username and password must be different keys")
		return "", ""
	}
	if user == "" || pass == "" {
		return "", ""
	}
	return user, pass
}

// credentials parses a list of credential entries. It returns the entries by user
// and the index of each user's first entry. In a rule's list (alternatives set) a
// user may have several entries, any of which lets the user in, as in the
// istio-ecosystem plugin (password rotation); in users a user must be unique.
func (ps *parser) credentials(path string, items jsonArray, alternatives bool) (map[string]*Credential, map[string]int) {
	out := make(map[string]*Credential, items.len())
	var first map[string]int // users only: a rule's list may repeat a user
	str := ps.str
	if alternatives {
		str = ps.oldStr // a rule's list, which the old plugin read
	} else {
		first = map[string]int{}
	}
	for i, it := range items.all() {
		s, ok := elementStr(path, i, it, str)
		if !ok {
			continue
		}
		c, msg := ps.credential(s, alternatives)
		if c == nil {
			ps.errf(elem(path, i), msg)
			continue
		}
		if c.hash == nil && len(c.secret) == 0 {
			ps.warnf(elem(path, i), "user "+strconv.Quote(c.user)+" has an empty password")
		}
		if prev, dup := out[c.user]; dup {
			if !alternatives {
				ps.errf(elem(path, i), "duplicate user "+strconv.Quote(c.user)+" (first at "+elem(path, first[c.user])+")")
				continue
			}
			for prev.next != nil {
				prev = prev.next
			}
			prev.next = c
			continue
		}
		if first != nil {
			first[c.user] = i
		}
		out[c.user] = c
	}
	return out, first
}

// credential parses one entry; on failure it returns nil and a message that
// never contains the password or hash. An empty password is refused unless
// emptyOK (a rule's credentials, where the istio-ecosystem plugin took "user:").
func (ps *parser) credential(s string, emptyOK bool) (*Credential, string) {
	user, secret, hasColon := strings.Cut(s, ":")
	fromBase64 := false
	if !hasColon {
		dec, err := base64.StdEncoding.DecodeString(s)
		if err != nil {
			dec, err = base64.RawStdEncoding.DecodeString(s)
		}
		if err != nil || !strings.Contains(string(dec), ":") {
			return nil, `entry is neither "user:password" nor base64 of "user:password"`
		}
		user, secret, _ = strings.Cut(string(dec), ":")
		fromBase64 = true
	}
	switch {
	case user == "":
		return nil, "empty user name"
	case !utf8.ValidString(user) || hasControl(user):
		return nil, "user name must be valid UTF-8 without control characters"
	case len(user) > 256:
		return nil, "user name longer than 256 bytes"
	}
	c := &Credential{user: user, id: ps.nextID}
	ps.nextID++
	if !fromBase64 && htpasswd.Detect(secret) != 0 {
		h, err := htpasswd.Parse(secret)
		if err != nil {
			return nil, "user " + strconv.Quote(user) + ": " + err.Error()
		}
		c.hash = h
		return c, ""
	}
	if name := htpasswd.Unsupported(secret); name != "" && !fromBase64 {
		return nil, "user " + strconv.Quote(user) + ": " + name + " hashes are not supported (use bcrypt: htpasswd -B)"
	}
	if secret == "" && !emptyOK {
		return nil, "user " + strconv.Quote(user) + ": empty password"
	}
	c.secret = []byte(secret)
	return c, ""
}

// pathFields are a matcher's path pattern fields, of which it has exactly one.
var pathFields = []string{"prefix", "exact", "suffix"}

var (
	exemptionFields          = []string{"hosts", "prefix", "exact", "suffix", "request_methods"}
	metadataCredentialFields = []string{"username", "password"}
)

var ruleFields = []string{"name", "hosts", "prefix", "exact", "suffix", "request_methods", "credentials", "allow", "metadata"}

func (ps *parser) rules(items jsonArray, users map[string]*Credential) []Rule {
	out := make([]Rule, 0, items.len())
	names := map[string]int{}
	for i, it := range items.all() {
		p := elem("basic_auth_rules", i)
		var f object
		if !ps.fields(&f, p, it, ruleFields, compatRuleFields) {
			continue
		}
		r := Rule{name: "rule" + strconv.Itoa(i)}
		if v, ok := f.get("name"); ok {
			if s, ok := ps.str(field(p, "name"), v); ok {
				if validRuleName(s) {
					r.name = s
				} else {
					ps.errf(field(p, "name"), strconv.Quote(s)+" must match [a-z0-9_-]{1,64}")
				}
			}
		}
		if j, dup := names[r.name]; dup {
			ps.errf(p, "duplicate rule name "+strconv.Quote(r.name)+" (first at "+elem("basic_auth_rules", j)+")")
		} else {
			names[r.name] = i
		}
		m, _ := ps.matcher(p, &f, true)
		m.slashAlike = true
		r.matcher = m
		if v, ok := f.get("credentials"); ok {
			if items, ok := ps.array(field(p, "credentials"), v); ok {
				r.byUser, _ = ps.credentials(field(p, "credentials"), items, true)
			}
		}
		if v, ok := f.get("allow"); ok {
			if names, ok := ps.strs(field(p, "allow"), v); ok {
				r.allow = map[string]bool{}
				for j, n := range names {
					switch {
					case n == "*":
						r.allowAll = true
					case users[n] == nil && ps.usersUnseen:
						r.allow[n] = true // may come from users_from_env
					case users[n] == nil:
						ps.errf(elem(field(p, "allow"), j), "unknown user "+strconv.Quote(n)+" (not in users)")
					default:
						r.allow[n] = true
					}
				}
				if r.allowAll && len(users) == 0 && !ps.usersUnseen {
					ps.errf(field(p, "allow"), `"*" allows every entry of users, but users is empty`)
				}
			}
		}
		if v, ok := f.get("metadata"); ok {
			r.metadata = ps.metadataChecks(field(p, "metadata"), v)
		}
		if elementCount(f.value("credentials")) == 0 && elementCount(f.value("allow")) == 0 && elementCount(f.value("metadata")) == 0 {
			ps.errf(p, "rule checks nothing (set credentials, allow or metadata)")
		}
		out = append(out, r)
	}
	return out
}

func validRuleName(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

// matcher parses hosts, prefix|exact|suffix and request_methods. rule is set for a
// basic_auth_rules entry, which the istio-ecosystem plugin read, and clear for an
// exemption, which only wasmauth has.
func (ps *parser) matcher(p string, f *object, rule bool) (matcher, bool) {
	var m matcher
	good := true
	str, strs := ps.str, ps.strs
	if rule {
		str, strs = ps.oldStr, ps.oldStrs
	}
	if v, ok := f.get("hosts"); ok {
		hp := field(p, "hosts")
		hs, ok := strs(hp, v)
		good = good && ok
		var seen map[string]bool
		if len(hs) > 1 {
			seen = make(map[string]bool, len(hs))
		}
		anyHost := false
		for j, h := range hs {
			n, any, live := ps.hostPattern(hp, j, h)
			switch {
			case any:
				anyHost = true
			case live && !seen[n]:
				if seen != nil {
					seen[n] = true
				}
				m.hosts = append(m.hosts, n)
			}
		}
		switch {
		case anyHost:
			m.hosts = nil
		case len(hs) > 0 && len(m.hosts) == 0:
			m.never = true // every entry is dead: not "every host"
		}
	}
	var kindsBuf [3]string
	kinds := kindsBuf[:0]
	for _, k := range pathFields {
		if _, ok := f.get(k); ok {
			kinds = append(kinds, k)
		}
	}
	switch len(kinds) {
	case 0:
		ps.errf(p, "needs exactly one of prefix, exact, suffix; got none")
		good = false
	case 1:
		k := kinds[0]
		if s, ok := str(field(p, k), f.value(k)); ok {
			switch k {
			case "prefix":
				m.kind = pathPrefix
			case "exact":
				m.kind = pathExact
			default:
				m.kind = pathSuffix
			}
			var live bool
			m.pattern, live, ok = ps.pathPattern(field(p, k), m.kind, s)
			good = good && ok
			m.never = m.never || !live
		} else {
			good = false
		}
	default:
		ps.errf(p, "needs exactly one of prefix, exact, suffix; got "+strings.Join(kinds, " and "))
		good = false
	}
	if v, ok := f.get("request_methods"); ok {
		ms, ok := strs(field(p, "request_methods"), v)
		good = good && ok
		for j, s := range ms {
			if !normalize.IsToken(s) || len(s) > MaxMethodLen {
				// A request whose method is not such a token is refused (400) before any
				// rule is looked at, so this entry matches nothing. The istio-ecosystem
				// plugin compared it with the method all the same and accepted it.
				if rule {
					ps.warnf(elem(field(p, "request_methods"), j), strconv.Quote(s)+" is not a method (an HTTP token of at most 32 bytes): it never matches a request")
				} else {
					ps.errf(elem(field(p, "request_methods"), j), strconv.Quote(s)+" is not a method (an HTTP token of at most 32 bytes)")
					good = false
				}
				continue
			}
			up := strings.ToUpper(s)
			if !methodOK(m.methods, up) || m.methods == nil {
				m.methods = append(m.methods, up)
			}
		}
		if len(ms) > 0 && len(m.methods) == 0 {
			m.never = true // every entry is dead: not "every method"
		}
	}
	return m, good
}

// MaxMethodLen is the longest method a rule or exemption can name: the filter
// refuses a request with a longer method (400) before matching it.
const MaxMethodLen = 32

// hostPattern normalises one hosts entry. Every entry the istio-ecosystem plugin
// accepted is accepted: "*" alone (any host) returns any; an entry no request
// host can match is reported as a warning and returns live false; a port is
// dropped with a warning (request ports are ignored). Warnings name the entry as
// element j of hostsPath.
func (ps *parser) hostPattern(hostsPath string, j int, s string) (pattern string, any, live bool) {
	h := strings.ToLower(s)
	dead := func(why string) (string, bool, bool) {
		ps.warnf(elem(hostsPath, j), strconv.Quote(s)+" can never match a request host: "+why)
		return "", false, false
	}
	withoutPort := func(host string) {
		ps.warnf(elem(hostsPath, j), strconv.Quote(s)+" has a port; request ports are ignored: matched as "+strconv.Quote(host))
	}
	switch {
	case h == "":
		return dead("it is empty")
	case h == "*":
		return "", true, true
	case h[0] == '[':
		end := strings.IndexByte(h, ']')
		if end < 0 {
			return dead("unterminated IPv6 literal")
		}
		n, ok := normalize.Host(h)
		if !ok {
			return dead("invalid IPv6 literal or port")
		}
		if end+1 < len(h) {
			withoutPort(n)
		}
		return n, false, true
	}
	switch c := strings.Count(h, ":"); {
	case c == 1:
		i := strings.IndexByte(h, ':')
		port := h[i+1:]
		if port == "" || len(port) > 5 || strings.Trim(port, "0123456789") != "" {
			return dead("invalid port")
		}
		h = h[:i]
		if h == "" {
			return dead("no host before the port")
		}
		withoutPort(h)
		if h == "*" {
			return "", true, true
		}
	case c > 1:
		n, ok := normalize.Host("[" + h + "]")
		if !ok {
			return dead("invalid IPv6 literal")
		}
		return n, false, true
	}
	stars := strings.Count(h, "*")
	switch {
	case stars == 0:
		n, ok := normalize.Host(h)
		if !ok {
			return dead("invalid character in host")
		}
		return n, false, true
	case stars > 1 || h[0] != '*' && h[len(h)-1] != '*':
		return dead("the wildcard * only works as the first or the last character")
	case h[0] == '*':
		rest := strings.TrimSuffix(h[1:], ".")
		if rest == "" || !normalize.HostChars(rest) {
			return dead("invalid character in host")
		}
		return "*" + rest, false, true
	default:
		rest := h[:len(h)-1]
		if !normalize.HostChars(rest) {
			return dead("invalid character in host")
		}
		return rest + "*", false, true
	}
}

// pathPattern validates a prefix/exact/suffix pattern. Every non-empty pattern
// the istio-ecosystem plugin accepted is accepted: a prefix or exact pattern not
// in normal form is matched in normal form, and one that no request path can
// match once normalised (such requests are refused with 400) returns live false;
// both are reported as warnings.
func (ps *parser) pathPattern(path string, kind pathKind, s string) (pattern string, live, ok bool) {
	if s == "" {
		ps.errf(path, "empty pattern")
		return "", false, false
	}
	dead := func(why string) (string, bool, bool) {
		ps.warnf(path, strconv.Quote(s)+" can never match: "+why)
		return "", false, true
	}
	if hasControl(s) || strings.ContainsAny(s, "#\\") {
		return dead("normalised paths contain no '#', '\\' or control character")
	}
	p, q, hasQ := strings.Cut(s, "?")
	if kind == pathSuffix {
		if strings.ContainsAny(p, "%;") || strings.Contains(p, "//") {
			return dead("paths are matched decoded, without ;params and with single slashes")
		}
		if hasDotSegment(p) {
			return dead("requests with . or .. segments are refused")
		}
		return s, true, true
	}
	if p == "" || p[0] != '/' {
		return dead("paths start with /")
	}
	n, _, err := normalize.Path(p)
	if err != nil {
		return dead("requests spelled this way are refused: " + err.Error())
	}
	if n != p {
		if hasQ {
			n += "?" + q
		}
		ps.warnf(path, strconv.Quote(s)+" is matched in normal form "+strconv.Quote(n))
		return n, true, true
	}
	return s, true, true
}

// hasDotSegment reports whether a suffix pattern contains a whole "." or ".."
// segment (its first segment may be partial: ".." in "x.." is a name).
func hasDotSegment(p string) bool {
	segs := strings.Split(p, "/")
	for i, seg := range segs {
		if i > 0 && (seg == "." || seg == "..") {
			return true
		}
	}
	return false
}

// Regex limits: Go's regexp compiles recursively, and the TinyGo wasm stack
// overflows (a trap, not an error) long before regexp's own nesting limit.
const (
	MaxRegexLen     = 1024
	MaxRegexNesting = 32
)

// regexNesting returns the deepest nesting of groups in a regex, ignoring
// escaped parentheses and those inside character classes.
func regexNesting(re string) int {
	depth, max := 0, 0
	inClass := false
	for i := 0; i < len(re); i++ {
		switch c := re[i]; {
		case c == '\\':
			i++
		case inClass:
			if c == ']' {
				inClass = false
			}
		case c == '[':
			inClass = true
			// A ']' right after '[' or '[^' is a literal.
			if i+1 < len(re) && re[i+1] == '^' {
				i++
			}
			if i+1 < len(re) && re[i+1] == ']' {
				i++
			}
		case c == '(':
			depth++
			if depth > max {
				max = depth
			}
		case c == ')':
			depth--
		}
	}
	return max
}

var (
	checkOps    = []string{"present", "absent", "exact", "prefix", "regex"}
	checkFields = append([]string{"name"}, checkOps...)
)

func (ps *parser) metadataChecks(path string, v gjson.Result) []MetadataCheck {
	items, ok := ps.array(path, v)
	if !ok {
		return nil
	}
	out := make([]MetadataCheck, 0, items.len())
	for i, it := range items.all() {
		p := elem(path, i)
		var f object
		if !ps.fields(&f, p, it, checkFields, nil) {
			continue
		}
		var c MetadataCheck
		good := true
		if nv, ok := f.get("name"); !ok {
			ps.errf(p, `missing field "name"`)
			good = false
		} else if s, ok := ps.str(field(p, "name"), nv); !ok {
			good = false
		} else if c.name, ok = ps.headerName(field(p, "name"), s, true); !ok {
			good = false
		}
		var ops []string
		for _, op := range checkOps {
			if _, ok := f.get(op); ok {
				ops = append(ops, op)
			}
		}
		if len(ops) != 1 {
			got := "none"
			if len(ops) > 1 {
				got = strings.Join(ops, " and ")
			}
			ps.errf(p, "needs exactly one of present, absent, exact, prefix, regex; got "+got)
			continue
		}
		op := ops[0]
		fp := field(p, op)
		switch op {
		case "present", "absent":
			b, ok := ps.boolean(fp, f.value(op))
			if ok && !b {
				ps.errf(fp, "must be true (use "+map[string]string{"present": "absent", "absent": "present"}[op]+" for the opposite)")
				ok = false
			}
			good = good && ok
			c.op = opPresent
			if op == "absent" {
				c.op = opAbsent
			}
		case "exact", "prefix":
			s, ok := ps.str(fp, f.value(op))
			good = good && ok
			c.value = s
			c.op = opExact
			if op == "prefix" {
				c.op = opPrefix
				if ok && s == "" {
					ps.errf(fp, `empty prefix matches everything: use "present": true`)
					good = false
				}
			}
		case "regex":
			s, ok := ps.str(fp, f.value(op))
			if !ok {
				good = false
				break
			}
			if len(s) > MaxRegexLen || regexNesting(s) > MaxRegexNesting {
				ps.errf(fp, "regex longer than "+strconv.Itoa(MaxRegexLen)+" bytes or nesting deeper than "+strconv.Itoa(MaxRegexNesting)+" groups")
				good = false
				break
			}
			if _, err := regexp.Compile(s); err != nil {
				ps.errf(fp, "invalid regex: "+strings.TrimPrefix(err.Error(), "error parsing regexp: "))
				good = false
				break
			}
			re, err := regexp.Compile("^(?:" + s + ")$")
			if err != nil {
				ps.errf(fp, "invalid regex")
				good = false
				break
			}
			c.op, c.value, c.re = opRegex, s, re
		}
		if good {
			out = append(out, c)
		}
	}
	return out
}

func (pol *Policy) freeze() {
	names := make(map[string]bool, len(pol.users))
	for n := range pol.users {
		names[n] = true
	}
	pol.userTab = newStrMap(pol.users)
	pol.users = nil
	for i := range pol.rules {
		r := &pol.rules[i]
		for n := range r.byUser {
			names[n] = true
		}
		r.creds = newStrMap(r.byUser)
		r.allowed = newStrMap(r.allow)
		r.byUser, r.allow = nil, nil
	}
	pol.names = newStrMap(names)
}
