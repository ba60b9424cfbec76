package kindenv

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/pelletier/go-toml/v2"
	kindv1alpha4 "sigs.k8s.io/kind/pkg/apis/config/v1alpha4"
	"sigs.k8s.io/yaml"

	"github.com/wasmauth/wasmauth/e2e/kind/manifestcheck"
)

func TestDefaultIsValid(t *testing.T) {
	if err := Default().Validate(); err != nil {
		t.Fatal(err)
	}
}

func TestValidate(t *testing.T) {
	cases := []struct {
		name   string
		mutate func(*Config)
		want   string
	}{
		{"cluster name", func(c *Config) { c.ClusterName = "a b" }, "cluster name"},
		{"registry name", func(c *Config) { c.RegistryName = "" }, "registry name"},
		{"registry port", func(c *Config) { c.RegistryPort = 0 }, "registry port 0"},
		{"node port", func(c *Config) { c.HTTPNodePort = 8080 }, "node port 8080"},
		{"host port", func(c *Config) { c.HTTPHostPort = 70000 }, "HTTP host port 70000"},
		{"istio version", func(c *Config) { c.IstioVersion = "1.31" }, `Istio version "1.31"`},
		{"istio version letters", func(c *Config) { c.IstioVersion = "1.x.1" }, "Istio version"},
		{"registry image", func(c *Config) { c.RegistryImage = "" }, "registry image"},
		{"node image", func(c *Config) { c.NodeImage = "kindest/node v1" }, "node image"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := Default()
			tc.mutate(&c)
			err := c.Validate()
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want %q", err, tc.want)
			}
		})
	}
}

// TestKindConfig decodes the generated config strictly into kind's own API
// types (v0.33.0), so a misspelt field fails here and not on a CI runner.
func TestKindConfig(t *testing.T) {
	c := Default()
	var cluster kindv1alpha4.Cluster
	if err := yaml.UnmarshalStrict(c.KindConfig(), &cluster); err != nil {
		t.Fatalf("kind config does not decode strictly: %v\n%s", err, c.KindConfig())
	}
	if cluster.Kind != "Cluster" || cluster.APIVersion != "kind.x-k8s.io/v1alpha4" {
		t.Errorf("type meta = %s %s", cluster.APIVersion, cluster.Kind)
	}
	if cluster.Name != c.ClusterName {
		t.Errorf("name = %q", cluster.Name)
	}
	if len(cluster.Nodes) != 1 || cluster.Nodes[0].Role != kindv1alpha4.ControlPlaneRole {
		t.Fatalf("nodes = %+v", cluster.Nodes)
	}
	want := []kindv1alpha4.PortMapping{{ContainerPort: 30080, HostPort: 18080, ListenAddress: "127.0.0.1", Protocol: kindv1alpha4.PortMappingProtocolTCP}}
	if got := cluster.Nodes[0].ExtraPortMappings; !reflect.DeepEqual(got, want) {
		t.Errorf("port mappings = %+v, want %+v", got, want)
	}
}

func TestHostsTOML(t *testing.T) {
	c := Default()
	var doc map[string]map[string]map[string]any
	if err := toml.Unmarshal(c.HostsTOML(), &doc); err != nil {
		t.Fatalf("hosts.toml: %v\n%s", err, c.HostsTOML())
	}
	if _, ok := doc["host"]["http://kind-registry:5000"]; !ok {
		t.Errorf("hosts.toml = %v, want a host entry for http://kind-registry:5000", doc)
	}
	if got := c.HostsDir(); got != "/etc/containerd/certs.d/localhost:5001" {
		t.Errorf("hosts dir = %s", got)
	}
}

func TestRegistryHostingConfigMap(t *testing.T) {
	crds, _, err := manifestcheck.IstioCRDs(".")
	if err != nil {
		t.Fatal(err)
	}
	checker, err := manifestcheck.NewChecker(crds)
	if err != nil {
		t.Fatal(err)
	}
	docs, err := manifestcheck.SplitYAML("configmap", Default().RegistryHostingConfigMap())
	if err != nil || len(docs) != 1 {
		t.Fatalf("docs %d, err %v", len(docs), err)
	}
	for _, p := range checker.Check(docs[0]) {
		t.Error(p)
	}
	var cm struct {
		Data map[string]string `json:"data"`
	}
	if err := yaml.Unmarshal(Default().RegistryHostingConfigMap(), &cm); err != nil {
		t.Fatal(err)
	}
	var hosting struct {
		Host string `json:"host"`
		Help string `json:"help"`
	}
	if err := yaml.UnmarshalStrict([]byte(cm.Data["localRegistryHosting.v1"]), &hosting); err != nil {
		t.Fatal(err)
	}
	if hosting.Host != "localhost:5001" {
		t.Errorf("host = %q", hosting.Host)
	}
}

