package config

import (
	"slices"
	"strconv"
)

// The fields the istio-ecosystem plugin read in the two objects it knew: the top
// level and a basic_auth_rules entry. It ignored every other field of these objects.
var (
	compatTopFields  = []string{"realm", "basic_auth_rules"}
	compatRuleFields = []string{"hosts", "prefix", "exact", "suffix", "request_methods", "credentials"}
)

// unknownField reports a field of the object at path that allowed does not name.
// compat lists the fields the istio-ecosystem plugin read in this object, nil for an
// object only wasmauth defines.
//
// In an object only wasmauth defines (exemptions, metadata checks,
// metadata_credentials, throttle) an unknown field is an error: no configuration of
// the old plugin has one, and a misspelt field there would silently widen access.
// In the objects the old plugin read, it ignored unknown fields, so they are
// warnings, except a near-miss of a field only wasmauth has: ignoring "throtle",
// "dry-run" or a rule's "metdata" would silently turn off what the operator asked for,
// and no configuration written for the old plugin relies on such a name. A near-miss
// of one of the old plugin's own fields ("prefx", "Hosts") stays a warning: the old
// plugin accepted it.
func (ps *parser) unknownField(path, name string, allowed, compat []string) {
	q := strconv.Quote(name)
	hint := ""
	near := nearestField(name, allowed, compat)
	if near != "" {
		hint = " (did you mean " + strconv.Quote(near) + "?)"
	}
	if compat == nil || near != "" && !slices.Contains(compat, near) {
		ps.errf(path, "unknown field "+q+hint)
		return
	}
	ps.warnf(path, "unknown field "+q+" is ignored"+hint)
	if near == "basic_auth_rules" && path == "$" {
		// Kept for parse, which refuses it when basic_auth_rules itself is missing
		// and then drops this warning.
		ps.rulesTypo, ps.rulesTypoWarn = name, ps.warns[len(ps.warns)-1]
	}
}

// nearestField returns the name in allowed that name most likely misspells, or "":
// the one at the smallest edit distance once case and separators are ignored, within
// maxEdits of it. On a tie a name in prefer wins.
func nearestField(name string, allowed, prefer []string) string {
	n := foldName(name)
	best, bestD := "", 0
	for _, a := range allowed {
		fa := foldName(a)
		limit := maxEdits(len(fa))
		d := editDistance(n, fa, limit)
		if d > limit {
			continue
		}
		if best == "" || d < bestD || d == bestD && slices.Contains(prefer, a) && !slices.Contains(prefer, best) {
			best, bestD = a, d
		}
	}
	return best
}

// maxEdits is how many edits a name of n (folded) bytes may be away from a field
// name and still count as its misspelling.
func maxEdits(n int) int {
	switch {
	case n <= 4:
		return 1
	case n <= 7:
		return 2
	}
	return 3
}

// foldName lower-cases ASCII letters and drops separators, so that "dryRun",
// "dry-run" and "Dry_Run" all fold to "dryrun".
func foldName(s string) string {
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '_' || c == '-' || c == '.' || c == ' ':
			continue
		case c >= 'A' && c <= 'Z':
			c += 'a' - 'A'
		}
		b = append(b, c)
	}
	return string(b)
}

// editDistance is the optimal string alignment distance between a and b: the
// fewest byte insertions, deletions, substitutions and swaps of adjacent bytes that
// turn a into b. Above limit it returns limit+1, without computing further when the
// lengths alone tell.
func editDistance(a, b string, limit int) int {
	if len(a)-len(b) > limit || len(b)-len(a) > limit {
		return limit + 1
	}
	// Three rows of the table: i-2, i-1 and i.
	prev2 := make([]int, len(b)+1)
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			d := min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				d = min(d, prev2[j-2]+1)
			}
			cur[j] = d
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return min(prev[len(b)], limit+1)
}
