package config

import (
	"regexp"

	"github.com/wasmauth/wasmauth/config/normalize"
)

type checkOp uint8

const (
	opPresent checkOp = iota
	opAbsent
	opExact
	opPrefix
	opRegex
)

// MetadataCheck is one entry of a rule's metadata list: a condition on a
// request header (gRPC metadata arrives as headers).
type MetadataCheck struct {
	name  string
	op    checkOp
	value string
	re    *regexp.Regexp
}

// Name is the lowercase header name checked.
func (m *MetadataCheck) Name() string { return m.name }

// Eval reports whether the request headers pass the check. present: the header
// appears; absent: it does not; exact/prefix/regex: it appears exactly once
// and its value matches (a repeated header fails: its meaning is ambiguous).
// Regexes match the whole value. Every check fails when the request also has
// the header under another spelling of '-' and '_' (x_tenant for x-tenant):
// backends that read both spellings as one header would see a value, or a
// header, the check did not. Exact and prefix comparisons take time that
// depends only on the lengths; regex checks are not meant for secrets.
func (m *MetadataCheck) Eval(headers [][2]string) bool {
	count := 0
	value := ""
	for i := range headers {
		switch name := headers[i][0]; {
		case name == m.name:
			count++
			value = headers[i][1]
		case normalize.SameHeaderName(name, m.name):
			return false
		}
	}
	switch m.op {
	case opPresent:
		return count > 0
	case opAbsent:
		return count == 0
	}
	if count != 1 {
		return false
	}
	switch m.op {
	case opExact:
		return ctEqual(value, m.value)
	case opPrefix:
		return len(value) >= len(m.value) && ctEqual(value[:len(m.value)], m.value)
	case opRegex:
		return m.re.MatchString(value)
	}
	return false
}

// ctEqual compares two strings in time that depends only on their lengths.
func ctEqual(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	var v byte
	for i := 0; i < len(a); i++ {
		v |= a[i] ^ b[i]
	}
	return v == 0
}