func TestIstioOperator(t *testing.T) {
	c := Default()
	var iop map[string]any
	if err := yaml.UnmarshalStrict(c.IstioOperator(), &iop); err != nil {
		t.Fatal(err)
	}
	get := func(path ...any) any {
		var v any = iop
		for _, p := range path {
			switch k := p.(type) {
			case string:
				v = v.(map[string]any)[k]
			case int:
				v = v.([]any)[k]
			}
		}
		return v
	}
	checks := []struct {
		path []any
		want any
	}{
		{[]any{"kind"}, "IstioOperator"},
		{[]any{"spec", "profile"}, "default"},
		{[]any{"spec", "meshConfig", "defaultConfig", "proxyMetadata", "WASM_INSECURE_REGISTRIES"}, "kind-registry:5000"},
		{[]any{"spec", "components", "ingressGateways", 0, "name"}, "istio-ingressgateway"},
		{[]any{"spec", "components", "ingressGateways", 0, "k8s", "env", 0, "name"}, "WASM_INSECURE_REGISTRIES"},
		{[]any{"spec", "components", "ingressGateways", 0, "k8s", "env", 0, "value"}, "kind-registry:5000"},
		{[]any{"spec", "components", "ingressGateways", 0, "k8s", "service", "type"}, "NodePort"},
		{[]any{"spec", "components", "ingressGateways", 0, "k8s", "service", "ports", 1, "port"}, float64(80)},
		{[]any{"spec", "components", "ingressGateways", 0, "k8s", "service", "ports", 1, "nodePort"}, float64(30080)},
	}
	for _, ck := range checks {
		if got := get(ck.path...); got != ck.want {
			t.Errorf("%v = %v, want %v", ck.path, got, ck.want)
		}
	}
}

func TestCommands(t *testing.T) {
	c := Default()
	cases := []struct {
		name string
		cmd  Cmd
		want string
	}{
		{"start registry", c.StartRegistry(), "docker run -d --restart=always -p 127.0.0.1:5001:5000 --network bridge --name kind-registry docker.io/library/registry:3.0.0"},
		{"registry running", c.RegistryRunning(), "docker inspect -f {{.State.Running}} kind-registry"},
		{"remove registry", c.RemoveRegistry(), "docker rm -f kind-registry"},
		{"create cluster", c.CreateCluster("/tmp/kind.yaml"), "kind create cluster --name wasmauth-e2e --config /tmp/kind.yaml --wait 180s"},
		{"delete cluster", c.DeleteCluster(), "kind delete cluster --name wasmauth-e2e"},
		{"list nodes", c.ListNodes(), "kind get nodes --name wasmauth-e2e"},
		{"connect registry", c.ConnectRegistry(), "docker network connect kind kind-registry"},
		{"kubectl", c.Kubectl("get", "pods"), "kubectl --context kind-wasmauth-e2e get pods"},
		{"apply", c.ApplyStdin([]byte("x")), "kubectl --context kind-wasmauth-e2e apply -f -"},
		{"install istio", c.InstallIstio("/bin/istioctl", "/tmp/iop.yaml"), "/bin/istioctl install --context kind-wasmauth-e2e -y -f /tmp/iop.yaml"},
	}
	for _, tc := range cases {
		if got := strings.Join(append([]string{tc.cmd.Name}, tc.cmd.Args...), " "); got != tc.want {
			t.Errorf("%s:\n got %s\nwant %s", tc.name, got, tc.want)
		}
	}
	withImage := c
	withImage.NodeImage = "kindest/node:v1.34.0"
	if got := strings.Join(withImage.CreateCluster("k.yaml").Args, " "); got != "create cluster --name wasmauth-e2e --config k.yaml --wait 180s --image kindest/node:v1.34.0" {
		t.Errorf("create cluster with image: %s", got)
	}
	node := c.ConfigureNode("wasmauth-e2e-control-plane")
	if len(node) != 2 {
		t.Fatalf("ConfigureNode: %d commands", len(node))
	}
	if got := strings.Join(node[0].Args, " "); got != "exec wasmauth-e2e-control-plane mkdir -p /etc/containerd/certs.d/localhost:5001" {
		t.Errorf("mkdir: %s", got)
	}
	if got := strings.Join(node[1].Args, " "); got != "exec -i wasmauth-e2e-control-plane cp /dev/stdin /etc/containerd/certs.d/localhost:5001/hosts.toml" {
		t.Errorf("write: %s", got)
	}
	if !bytes.Equal(node[1].Stdin, c.HostsTOML()) {
		t.Error("hosts.toml is not passed on stdin")
	}
	if string(c.ApplyStdin([]byte("x")).Stdin) != "x" {
		t.Error("apply: manifests not on stdin")
	}
	if c.ConnectRegistry().OKIfStderr == nil {
		t.Error("connecting twice must be harmless")
	}
	plan := c.SetupPlan("/tmp/kind.yaml")
	if len(plan) != 3 || plan[0].Args[0] != "run" || plan[1].Name != "kind" || plan[2].Args[0] != "network" {
		t.Errorf("setup plan order: %+v", plan)
	}
}

