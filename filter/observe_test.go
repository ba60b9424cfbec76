package main

import (
	"slices"
	"strings"
	"testing"

	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm/proxytest"
	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm/types"

	"github.com/wasmauth/wasmauth/filter/behaviour"
)

const observeConfig = `{
  "realm": "obs",
  "users": ["alice:s3cret-Alice", "bob:hunter2-Bob"],
  "basic_auth_rules": [
    {"name": "admin", "prefix": "/admin", "allow": ["alice"]},
    {"name": "tenant", "prefix": "/t", "allow": ["*"], "metadata": [{"name": "x-tenant", "exact": "acme"}]}
  ],
  "exemptions": [{"prefix": "/healthz"}],
  "default_action": "allow"
}`

// send runs one request and returns the local reply's status (0 if it continued).
func send(host proxytest.HostEmulator, headers ...string) int {
	h := [][2]string{{":method", "GET"}, {":authority", "obs.example.com"}}
	for i := 0; i+1 < len(headers); i += 2 {
		h = append(h, [2]string{headers[i], headers[i+1]})
	}
	id := host.InitializeHttpContext()
	host.CallOnRequestHeaders(id, h, false)
	status := 0
	if r := host.GetSentLocalResponse(id); r != nil {
		status = int(r.StatusCode)
	}
	host.CompleteHttpContext(id)
	return status
}

func TestMetrics(t *testing.T) {
	vmTest(t, func(t *testing.T, vm types.VMContext) {
		host, status := newHost(t, vm, observeConfig)
		if status != types.OnPluginStartStatusOK {
			t.Fatalf("plugin refused to start: %v", host.GetCriticalLogs())
		}
		send(host, ":path", "/admin", "authorization", behaviour.Basic("alice", "s3cret-Alice")) // allowed, rule admin
		send(host, ":path", "/admin", "authorization", behaviour.Basic("alice", "s3cret-Alice")) // allowed, rule admin
		send(host, ":path", "/admin")                                                            // 401
		send(host, ":path", "/admin", "authorization", behaviour.Basic("bob", "hunter2-Bob"))    // 403 not allowed
		send(host, ":path", "/t/x", "authorization", behaviour.Basic("bob", "hunter2-Bob"))      // 403 metadata
		send(host, ":path", "/healthz")                                                          // exempt
		send(host, ":path", "/public")                                                           // unmatched
		send(host, ":path", "/a%2Fb")                                                            // 400
		for name, want := range map[string]uint64{
			"wasmauth.allowed":                2,
			"wasmauth.denied_unauthenticated": 1,
			"wasmauth.denied_forbidden":       2,
			"wasmauth.denied_bad_request":     1,
			"wasmauth.exempt":                 1,
			"wasmauth.unmatched":              1,
			"wasmauth.dry_run_would_deny":     0,
			"wasmauth.rule.admin.allowed":     2,
			"wasmauth.rule.admin.denied":      2,
			"wasmauth.rule.tenant.denied":     1,
			"wasmauth.rule.tenant.allowed":    0,
		} {
			got, err := host.GetCounterMetric(name)
			if err != nil {
				t.Errorf("%s: %v", name, err)
			} else if got != want {
				t.Errorf("%s = %d, want %d", name, got, want)
			}
		}
	})
}

// TestLogsNeverContainCredentials denies and allows requests carrying passwords, user
// names and base64 credentials, then searches every log line for them.
func TestLogsNeverContainCredentials(t *testing.T) {
	secrets := []string{"s3cret-Alice", "hunter2-Bob", "wrong-Pass", "mallory-Name"}
	vmTest(t, func(t *testing.T, vm types.VMContext) {
		host, status := newHost(t, vm, observeConfig)
		if status != types.OnPluginStartStatusOK {
			t.Fatalf("plugin refused to start: %v", host.GetCriticalLogs())
		}
		var sent []string
		for _, cred := range []string{
			behaviour.Basic("alice", "s3cret-Alice"),
			behaviour.Basic("alice", "wrong-Pass"),
			behaviour.Basic("mallory-Name", "hunter2-Bob"),
			behaviour.Basic("bob", "hunter2-Bob"),
			"Basic " + "bWFsbG9yeS1OYW1l", // "mallory-Name" without a colon
			"Bearer s3cret-Alice",
		} {
			sent = append(sent, cred, strings.TrimPrefix(cred, "Basic "))
			for _, path := range []string{"/admin", "/t/x?token=s3cret-Alice"} {
				send(host, ":path", path, "authorization", cred)
			}
		}
		var logs []string
		for _, l := range [][]string{host.GetTraceLogs(), host.GetDebugLogs(), host.GetInfoLogs(),
			host.GetWarnLogs(), host.GetErrorLogs(), host.GetCriticalLogs()} {
			logs = append(logs, l...)
		}
		if len(host.GetWarnLogs()) < 8 {
			t.Fatalf("expected one warning per denial, got %d: %q", len(host.GetWarnLogs()), host.GetWarnLogs())
		}
		for _, line := range logs {
			for _, s := range append(sent, secrets...) {
				if strings.Contains(line, s) {
					t.Errorf("log line contains a credential (%q): %s", s, line)
				}
			}
		}
	})
}

