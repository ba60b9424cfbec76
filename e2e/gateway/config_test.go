package gateway_test

import (
	"context"
	"encoding/json"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/examples/helloworld/helloworld"
	"google.golang.org/grpc/status"

	"github.com/wasmauth/wasmauth/e2e/gateway"
	"github.com/wasmauth/wasmauth/e2e/internal/wasmtest"
	"github.com/wasmauth/wasmauth/filter/behaviour"
)

func TestExtractPluginConfig(t *testing.T) {
	cases := []struct {
		name, in, want, err string
	}{
		{"empty", "  \n", "", ""},
		{"json as is", `{"realm": "x"}`, `{"realm": "x"}`, ""},
		{"broken json", `{"realm": `, "", "invalid JSON"},
		{"wasmplugin", "apiVersion: extensions.istio.io/v1alpha1\nkind: WasmPlugin\nspec:\n  pluginConfig:\n    realm: r\n    users: [\"a:b\"]\n", `{"realm":"r","users":["a:b"]}`, ""},
		{"wasmplugin after other docs", "kind: Namespace\n---\nkind: WasmPlugin\nspec:\n  pluginConfig:\n    realm: r\n", `{"realm":"r"}`, ""},
		{"wasmplugin without pluginConfig", "kind: WasmPlugin\nspec:\n  url: oci://x\n", "", ""},
		{"yaml without wasmplugin", "kind: Service\n", "", "no WasmPlugin"},
		{"bad yaml", "kind: [\n", "", "invalid YAML"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := gateway.ExtractPluginConfig([]byte(c.in))
			if c.err != "" {
				if err == nil || !strings.Contains(err.Error(), c.err) {
					t.Fatalf("error %v, want one containing %q", err, c.err)
				}
				return
			}
			if err != nil || string(got) != c.want {
				t.Fatalf("got %q, %v; want %q", got, err, c.want)
			}
		})
	}
}

func TestExtractFromTheExampleManifest(t *testing.T) {
	cfg, err := gateway.LoadPluginConfig(filepath.Join(wasmtest.RepoRoot(), "manifests", "base", "wasmplugin.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var v map[string]any
	if err := json.Unmarshal(cfg, &v); err != nil || v["basic_auth_rules"] == nil {
		t.Fatalf("pluginConfig %s: %v", cfg, err)
	}
}

func TestParseRoute(t *testing.T) {
	for _, c := range []struct {
		in string
		ok bool
	}{
		{"/=http://127.0.0.1:8081", true},
		{"/helloworld.Greeter/=h2c://127.0.0.1:50051", true},
		{"api=http://x:1", false},
		{"/=https://x:1", false},
		{"/=http://x:1/path", false},
		{"/", false},
	} {
		if _, err := gateway.ParseRoute(c.in); (err == nil) != c.ok {
			t.Errorf("ParseRoute(%q): %v", c.in, err)
		}
	}
}

// TestDefaultManifestConfig runs the gateway as `make run` does, on the example
// WasmPlugin's pluginConfig, and checks the allow and deny it demonstrates.
func TestDefaultManifestConfig(t *testing.T) {
	u := upstreams(t)
	g, err := gateway.New(context.Background(), gateway.Options{
		Module:     wasmtest.Module(t, "wasmauth.wasm"),
		ConfigPath: filepath.Join(wasmtest.RepoRoot(), "manifests", "base", "wasmplugin.yaml"),
		Routes:     routes(t, u), VMs: 1, PollInterval: time.Hour,
	})
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	gw := startServing(t, g)
	for _, c := range []struct {
		user, pass string
		want       int
	}{{"", "", 401}, {"alice", "alice-password", 200}, {"bob", "bob-password", 200}, {"alice", "wrong", 401}} {
		req, _ := http.NewRequest("GET", "http://"+gw+"/hello", nil)
		req.Host = "echo.example.com"
		if c.user != "" {
			req.SetBasicAuth(c.user, c.pass)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != c.want {
			t.Errorf("%s: status %d, want %d", c.user, resp.StatusCode, c.want)
		}
	}
	conn, err := grpc.NewClient(gw, grpc.WithTransportCredentials(insecure.NewCredentials()), grpc.WithAuthority("grpc.example.com"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	for _, c := range []struct {
		creds metadataCreds
		want  codes.Code
	}{
		{nil, codes.Unauthenticated},
		{metadataCreds{"authorization": behaviour.Basic("alice", "alice-password")}, codes.OK},
		{metadataCreds{"authorization": behaviour.Basic("bob", "bob-password")}, codes.PermissionDenied},
	} {
		var opts []grpc.CallOption
		if c.creds != nil {
			opts = append(opts, grpc.PerRPCCredentials(c.creds))
		}
		_, err := helloworld.NewGreeterClient(conn).SayHello(context.Background(), &helloworld.HelloRequest{Name: "x"}, opts...)
		if status.Code(err) != c.want {
			t.Errorf("%v: got %v, want %v", c.creds, err, c.want)
		}
	}
}
