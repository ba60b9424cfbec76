package main

import (
	"strings"
	"testing"

	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm/types"

	"github.com/wasmauth/wasmauth/filter/behaviour"
)

const envConfig = `{
  "users_from_env": "WASMAUTH_TEST_USERS",
  "basic_auth_rules": [{"name": "admin", "prefix": "/admin", "allow": ["carol"]}]
}`

// TestUsersFromEnvNative: the filter reads users_from_env from the process
// environment (the VM's, under Envoy). The SDK emulator cannot give the compiled
// module an environment, so the compiled module's reading of it is tested in
// e2e/host; here the module must refuse to start without it (fail closed).
func TestUsersFromEnvNative(t *testing.T) {
	t.Setenv("WASMAUTH_TEST_USERS", "# from a Secret\ncarol:{SHA}RvC+VLa9zO06McPImeUuMA0OebI=\n")
	host, status := newHost(t, &vmContext{}, envConfig)
	if status != types.OnPluginStartStatusOK {
		t.Fatalf("plugin refused to start: %v", host.GetCriticalLogs())
	}
	if got := send(host, ":path", "/admin", "authorization", behaviour.Basic("carol", "carol-password")); got != 0 {
		t.Errorf("carol from the environment: status %d, want allowed", got)
	}
	if got := send(host, ":path", "/admin", "authorization", behaviour.Basic("carol", "wrong")); got != 401 {
		t.Errorf("wrong password: status %d, want 401", got)
	}
}

func TestUsersFromEnvMissingRefusesToStart(t *testing.T) {
	vmTest(t, func(t *testing.T, vm types.VMContext) {
		t.Setenv("WASMAUTH_TEST_USERS", "") // native: set but empty; wasm: no environment at all
		host, status := newHost(t, vm, envConfig)
		if status != types.OnPluginStartStatusFailed {
			t.Fatalf("OnPluginStart = %v, want Failed", status)
		}
		logs := strings.Join(host.GetCriticalLogs(), "\n")
		if !strings.Contains(logs, "wasmauth: invalid pluginConfig: users_from_env: environment variable WASMAUTH_TEST_USERS is") {
			t.Errorf("critical logs: %q", logs)
		}
	})
}
