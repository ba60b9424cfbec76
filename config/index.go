package config

import (
	"slices"
	"strings"
)

// Target is a normalised request as the matchers see it (see package
// config/normalize): Host is the normalised host and HostOK false when the
// authority was empty or invalid (then only host-less matchers apply); Path is
// the normalised path and Query the raw query without '?' (HasQuery says
// whether there was a '?'); Method is the request method as received.
type Target struct {
	Host     string
	HostOK   bool
	Path     string
	Query    string
	HasQuery bool
	Method   string
}

// pathKind is how a matcher compares the path.
type pathKind uint8

const (
	pathPrefix pathKind = iota
	pathExact
	pathSuffix
)

// matcher is the parsed form of one rule's or exemption's request selector.
type matcher struct {
	hosts   []string // normalised patterns; empty = every host
	kind    pathKind
	pattern string   // normalised path pattern (may contain '?' and a raw query)
	methods []string // nil = every method
	never   bool     // a pattern no request can match (accepted for compatibility)
	// slashAlike: the path pattern also covers its spelling with or without a
	// trailing slash (rules only: exemptions stay as narrow as written).
	slashAlike bool
}

// idLists maps keys to the ids of the matchers that use them: a Go map while the
// index is built, then frozen into a strMap, whose lookups do not allocate.
type idLists struct {
	building map[string][]int32 // during construction; nil once frozen
	m        strMap[[]int32]
}

// add appends id to key's list and reports whether key is new.
func (l *idLists) add(key string, id int32) (isNew bool) {
	if l.building == nil {
		l.building = map[string][]int32{}
	}
	ids, ok := l.building[key]
	l.building[key] = append(ids, id)
	return !ok
}

func (l *idLists) freeze() {
	l.m = newStrMap(l.building)
	l.building = nil
}

// appendIDs appends the ids of key, if any, to dst.
func (l *idLists) appendIDs(key string, dst []int32) []int32 {
	if ids, ok := l.m.get(key); ok {
		dst = append(dst, ids...)
	}
	return dst
}

// lenMap finds map keys that are a prefix (or suffix) of a string: one lookup
// per distinct key length, so the cost depends on the lengths in use, never on
// the number of keys.
type lenMap struct {
	ids  idLists
	lens []int // distinct key lengths, ascending
}

func (l *lenMap) add(key string, id int32) {
	if l.ids.add(key, id) {
		if i, found := slices.BinarySearch(l.lens, len(key)); !found {
			l.lens = slices.Insert(l.lens, i, len(key))
		}
	}
}

func (l *lenMap) freeze() { l.ids.freeze() }

// prefixes appends the ids of every key that is a prefix of s (s itself included).
func (l *lenMap) prefixes(s string, dst []int32) []int32 {
	for _, n := range l.lens {
		if n > len(s) {
			break
		}
		dst = l.ids.appendIDs(s[:n], dst)
	}
	return dst
}

// suffixes is prefixes for suffixes.
func (l *lenMap) suffixes(s string, dst []int32) []int32 {
	for _, n := range l.lens {
		if n > len(s) {
			break
		}
		dst = l.ids.appendIDs(s[len(s)-n:], dst)
	}
	return dst
}

// pathIndex holds the path patterns of the matchers that share one host pattern.
// Each kind of pattern is allocated when first used: most host patterns carry one
// rule, and with 10,000 rules three empty maps per host pattern were most of the
// policy's memory.
type pathIndex struct {
	exact  *idLists
	prefix *lenMap
	suffix *lenMap
}

func (p *pathIndex) add(kind pathKind, pattern string, id int32) {
	switch kind {
	case pathExact:
		if p.exact == nil {
			p.exact = &idLists{}
		}
		p.exact.add(pattern, id)
	case pathPrefix:
		if p.prefix == nil {
			p.prefix = &lenMap{}
		}
		p.prefix.add(pattern, id)
	case pathSuffix:
		if p.suffix == nil {
			p.suffix = &lenMap{}
		}
		p.suffix.add(pattern, id)
	}
}