func TestDenialLogLine(t *testing.T) {
	vmTest(t, func(t *testing.T, vm types.VMContext) {
		host, _ := newHost(t, vm, observeConfig)
		send(host, ":path", "/admin/x?q=1", "authorization", behaviour.Basic("bob", "hunter2-Bob"))
		logs := host.GetWarnLogs()
		want := `wasmauth: denied 403 reason="user not allowed" rule=admin method="GET" host="obs.example.com" path="/admin/x"`
		if len(logs) != 1 || logs[0] != want {
			t.Fatalf("warn logs = %q\nwant [%q]", logs, want)
		}
	})
}

func TestDryRun(t *testing.T) {
	config := strings.Replace(observeConfig, `"realm": "obs",`, `"realm": "obs", "dry_run": true,`, 1)
	vmTest(t, func(t *testing.T, vm types.VMContext) {
		host, status := newHost(t, vm, config)
		if status != types.OnPluginStartStatusOK {
			t.Fatalf("plugin refused to start: %v", host.GetCriticalLogs())
		}
		if got := send(host, ":path", "/admin"); got != 0 {
			t.Fatalf("dry run replied %d, want the request to continue", got)
		}
		if got, _ := host.GetCounterMetric("wasmauth.dry_run_would_deny"); got != 1 {
			t.Errorf("dry_run_would_deny = %d, want 1", got)
		}
		if got, _ := host.GetCounterMetric("wasmauth.denied_unauthenticated"); got != 1 {
			t.Errorf("denied_unauthenticated = %d, want 1 (counted as it would have been)", got)
		}
		if logs := host.GetWarnLogs(); len(logs) != 1 || !strings.HasPrefix(logs[0], "wasmauth: dry-run: would deny 401") {
			t.Errorf("warn logs = %q", logs)
		}
	})
}

func TestInvalidConfigRefusesToStart(t *testing.T) {
	for _, tt := range []struct{ name, config, log string }{
		{"wrong type", `{"basic_auth_rules": [{"prefix": "/a", "hosts": [1.5], "credentials": ["u:p"]}]}`,
			`wasmauth: invalid pluginConfig: basic_auth_rules[0].hosts[0]: must be a string, got number`},
		{"near-miss of a wasmauth field", `{"dryRun": true, "basic_auth_rules": [{"prefix": "/a", "credentials": ["u:p"]}]}`,
			`wasmauth: invalid pluginConfig: $: unknown field "dryRun" (did you mean "dry_run"?)`},
		{"near-miss of a wasmauth rule field", `{"basic_auth_rules": [{"prefix": "/a", "credentials": ["u:p"], "metdata": []}]}`,
			`wasmauth: invalid pluginConfig: basic_auth_rules[0]: unknown field "metdata" (did you mean "metadata"?)`},
		{"unknown field of an exemption", `{"exemptions": [{"prefix": "/h", "method": "GET"}]}`,
			`wasmauth: invalid pluginConfig: exemptions[0]: unknown field "method"`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			vmTest(t, func(t *testing.T, vm types.VMContext) {
				host, status := newHost(t, vm, tt.config)
				if status != types.OnPluginStartStatusFailed {
					t.Fatalf("OnPluginStart = %v, want Failed", status)
				}
				if logs := host.GetCriticalLogs(); !slices.Contains(logs, tt.log) {
					t.Errorf("critical logs %q do not have %q", logs, tt.log)
				}
			})
		})
	}
}

func TestCompatibilityWarningsAreLogged(t *testing.T) {
	for _, tt := range []struct {
		name, config string
		want         []string
	}{
		{"patterns", `{"basic_auth_rules": [{"prefix": "api", "hosts": ["a.com:443"], "credentials": ["u:p"]}]}`, []string{
			`wasmauth: pluginConfig: basic_auth_rules[0].hosts[0]: "a.com:443" has a port; request ports are ignored: matched as "a.com"`,
			`wasmauth: pluginConfig: basic_auth_rules[0].prefix: "api" can never match: paths start with /`,
		}},
		{"ignored fields, methods, realm", `{"realm": "r\n", "note": "x", "basic_auth_rules": [{"prefix": "/a", "request_methods": ["G T"], "credentials": ["u:p"], "hosts_typo": []}]}`, []string{
			`wasmauth: pluginConfig: $: unknown field "note" is ignored`,
			`wasmauth: pluginConfig: realm: "r\n" contains control characters, which a header value cannot carry: they are removed (realm "r")`,
			`wasmauth: pluginConfig: basic_auth_rules[0]: unknown field "hosts_typo" is ignored`,
			`wasmauth: pluginConfig: basic_auth_rules[0].request_methods[0]: "G T" is not a method (an HTTP token of at most 32 bytes): it never matches a request`,
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			vmTest(t, func(t *testing.T, vm types.VMContext) {
				host, status := newHost(t, vm, tt.config)
				if status != types.OnPluginStartStatusOK {
					t.Fatalf("OnPluginStart = %v, want OK", status)
				}
				if logs := host.GetWarnLogs(); strings.Join(logs, "\n") != strings.Join(tt.want, "\n") {
					t.Errorf("warn logs\n got: %q\nwant: %q", logs, tt.want)
				}
			})
		})
	}
}
