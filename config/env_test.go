package config

import (
	"strings"
	"testing"
)

func envOf(m map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
}

func TestUsersFromEnv(t *testing.T) {
	const cfg = `{"users": ["alice:a"], "users_from_env": "WASMAUTH_USERS",
		"basic_auth_rules": [{"prefix": "/", "allow": ["alice", "bob", "carol"]}]}`
	env := envOf(map[string]string{"WASMAUTH_USERS": "# ops team\r\nbob:$2y$05$.trEkaTqhdo1BvVcCa3jQO.txCYjT8jJjLncei0QYicE/WLDKQkg6\r\n\n  carol:{SHA}RvC+VLa9zO06McPImeUuMA0OebI=  \n"})
	p, err := ParseWithEnv([]byte(cfg), env)
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range []string{"alice", "bob", "carol"} {
		if p.User([]byte(u)) == nil {
			t.Errorf("user %s missing", u)
		}
	}
	if !p.User([]byte("bob")).Verify([]byte("bob-password")) || !p.User([]byte("carol")).Verify([]byte("carol-password")) || p.User([]byte("bob")).Verify([]byte("x")) {
		t.Error("env users do not verify like users entries")
	}
	if !p.HasSlowHashes() || p.Dummy() != p.User([]byte("bob")) {
		t.Error("the bcrypt user from the environment is not the unknown-user dummy")
	}
	// Parse without environment checks the name and accepts users it cannot see.
	if _, err := Parse([]byte(cfg)); err != nil {
		t.Errorf("offline Parse: %v", err)
	}
	if _, err := Parse([]byte(`{"users_from_env": "U", "basic_auth_rules": [{"prefix": "/", "allow": ["*"]}]}`)); err != nil {
		t.Errorf("offline Parse with allow *: %v", err)
	}
}

func TestUsersFromEnvErrors(t *testing.T) {
	const hash = "$2y$05$.trEkaTqhdo1BvVcCa3jQO.txCYjT8jJjLncei0QYicE/WLDKQkg6"
	for _, tt := range []struct {
		name, cfg, env, want string
	}{
		{"not set", `{"users_from_env": "NOPE"}`, "", `users_from_env: environment variable NOPE is not set (give it to the VM with vmConfig.env)`},
		{"empty", `{"users_from_env": "U"}`, " \n ", `users_from_env: environment variable U is empty`},
		{"only comments", `{"users_from_env": "U"}`, "# rotated out\n\n  # alice:x\n", `users_from_env: environment variable U has no user entries (only comments and blank lines)`},
		{"bad name", `{"users_from_env": "1X"}`, "", `users_from_env: "1X" is not an environment variable name`},
		{"not a string", `{"users_from_env": 3}`, "", `users_from_env: must be a string, got number`},
		{"duplicate of users", `{"users": ["x:1", "bob:2"], "users_from_env": "U"}`, "bob:" + hash, `users_from_env (U line 1): duplicate user "bob" (first at users[1])`},
		{"duplicate line", `{"users_from_env": "U"}`, "a:1\n\nb:2\na:3", `users_from_env (U line 4): duplicate user "a" (first at line 1)`},
		{"bad hash", `{"users_from_env": "U"}`, "ok:1\nbob:$2y$05$short", `users_from_env (U line 2): user "bob": `},
		{"bad entry", `{"users_from_env": "U"}`, "no-colon-no-base64!", `users_from_env (U line 1): entry is neither`},
		{"allow needs env users", `{"users_from_env": "U", "basic_auth_rules": [{"prefix": "/", "allow": ["zed"]}]}`, "a:1", `basic_auth_rules[0].allow[0]: unknown user "zed" (not in users)`},
	} {
		env := map[string]string{}
		if tt.env != "" {
			env["U"] = tt.env
		}
		_, err := ParseWithEnv([]byte(tt.cfg), envOf(env))
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: error %v, want %q", tt.name, err, tt.want)
			continue
		}
		if strings.Contains(err.Error(), "$2y$05$") || strings.Contains(err.Error(), ":1") {
			t.Errorf("%s: error leaks a secret: %v", tt.name, err)
		}
	}
}
