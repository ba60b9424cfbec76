package host_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/wasmauth/wasmauth/e2e/host"
	"github.com/wasmauth/wasmauth/e2e/internal/wasmtest"
	"github.com/wasmauth/wasmauth/filter/behaviour"
)

func readYAML(t *testing.T, path string) map[string]any {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := yaml.Unmarshal(data, &m); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return m
}

func dig(m map[string]any, keys ...string) any {
	var v any = m
	for _, k := range keys {
		mm, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = mm[k]
	}
	return v
}

// TestUsersFromSecretExample runs manifests/overlays/users-from-secret the way the
// cluster would: the base pluginConfig with the overlay's pluginConfig keys, the
// environment variable named by vmConfig.env holding the Secret's htpasswd lines,
// and checks that the Deployment patch feeds that variable from that Secret key.
func TestUsersFromSecretExample(t *testing.T) {
	dir := filepath.Join(wasmtest.RepoRoot(), "manifests")
	overlay := filepath.Join(dir, "overlays", "users-from-secret")
	secret := readYAML(t, filepath.Join(overlay, "secret.yaml"))
	patch := readYAML(t, filepath.Join(overlay, "wasmplugin-env.yaml"))
	base := readYAML(t, filepath.Join(dir, "base", "wasmplugin.yaml"))

	env, _ := dig(patch, "spec", "vmConfig", "env").([]any)
	if len(env) != 1 || dig(env[0].(map[string]any), "valueFrom") != "HOST" {
		t.Fatalf("vmConfig.env = %v, want one variable with valueFrom: HOST", env)
	}
	varName, _ := dig(env[0].(map[string]any), "name").(string)
	if got := dig(patch, "spec", "pluginConfig", "users_from_env"); got != varName {
		t.Fatalf("users_from_env = %v, want the vmConfig.env variable %q", got, varName)
	}
	lines, _ := dig(secret, "stringData", "htpasswd").(string)
	if lines == "" {
		t.Fatal("secret.yaml has no stringData.htpasswd")
	}

	var dep map[string]any
	raw, err := os.ReadFile(filepath.Join(overlay, "gateway-env-patch.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(raw, &dep); err != nil {
		t.Fatal(err)
	}
	containers, _ := dig(dep, "spec", "template", "spec", "containers").([]any)
	if len(containers) != 1 {
		t.Fatalf("deployment patch containers = %v", containers)
	}
	c := containers[0].(map[string]any)
	denv, _ := c["env"].([]any)
	if c["name"] != "istio-proxy" || len(denv) != 1 {
		t.Fatalf("deployment patch container = %v", c)
	}
	e := denv[0].(map[string]any)
	if e["name"] != varName || dig(e, "valueFrom", "secretKeyRef", "name") != dig(secret, "metadata", "name") ||
		dig(e, "valueFrom", "secretKeyRef", "key") != "htpasswd" {
		t.Fatalf("deployment env %v does not take %s from the Secret's htpasswd key", e, varName)
	}
	if dig(secret, "metadata", "namespace") != dig(base, "metadata", "namespace") {
		t.Fatal("the Secret is not in the gateway's namespace")
	}

	// The plugin configuration Istio would hand over: base with the patch's keys.
	pc := dig(base, "spec", "pluginConfig").(map[string]any)
	for k, v := range dig(patch, "spec", "pluginConfig").(map[string]any) {
		pc[k] = v
	}
	cfg, err := json.Marshal(pc)
	if err != nil {
		t.Fatal(err)
	}
	rt := newRuntime(t, "wasmauth.wasm", host.RuntimeOptions{})
	p, err := rt.NewPlugin(context.Background(), host.PluginOptions{Config: cfg, VMs: 1, Env: map[string]string{varName: lines}})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close(context.Background())
	for _, tc := range []struct {
		user, pass string
		want       int
	}{
		{"alice", "alice-password", 0},
		{"bob", "bob-password", 403}, // base rule echo-admin allows alice only
		{"alice", "wrong", 401},
	} {
		res, err := p.Do(host.Headers{{":method", "GET"}, {":authority", "echo.example.com"}, {":path", "/admin"},
			{"authorization", behaviour.Basic(tc.user, tc.pass)}})
		if err != nil {
			t.Fatal(err)
		}
		got := res.Status()
		if got != tc.want {
			t.Errorf("%s/%s: status %d, want %d", tc.user, tc.pass, got, tc.want)
		}
	}
	// Without the variable (Secret missing) the plugin refuses to start: FAIL_CLOSE.
	if _, err := rt.NewPlugin(context.Background(), host.PluginOptions{Config: cfg, VMs: 1}); err == nil || !strings.Contains(err.Error(), "is not set") {
		t.Errorf("without the Secret: %v, want a refused start", err)
	}
}