func TestIstioctlURL(t *testing.T) {
	cases := []struct{ goos, goarch, want, err string }{
		{"linux", "amd64", "https://github.com/istio/istio/releases/download/1.31.1/istioctl-1.31.1-linux-amd64.tar.gz", ""},
		{"linux", "arm64", "https://github.com/istio/istio/releases/download/1.31.1/istioctl-1.31.1-linux-arm64.tar.gz", ""},
		{"linux", "arm", "https://github.com/istio/istio/releases/download/1.31.1/istioctl-1.31.1-linux-armv7.tar.gz", ""},
		{"darwin", "amd64", "https://github.com/istio/istio/releases/download/1.31.1/istioctl-1.31.1-osx.tar.gz", ""},
		{"darwin", "arm64", "https://github.com/istio/istio/releases/download/1.31.1/istioctl-1.31.1-osx-arm64.tar.gz", ""},
		{"plan9", "amd64", "", "no release for plan9/amd64"},
	}
	for _, tc := range cases {
		got, err := IstioctlURL("1.31.1", tc.goos, tc.goarch)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%s/%s: err = %v, want %q", tc.goos, tc.goarch, err, tc.err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("%s/%s = %q, %v; want %q", tc.goos, tc.goarch, got, err, tc.want)
		}
	}
	if _, err := IstioctlURL("latest", "linux", "amd64"); err == nil {
		t.Error("want an error for a non-pinned version")
	}
}

func TestParseChecksum(t *testing.T) {
	sum := strings.Repeat("ab", 32)
	cases := []struct {
		name, in, file, want string
		wantErr              bool
	}{
		{"sha256sum format", sum + "  istioctl-1.31.1-linux-amd64.tar.gz\n", "istioctl-1.31.1-linux-amd64.tar.gz", sum, false},
		{"binary marker", sum + " *istioctl-1.31.1-linux-amd64.tar.gz", "istioctl-1.31.1-linux-amd64.tar.gz", sum, false},
		{"bare digest", strings.ToUpper(sum) + "\n", "x.tar.gz", sum, false},
		{"other file", sum + "  other.tar.gz\n", "istioctl.tar.gz", "", true},
		{"not hex", strings.Repeat("zz", 32) + "  f", "f", "", true},
		{"empty", "", "f", "", true},
	}
	for _, tc := range cases {
		got, err := ParseChecksum([]byte(tc.in), tc.file)
		if (err != nil) != tc.wantErr || got != tc.want {
			t.Errorf("%s: got %q, %v", tc.name, got, err)
		}
	}
}

func tarball(t *testing.T, entries map[string]string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	tw := tar.NewWriter(zw)
	for name, body := range entries {
		if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o755, Size: int64(len(body)), Typeflag: tar.TypeReg}); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write([]byte(body)); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestExtractIstioctl(t *testing.T) {
	dir := t.TempDir()
	tgz := tarball(t, map[string]string{"README": "x", "istioctl": "#!/bin/sh\necho istioctl\n"})
	path, err := ExtractIstioctl(tgz, dir)
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil || string(data) != "#!/bin/sh\necho istioctl\n" {
		t.Fatalf("extracted %q, %v", data, err)
	}
	if fi, _ := os.Stat(path); fi.Mode().Perm()&0o100 == 0 {
		t.Error("istioctl is not executable")
	}
	if filepath.Dir(path) != dir {
		t.Errorf("path = %s", path)
	}
	if _, err := ExtractIstioctl(tarball(t, map[string]string{"other": "x"}), dir); err == nil || !strings.Contains(err.Error(), "no istioctl") {
		t.Errorf("missing binary: err = %v", err)
	}
	if _, err := ExtractIstioctl([]byte("not gzip"), dir); err == nil {
		t.Error("want an error for a corrupt tarball")
	}
	sum := sha256.Sum256(tgz)
	if err := VerifySHA256(tgz, hex.EncodeToString(sum[:])); err != nil {
		t.Error(err)
	}
	if err := VerifySHA256(append(tgz, 0), hex.EncodeToString(sum[:])); err == nil {
		t.Error("want a checksum mismatch")
	}
}
