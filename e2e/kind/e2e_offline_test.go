package kind

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wasmauth/wasmauth/e2e/kind/manifestcheck"
)

// These tests check, without docker, the pieces TestKindE2E relies on.

func TestCatchallManifest(t *testing.T) {
	c := istioChecker(t)
	data, err := os.ReadFile("testdata/catchall.yaml")
	if err != nil {
		t.Fatal(err)
	}
	extra, err := manifestcheck.SplitYAML("catchall", data)
	if err != nil {
		t.Fatal(err)
	}
	if len(extra) != 2 {
		t.Fatalf("want Gateway and VirtualService, got %d documents", len(extra))
	}
	for _, d := range extra {
		for _, p := range c.Check(d) {
			t.Error(p)
		}
	}
	docs := append(render(t, filepath.Join(manifestsDir, "overlays", "kind")), extra...)
	for _, err := range crossCheck(docs) {
		t.Error(err)
	}
}

func TestPinAndJoin(t *testing.T) {
	c := istioChecker(t)
	docs := render(t, filepath.Join(manifestsDir, "overlays", "kind"))
	digest := strings.Repeat("0123456789abcdef", 4)
	out, err := pinAndJoin(docs, digest)
	if err != nil {
		t.Fatal(err)
	}
	again, err := manifestcheck.SplitYAML("pinned", out)
	if err != nil {
		t.Fatal(err)
	}
	if len(again) != len(docs) {
		t.Fatalf("%d documents after joining, want %d", len(again), len(docs))
	}
	for _, d := range again {
		for _, p := range c.Check(d) {
			t.Error(p)
		}
	}
	wp := find(again, "WasmPlugin", "wasmauth")
	if wp == nil || lookup(wp.Object, "spec.sha256") != digest {
		t.Fatalf("WasmPlugin not pinned to %s", digest)
	}
	if _, err := pinAndJoin(again[:0], digest); err == nil {
		t.Error("want an error when there is no WasmPlugin to pin")
	}
}

func TestDigestLine(t *testing.T) {
	hex := strings.Repeat("ab", 32)
	cases := []struct {
		out  string
		want string
	}{
		{"digest: sha256:" + hex + "\npushed: localhost:5001/wasmauth:e2e@sha256:" + hex + "\n", hex},
		{"credentials for localhost:5001: anonymous\ndigest: sha256:" + hex + "\n", hex},
		{"sha256:" + hex + "\n", ""},
		{"digest: sha256:" + hex[:60] + "\n", ""},
	}
	for _, tc := range cases {
		m := digestLine.FindStringSubmatch(tc.out)
		got := ""
		if m != nil {
			got = m[1]
		}
		if got != tc.want {
			t.Errorf("%q: got %q, want %q", tc.out, got, tc.want)
		}
	}
}

// TestE2EExpectationsMatchBase keeps the e2e cases in step with the example
// configuration they exercise.
func TestE2EExpectationsMatchBase(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(manifestsDir, "base", "wasmplugin.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	docs, err := manifestcheck.SplitYAML("base", data)
	if err != nil || len(docs) != 1 {
		t.Fatalf("base: %d documents, %v", len(docs), err)
	}
	if got := lookup(docs[0].Object, "spec.pluginConfig.realm"); got != realm {
		t.Errorf("base realm %v, e2e expects %q", got, realm)
	}
	hosts := map[string]bool{}
	rules, _ := lookup(docs[0].Object, "spec.pluginConfig.basic_auth_rules").([]any)
	for _, r := range rules {
		hs, _ := r.(map[string]any)["hosts"].([]any)
		for _, h := range hs {
			hosts[h.(string)] = true
		}
	}
	for _, h := range []string{echoHost, grpcHost} {
		if !hosts[h] {
			t.Errorf("e2e host %s is not protected by any rule of the base config", h)
		}
	}
}

func TestContainsLine(t *testing.T) {
	if !containsLine("kind\nwasmauth-e2e\n", "wasmauth-e2e") || containsLine("wasmauth-e2e-2\n", "wasmauth-e2e") {
		t.Error("containsLine")
	}
}
