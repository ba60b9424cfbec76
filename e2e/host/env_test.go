package host_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/wasmauth/wasmauth/e2e/host"
	"github.com/wasmauth/wasmauth/filter/behaviour"
)

const envUsersConfig = `{
  "users": ["alice:Alice-Env-Pw"],
  "users_from_env": "WASMAUTH_USERS",
  "basic_auth_rules": [{"prefix": "/admin", "allow": ["alice", "carol"]}]
}`

// TestUsersFromEnv: the compiled module reads users_from_env from the VM's WASI
// environment (WasmPlugin vmConfig.env), in every VM; a missing, empty or invalid
// variable makes the plugin refuse to start, naming the problem.
func TestUsersFromEnv(t *testing.T) {
	rt := newRuntime(t, "wasmauth.wasm", host.RuntimeOptions{})
	p, err := rt.NewPlugin(context.Background(), host.PluginOptions{
		Config: []byte(envUsersConfig), VMs: 2,
		Env: map[string]string{"WASMAUTH_USERS": "carol:{SHA}RvC+VLa9zO06McPImeUuMA0OebI=\nbob:$2y$05$.trEkaTqhdo1BvVcCa3jQO.txCYjT8jJjLncei0QYicE/WLDKQkg6\n"},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close(context.Background())
	for i, tc := range []struct {
		auth string
		want int
	}{
		{behaviour.Basic("carol", "carol-password"), 0},
		{behaviour.Basic("carol", "carol-password"), 0}, // the other VM
		{behaviour.Basic("alice", "Alice-Env-Pw"), 0},
		{behaviour.Basic("bob", "bob-password"), 403}, // from the environment, not allowed
		{behaviour.Basic("carol", "nope"), 401},
	} {
		res, err := p.Do(host.Headers{{":method", "GET"}, {":authority", "h"}, {":path", "/admin"}, {"authorization", tc.auth}})
		if err != nil {
			t.Fatal(err)
		}
		got := res.Status()
		if got != tc.want {
			t.Errorf("request %d: status %d, want %d", i, got, tc.want)
		}
	}

	for _, tt := range []struct {
		name string
		env  map[string]string
		want string
	}{
		{"missing", nil, "users_from_env: environment variable WASMAUTH_USERS is not set"},
		{"empty", map[string]string{"WASMAUTH_USERS": ""}, "users_from_env: environment variable WASMAUTH_USERS is empty"},
		{"duplicate", map[string]string{"WASMAUTH_USERS": "carol:x\nalice:Other-Pw"}, `users_from_env (WASMAUTH_USERS line 2): duplicate user "alice" (first at users[0])`},
	} {
		_, err := rt.NewPlugin(context.Background(), host.PluginOptions{Config: []byte(envUsersConfig), VMs: 1, Env: tt.env})
		var se *host.StartError
		if !errors.As(err, &se) {
			t.Errorf("%s: error %v, want a StartError", tt.name, err)
			continue
		}
		if !strings.Contains(se.Error(), tt.want) {
			t.Errorf("%s: %v\nwant it to contain %q", tt.name, se, tt.want)
		}
		if strings.Contains(se.Error(), "Other-Pw") {
			t.Errorf("%s: start error leaks a password: %v", tt.name, se)
		}
	}
}
