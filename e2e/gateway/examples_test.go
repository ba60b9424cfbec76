package gateway_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/wasmauth/wasmauth/e2e/demo"
	"github.com/wasmauth/wasmauth/e2e/gateway"
	"github.com/wasmauth/wasmauth/e2e/internal/wasmtest"
)

// TestMakeRunExamples runs the curl and grpcurl commands `make run` prints against a
// gateway set up the same way (example WasmPlugin, demo upstreams, reflection route)
// and checks each gives the result its comment announces.
func TestMakeRunExamples(t *testing.T) {
	if _, err := exec.LookPath("curl"); err != nil {
		t.Skip("curl is not installed")
	}
	u := upstreams(t)
	var rs []gateway.Route
	for _, s := range []string{"/helloworld.Greeter/=h2c://" + u.GRPCAddr, demo.ReflectionPrefix + "=h2c://" + u.GRPCAddr, "/=http://" + u.HTTPAddr} {
		r, err := gateway.ParseRoute(s)
		if err != nil {
			t.Fatal(err)
		}
		rs = append(rs, r)
	}
	g, err := gateway.New(context.Background(), gateway.Options{
		Module:     wasmtest.Module(t, "wasmauth.wasm"),
		ConfigPath: filepath.Join(wasmtest.RepoRoot(), "manifests", "base", "wasmplugin.yaml"),
		Routes:     rs, VMs: 1, PollInterval: time.Hour,
	})
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	addr := startServing(t, g)
	// The pinned grpcurl first in PATH: the commands are run as printed.
	path := filepath.Dir(wasmtest.Tool(t, "grpcurl")) + ":" + os.Getenv("PATH")
	line := regexp.MustCompile(`^\s+((?:curl|grpcurl) .*?)\s+# (\S+)`)
	n := 0
	for _, l := range strings.Split(demo.Examples(addr), "\n") {
		m := line.FindStringSubmatch(l)
		if m == nil {
			continue
		}
		cmdline, want := m[1], strings.TrimSuffix(strings.TrimSuffix(m[2], ":"), ",")
		n++
		cmd := exec.Command("bash", "-c", cmdline)
		cmd.Env = append(os.Environ(), "PATH="+path)
		out, _ := cmd.CombinedOutput()
		got := string(out)
		var ok bool
		switch want {
		case "200", "401", "403":
			ok = regexp.MustCompile(`(?m)^HTTP/[0-9.]+ ` + want + ` `).MatchString(got)
		case "OK":
			ok = strings.Contains(got, `"message": "Hello you"`)
		default: // a gRPC status name
			ok = strings.Contains(got, "Code: "+want)
		}
		if !ok {
			t.Errorf("%s\nwant %s, got:\n%s", cmdline, want, got)
		}
	}
	if n < 6 {
		t.Fatalf("only %d example commands found", n)
	}
}
