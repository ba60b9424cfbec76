package gateway_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wasmauth/wasmauth/e2e/internal/wasmtest"
	"github.com/wasmauth/wasmauth/filter/behaviour"
)

// configOf returns the pluginConfig of the named behaviour case.
func configOf(t testing.TB, name string) string {
	for _, c := range behaviour.Cases() {
		if c.Name == name {
			return c.Config
		}
	}
	t.Fatalf("no behaviour case %q", name)
	return ""
}

// TestCurl drives the gateway with curl over HTTP/1.1 and h2c (prior knowledge).
func TestCurl(t *testing.T) {
	curl, err := exec.LookPath("curl")
	if err != nil {
		t.Skip("curl is not installed (apt-get install curl)")
	}
	gw := startGateway(t, configOf(t, "users/plaintext user allowed"), time.Hour)
	cases := []struct {
		name string
		args []string
		want string // "<http_code> <http_version>"
	}{
		{"http1 deny", []string{"--http1.1", "-H", "Host: demo.local", "http://" + gw.Addr + "/admin/x"}, "401 1.1"},
		{"http1 allow", []string{"--http1.1", "-u", "alice:alice-password", "-H", "Host: demo.local", "http://" + gw.Addr + "/admin/x"}, "200 1.1"},
		{"h2c deny wrong user", []string{"--http2-prior-knowledge", "-u", "bob:bob-password", "-H", "Host: demo.local", "http://" + gw.Addr + "/admin/x"}, "403 2"},
		{"h2c allow", []string{"--http2-prior-knowledge", "-u", "alice:alice-password", "-H", "Host: demo.local", "http://" + gw.Addr + "/admin/x"}, "200 2"},
		{"h2c exempt", []string{"--http2-prior-knowledge", "-H", "Host: demo.local", "http://" + gw.Addr + "/healthz"}, "200 2"},
		{"h2c upload allowed", []string{"--http2-prior-knowledge", "-u", "alice:alice-password", "-H", "Host: demo.local", "--data-binary", "@-", "http://" + gw.Addr + "/admin/upload"}, "200 2"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			args := append([]string{"-sS", "-o", "/dev/null", "-w", "%{http_code} %{http_version}", "--max-time", "10"}, c.args...)
			cmd := exec.Command(curl, args...)
			cmd.Stdin = strings.NewReader(strings.Repeat("x", 1<<20))
			out, err := cmd.CombinedOutput()
			if err != nil {
				t.Fatalf("curl: %v: %s", err, out)
			}
			if got := strings.TrimSpace(string(out)); got != c.want {
				t.Fatalf("curl got %q, want %q", got, c.want)
			}
		})
	}
}

// TestPythonGRPCClient calls the Greeter through the gateway with Debian's
// python3-grpcio, a gRPC implementation that shares no code with grpc-go.
func TestPythonGRPCClient(t *testing.T) {
	py := "/usr/bin/python3"
	if err := exec.Command(py, "-c", "import grpc").Run(); err != nil {
		t.Skipf("python3-grpcio is not installed (apt-get install -y python3-grpcio): %v", err)
	}
	gw := startGateway(t, configOf(t, "grpc/ok with basic"), time.Hour)
	script, _ := filepath.Abs("testdata/greeter_client.py")
	cases := []struct {
		name string
		meta []string
		want string
	}{
		{"no credentials", nil, "UNAUTHENTICATED"},
		{"wrong password", []string{"authorization=" + behaviour.Basic("alice", "nope")}, "UNAUTHENTICATED"},
		{"user not allowed", []string{"authorization=" + behaviour.Basic("carol", "carol-password")}, "PERMISSION_DENIED"},
		{"basic credentials", []string{"authorization=" + behaviour.Basic("alice", "alice-password")}, "OK Hello python"},
		{"metadata credentials", []string{"username=alice", "password=alice-password"}, "OK Hello python"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			args := append([]string{script, gw.Addr, "demo.local", "python"}, c.meta...)
			cmd := exec.Command(py, args...)
			cmd.Env = append(os.Environ(), "GRPC_VERBOSITY=NONE")
			out, err := cmd.CombinedOutput()
			if err != nil {
				t.Fatalf("python client: %v\n%s", err, out)
			}
			if got := strings.TrimSpace(string(out)); !strings.HasPrefix(got, c.want) {
				t.Fatalf("got %q, want %q...", got, c.want)
			}
		})
	}
}

// TestGRPCurl runs grpcurl (the tool `make run` suggests) against the gateway.
func TestGRPCurl(t *testing.T) {
	grpcurl := wasmtest.Tool(t, "grpcurl")
	proto, err := helloworldProtoDir()
	if err != nil {
		t.Skipf("helloworld.proto not found in the module cache: %v", err)
	}
	gw := startGateway(t, configOf(t, "grpc/ok with basic"), time.Hour)
	run := func(extra ...string) string {
		args := append([]string{"-plaintext", "-import-path", proto, "-proto", "helloworld.proto", "-authority", "demo.local", "-d", `{"name":"grpcurl"}`}, extra...)
		args = append(args, gw.Addr, "helloworld.Greeter/SayHello")
		out, _ := exec.Command(grpcurl, args...).CombinedOutput()
		return string(out)
	}
	if out := run(); !strings.Contains(out, "Unauthenticated") {
		t.Errorf("without credentials: %s", out)
	}
	if out := run("-H", "authorization: "+behaviour.Basic("bob", "bob-password")); !strings.Contains(out, `"message": "Hello grpcurl"`) {
		t.Errorf("with credentials: %s", out)
	}
}

// helloworldProtoDir finds helloworld.proto of the pinned grpc examples module.
func helloworldProtoDir() (string, error) {
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "google.golang.org/grpc/examples").Output()
	if err != nil {
		return "", err
	}
	dir := filepath.Join(strings.TrimSpace(string(out)), "helloworld", "helloworld")
	_, err = os.Stat(filepath.Join(dir, "helloworld.proto"))
	return dir, err
}
