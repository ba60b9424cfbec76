package kind

import (
	"os"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"
)

// TestCIWorkflow checks the GitHub Actions workflow forks rely on: it parses
// strictly as YAML, runs on push and pull requests, and has a `make test` job
// and a `make e2e-kind` job on ubuntu-24.04 (whose LLVM 19 packages the TinyGo
// bootstrap installs).
func TestCIWorkflow(t *testing.T) {
	data, err := os.ReadFile("../../.github/workflows/ci.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var wf struct {
		Name string         `json:"name"`
		On   map[string]any `json:"on"`
		Jobs map[string]struct {
			RunsOn string `json:"runs-on"`
			Steps  []struct {
				Run  string `json:"run"`
				Uses string `json:"uses"`
			} `json:"steps"`
		} `json:"jobs"`
	}
	if err := yaml.Unmarshal(data, &wf); err != nil {
		t.Fatal(err)
	}
	for _, ev := range []string{"push", "pull_request"} {
		if _, ok := wf.On[ev]; !ok {
			t.Errorf("workflow does not run on %s", ev)
		}
	}
	for job, command := range map[string]string{"test": "make test", "e2e-kind": "make e2e-kind"} {
		j, ok := wf.Jobs[job]
		if !ok {
			t.Errorf("no job %s", job)
			continue
		}
		if j.RunsOn != "ubuntu-24.04" {
			t.Errorf("job %s runs on %q, want ubuntu-24.04", job, j.RunsOn)
		}
		found, checkout := false, false
		for _, s := range j.Steps {
			if strings.TrimSpace(s.Run) == command {
				found = true
			}
			if strings.HasPrefix(s.Uses, "actions/checkout@") {
				checkout = true
			}
		}
		if !found || !checkout {
			t.Errorf("job %s: checkout %v, step %q %v", job, checkout, command, found)
		}
	}
}