func (p *pathIndex) freeze() {
	if p.exact != nil {
		p.exact.freeze()
	}
	if p.prefix != nil {
		p.prefix.freeze()
	}
	if p.suffix != nil {
		p.suffix.freeze()
	}
}

func (p *pathIndex) match(path string, dst []int32) []int32 {
	if p.exact != nil {
		dst = p.exact.appendIDs(path, dst)
	}
	if p.prefix != nil {
		dst = p.prefix.prefixes(path, dst)
	}
	if p.suffix != nil {
		dst = p.suffix.suffixes(path, dst)
	}
	return dst
}

// hostGroup is the path index of one host pattern; patterns containing '?' are
// matched against "path?query" and kept apart (query is nil without them).
type hostGroup struct {
	plain pathIndex
	query *pathIndex
}

// add indexes m's pattern for matcher id. named holds the exact and prefix
// patterns the rules spell out themselves.
func (g *hostGroup) add(m *matcher, id int32, named map[string]bool) {
	g.addPattern(m.kind, m.pattern, id)
	if !m.slashAlike {
		return
	}
	// Many backends serve /admin/ as /admin (Express, Flask, Rails, Spring
	// before 6) and /admin as /admin/: an exact rule covers both spellings, and
	// a prefix rule ending in '/' also covers the path without that slash,
	// unless a rule names that other spelling itself: then that rule decides
	// there, as it did before variants existed.
	switch alt, ok := slashVariant(m.pattern); {
	case !ok, named[alt]:
	case m.kind == pathExact:
		g.addPattern(pathExact, alt, id)
	case m.kind == pathPrefix && len(alt) < len(m.pattern):
		g.addPattern(pathExact, alt, id)
	}
}

func (g *hostGroup) addPattern(kind pathKind, pattern string, id int32) {
	if containsByte(pattern, '?') {
		if g.query == nil {
			g.query = &pathIndex{}
		}
		g.query.add(kind, pattern, id)
		return
	}
	g.plain.add(kind, pattern, id)
}

// slashVariant returns pattern with its path part's trailing slash removed, or
// added when it has none ("/a" and "/a/", "/a?x" and "/a/?x"); false for "/",
// whose variant would be no path at all.
func slashVariant(pattern string) (string, bool) {
	path, query := pattern, ""
	if i := strings.IndexByte(pattern, '?'); i >= 0 {
		path, query = pattern[:i], pattern[i:]
	}
	switch {
	case path == "" || path == "/":
		return "", false
	case path[len(path)-1] == '/':
		return path[:len(path)-1] + query, true
	default:
		return path + "/" + query, true
	}
}

func (g *hostGroup) freeze() {
	g.plain.freeze()
	if g.query != nil {
		g.query.freeze()
	}
}

// index finds the matchers that select a request. Lookups cost one map probe
// per distinct pattern length (host and path) and never scan the matchers, so
// 10,000 rules cost about what one does.
type index struct {
	any        hostGroup          // matchers without hosts
	exactHost  strMap[*hostGroup] // "api.example.com"
	suffixHost lenMap             // "*.example.com" stored as ".example.com" -> group id
	prefixHost lenMap             // "api.*" stored as "api." -> group id
	groups     []*hostGroup       // groups of the wildcard patterns, by group id
	methods    [][]string         // per matcher; nil = every method
	hasQuery   bool
}

