package config

import (
	"strconv"
	"strings"

	"github.com/tidwall/gjson"
)

// usersFromEnv reads the users_from_env variable (through the parser's lookup)
// and merges its entries into users; firstAt maps names already in users to
// their index there.
func (ps *parser) usersFromEnv(r gjson.Result, users map[string]*Credential, firstAt map[string]int) {
	const path = "users_from_env"
	name, ok := ps.str(path, r)
	if !ok {
		return
	}
	if !validEnvName(name) {
		ps.errf(path, strconv.Quote(name)+" is not an environment variable name ([A-Za-z_][A-Za-z0-9_]*)")
		return
	}
	if ps.lookup == nil {
		ps.usersUnseen = true
		return
	}
	value, set := ps.lookup(name)
	if !set {
		ps.errf(path, "environment variable "+name+" is not set (give it to the VM with vmConfig.env)")
		return
	}
	if strings.TrimSpace(value) == "" {
		ps.errf(path, "environment variable "+name+" is empty")
		return
	}
	lineOf := map[string]int{}
	entries := 0
	for i, line := range strings.Split(value, "\n") {
		n := i + 1
		line = strings.TrimSpace(line)
		if line == "" || line[0] == '#' {
			continue
		}
		entries++
		at := path + " (" + name + " line " + strconv.Itoa(n) + ")"
		c, msg := ps.credential(line, false)
		if c == nil {
			ps.errf(at, msg)
			continue
		}
		if j, dup := firstAt[c.user]; dup {
			ps.errf(at, "duplicate user "+strconv.Quote(c.user)+" (first at "+elem("users", j)+")")
			continue
		}
		if j, dup := lineOf[c.user]; dup {
			ps.errf(at, "duplicate user "+strconv.Quote(c.user)+" (first at line "+strconv.Itoa(j)+")")
			continue
		}
		lineOf[c.user] = n
		users[c.user] = c
	}
	if entries == 0 {
		// Only comments and blank lines: refused like an empty value (a Secret
		// whose users were all commented out is a mistake, not a user list).
		ps.errf(path, "environment variable "+name+" has no user entries (only comments and blank lines)")
	}
}

func validEnvName(s string) bool {
	if s == "" || len(s) > 256 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c == '_' || c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || i > 0 && c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}
