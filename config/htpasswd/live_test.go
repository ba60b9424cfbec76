//go:build !tinygo

// The system tools cannot be run from a wasm runtime, so this file is left
// out of tinygo test.

package htpasswd

import (
	"os/exec"
	"strings"
	"testing"
)

// TestLiveTools generates fresh hashes with the system tools when they are installed.
func TestLiveTools(t *testing.T) {
	type gen struct {
		name string
		args []string
		kind Kind
	}
	const pw = "live:pw with spaces"
	gens := []gen{
		{"htpasswd", []string{"-nbB", "-C", "4", "u", pw}, Bcrypt},
		{"htpasswd", []string{"-nbm", "u", pw}, APR1},
		{"htpasswd", []string{"-nbs", "u", pw}, SHA1},
		{"htpasswd", []string{"-nb2", "u", pw}, SHA256Crypt},
		{"htpasswd", []string{"-nb5", "u", pw}, SHA512Crypt},
		{"mkpasswd", []string{"-m", "sha-512", pw}, SHA512Crypt},
		{"mkpasswd", []string{"-m", "sha-256", "-R", "1500", pw}, SHA256Crypt},
		{"openssl", []string{"passwd", "-apr1", pw}, APR1},
		{"openssl", []string{"passwd", "-1", pw}, MD5Crypt},
		{"openssl", []string{"passwd", "-5", pw}, SHA256Crypt},
		{"openssl", []string{"passwd", "-6", pw}, SHA512Crypt},
	}
	ran := 0
	for _, g := range gens {
		if _, err := exec.LookPath(g.name); err != nil {
			continue
		}
		out, err := exec.Command(g.name, g.args...).Output()
		if err != nil {
			t.Logf("%s %v: %v (option unsupported by this version?)", g.name, g.args[0], err)
			continue
		}
		enc := strings.TrimSpace(string(out))
		if g.name == "htpasswd" {
			enc = strings.TrimPrefix(enc, "u:")
		}
		h, err := Parse(enc)
		if err != nil {
			t.Errorf("%s %v: Parse: %v", g.name, g.args, err)
			continue
		}
		ran++
		if h.Kind() != g.kind || !h.Verify([]byte(pw)) || h.Verify([]byte(pw+"x")) {
			t.Errorf("%s %v: kind %v, verify failed", g.name, g.args, h.Kind())
		}
	}
	if ran == 0 {
		t.Skip("none of htpasswd (apache2-utils), mkpasswd (whois), openssl installed: apt-get install -y apache2-utils whois openssl")
	}
}
