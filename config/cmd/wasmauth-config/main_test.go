package main

import (
	"bytes"
	"testing"
)

func TestRun(t *testing.T) {
	tests := []struct {
		name           string
		args           []string
		code           int
		stdout, stderr string
	}{
		{"no args", nil, 2, "", usage},
		{"help", []string{"-h"}, 0, usage, ""},
		{"unknown command", []string{"lint"}, 2, "", "wasmauth-config: unknown command \"lint\"\n" + usage},
		{"check without files", []string{"check"}, 2, "", "wasmauth-config: check needs at least one FILE\n" + usage},
		{"good json", []string{"check", "testdata/good.json"}, 0, "testdata/good.json: ok\n", ""},
		{"no extension json", []string{"check", "testdata/noext"}, 0, "testdata/noext: ok\n", ""},
		{"bad json", []string{"check", "testdata/bad.json", "testdata/good.json"}, 1, "testdata/good.json: ok\n",
			"testdata/bad.json: realm: must be a string, got number\n" +
				"testdata/bad.json: basic_auth_rules[0]: needs exactly one of prefix, exact, suffix; got prefix and exact\n"},
		{"broken json", []string{"check", "testdata/broken.json"}, 1, "", "testdata/broken.json: $: invalid JSON\n"},
		{"missing file", []string{"check", "testdata/nope.json"}, 1, "", "testdata/nope.json: open testdata/nope.json: no such file or directory\n"},
		{"no wasmplugin", []string{"check", "testdata/service.yaml"}, 1, "", "testdata/service.yaml: no WasmPlugin found\n"},
		{"yaml stream", []string{"check", "testdata/plugins.yaml"}, 1,
			"testdata/plugins.yaml: WasmPlugin/good: ok\ntestdata/plugins.yaml: WasmPlugin/empty: ok\n",
			"testdata/plugins.yaml: WasmPlugin/good: warning: $: unknown field \"comment\" is ignored\n" +
				"testdata/plugins.yaml: WasmPlugin/good: warning: basic_auth_rules[0].hosts[0]: \"api.example.com:443\" has a port; request ports are ignored: matched as \"api.example.com\"\n" +
				"testdata/plugins.yaml: WasmPlugin/bad: $: unknown field \"throtle\" (did you mean \"throttle\"?)\n" +
				"testdata/plugins.yaml: WasmPlugin/bad: users[1]: duplicate user \"bob\" (first at users[0])\n" +
				"testdata/plugins.yaml: WasmPlugin/bad: basic_auth_rules[0].exact: empty pattern\n" +
				"testdata/plugins.yaml: WasmPlugin/scalar: spec.pluginConfig: must be an object\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out, errb bytes.Buffer
			code := run(tt.args, &out, &errb)
			if code != tt.code || out.String() != tt.stdout || errb.String() != tt.stderr {
				t.Errorf("exit %d\nstdout:\n%s\nstderr:\n%s\nwant exit %d\nstdout:\n%s\nstderr:\n%s", code, out.String(), errb.String(), tt.code, tt.stdout, tt.stderr)
			}
		})
	}
}
