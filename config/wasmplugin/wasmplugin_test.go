package wasmplugin

import (
	"os"
	"strings"
	"testing"
)

func TestCheck(t *testing.T) {
	data, err := os.ReadFile("testdata/plugins.yaml")
	if err != nil {
		t.Fatal(err)
	}
	problems, err := Check(data)
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		name, ns string
		doc      int
		err      string
	}{
		{"good", "istio-system", 1, ""},
		{"bad", "", 3, "$: unknown field \"throtle\" (did you mean \"throttle\"?)\nusers[1]: duplicate user \"bob\" (first at users[0])\nbasic_auth_rules[0].exact: empty pattern"},
		{"empty", "", 4, ""},
		{"scalar", "", 5, "spec.pluginConfig: must be an object"},
	}
	if len(problems) != len(want) {
		t.Fatalf("%d plugins, want %d", len(problems), len(want))
	}
	for i, w := range want {
		p := problems[i]
		got := ""
		if p.Err != nil {
			got = p.Err.Error()
		}
		if p.Plugin.Name != w.name || p.Plugin.Namespace != w.ns || p.Plugin.Doc != w.doc || got != w.err {
			t.Errorf("plugin %d: %+v err %q, want %s/%s doc %d err %q", i, p.Plugin, got, w.ns, w.name, w.doc, w.err)
		}
		if gotW, wantW := p.Warnings.Error(), map[string]string{"good": "$: unknown field \"comment\" is ignored\n" +
			`basic_auth_rules[0].hosts[0]: "api.example.com:443" has a port; request ports are ignored: matched as "api.example.com"`}[w.name]; gotW != wantW {
			t.Errorf("plugin %d: warnings %q, want %q", i, gotW, wantW)
		}
	}
}

func TestFindErrors(t *testing.T) {
	tests := []struct {
		in      string
		plugins int
		err     bool
	}{
		{"", 0, false},
		{"---\n---\n", 0, false},
		{"kind: WasmPlugin\nmetadata: {name: a}\n", 1, false},
		{"kind: Deployment\n", 0, false},
		{"kind: WasmPlugin\n  bad: [indent\n", 0, true},
		{"- a\n- b\n", 0, false},
		{"---x\nkind: WasmPlugin\n", 0, true}, // "---x" is not a marker: invalid YAML
	}
	for _, tt := range tests {
		ps, err := Find([]byte(tt.in))
		if (err != nil) != tt.err || len(ps) != tt.plugins {
			t.Errorf("Find(%q) = %d plugins, err %v", tt.in, len(ps), err)
		}
	}
}

// TestReadmeExample checks the WasmPlugin example of README.md's Configuration section.
func TestReadmeExample(t *testing.T) {
	data, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := strings.Cut(string(data), "\n## Configuration\n")
	if ok {
		_, rest, ok = strings.Cut(rest, "```yaml\n")
	}
	example, _, closed := strings.Cut(rest, "```")
	if !ok || !closed {
		t.Fatal("README.md has no yaml example in its Configuration section")
	}
	problems, err := Check([]byte(example))
	if err != nil || len(problems) != 1 {
		t.Fatalf("Check: %d WasmPlugins, %v", len(problems), err)
	}
	if p := problems[0]; p.Err != nil || len(p.Warnings) > 0 {
		t.Errorf("README example: %v (warnings %v)", p.Err, p.Warnings)
	}
}