func newIndex(ms []matcher) *index {
	ix := &index{methods: make([][]string, len(ms))}
	var named map[string]bool
	for i := range ms {
		if m := &ms[i]; m.slashAlike && !m.never && (m.kind == pathExact || m.kind == pathPrefix) {
			if named == nil {
				named = map[string]bool{}
			}
			named[m.pattern] = true
		}
	}
	// The matchers of each host pattern, in order of first appearance.
	var hosts []string
	idsOf := map[string][]int32{}
	for i := range ms {
		m := &ms[i]
		id := int32(i)
		ix.methods[i] = m.methods
		if m.never {
			continue
		}
		if containsByte(m.pattern, '?') {
			ix.hasQuery = true
		}
		if len(m.hosts) == 0 {
			ix.any.add(m, id, named)
			continue
		}
		for _, h := range m.hosts {
			ids, seen := idsOf[h]
			if !seen {
				hosts = append(hosts, h)
			}
			idsOf[h] = append(ids, id)
		}
	}
	ix.any.freeze()
	// Host patterns with the same matchers share one group: one rule listing 10,000
	// hosts builds one path index, not 10,000 copies of it.
	shared := map[string]*hostGroup{}
	exact := map[string]*hostGroup{}
	for _, h := range hosts {
		ids := idsOf[h]
		key := idsKey(ids)
		g := shared[key]
		if g == nil {
			g = &hostGroup{}
			for _, id := range ids {
				g.add(&ms[id], id, named)
			}
			g.freeze()
			shared[key] = g
		}
		switch {
		case h[0] == '*' || h[len(h)-1] == '*':
			gid := int32(len(ix.groups))
			ix.groups = append(ix.groups, g)
			if h[0] == '*' {
				ix.suffixHost.add(h[1:], gid)
			} else {
				ix.prefixHost.add(h[:len(h)-1], gid)
			}
		default:
			exact[h] = g
		}
	}
	ix.exactHost = newStrMap(exact)
	ix.suffixHost.freeze()
	ix.prefixHost.freeze()
	return ix
}

// idsKey is a map key for a list of matcher ids.
func idsKey(ids []int32) string {
	b := make([]byte, 0, 4*len(ids))
	for _, id := range ids {
		b = append(b, byte(id>>24), byte(id>>16), byte(id>>8), byte(id))
	}
	return string(b)
}

// match appends the ids of the matchers selecting t to dst[:0], in ascending
// order without duplicates. scratch is reused between calls to avoid allocation.
func (ix *index) match(t *Target, dst []int32, scratch *[]int32) []int32 {
	dst = dst[:0]
	pathQ := ""
	if ix.hasQuery {
		pathQ = t.Path
		if t.HasQuery {
			pathQ = t.Path + "?" + t.Query
		}
	}
	dst = ix.any.matchPath(t.Path, pathQ, dst)
	if t.HostOK && t.Host != "" {
		if g, ok := ix.exactHost.get(t.Host); ok {
			dst = g.matchPath(t.Path, pathQ, dst)
		}
		if len(ix.groups) > 0 {
			gids := (*scratch)[:0]
			// The wildcard may stand for nothing: "*example.com" covers example.com,
			// as in the istio-ecosystem plugin ("*.example.com" does not).
			gids = ix.suffixHost.suffixes(t.Host, gids)
			gids = ix.prefixHost.prefixes(t.Host, gids)
			for _, gid := range gids {
				dst = ix.groups[gid].matchPath(t.Path, pathQ, dst)
			}
			*scratch = gids
		}
	}
	if len(dst) > 1 {
		slices.Sort(dst)
		dst = slices.Compact(dst)
	}
	// Keep only matchers whose method list is empty or contains the method.
	n := 0
	for _, id := range dst {
		if methodOK(ix.methods[id], t.Method) {
			dst[n] = id
			n++
		}
	}
	return dst[:n]
}

func (g *hostGroup) matchPath(path, pathQ string, dst []int32) []int32 {
	dst = g.plain.match(path, dst)
	if g.query != nil {
		dst = g.query.match(pathQ, dst)
	}
	return dst
}

func methodOK(methods []string, m string) bool {
	if methods == nil {
		return true
	}
	for _, x := range methods {
		if x == m {
			return true
		}
	}
	return false
}

func containsByte(s string, c byte) bool {
	for i := 0; i < len(s); i++ {
		if s[i] == c {
			return true
		}
	}
	return false
}
