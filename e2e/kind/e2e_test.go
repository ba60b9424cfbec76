package kind

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	pb "google.golang.org/grpc/examples/helloworld/helloworld"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"sigs.k8s.io/yaml"

	"github.com/wasmauth/wasmauth/e2e/kind/demo"
	"github.com/wasmauth/wasmauth/e2e/kind/h2raw"
	"github.com/wasmauth/wasmauth/e2e/kind/kindenv"
	"github.com/wasmauth/wasmauth/e2e/kind/manifestcheck"
	"github.com/wasmauth/wasmauth/e2e/kind/table"
	"github.com/wasmauth/wasmauth/filter/behaviour"
)

// The e2e test is opt-in: it needs docker, kind and kubectl, downloads
// istioctl and container images, and takes several minutes.
const e2eEnv = "WASMAUTH_E2E_KIND"

const (
	repoRoot   = "../.."
	pluginRepo = "wasmauth"
	demoImage  = "wasmauth-demo"
	imageTag   = "e2e"
	realm      = "wasmauth-demo" // realm of manifests/base/wasmplugin.yaml
	echoHost   = "echo.example.com"
	grpcHost   = "grpc.example.com"
	largeSize  = 64 << 20 // the large gRPC message
)

// TestKindE2E builds everything, starts a kind cluster with a local registry
// and Istio, applies manifests/overlays/kind and checks the filter through the
// real ingress gateway. Environment:
//
//	WASMAUTH_E2E_KIND=1        run it (make e2e-kind sets it)
//	WASMAUTH_ISTIO_VERSION=X   another Istio release than kindenv.Default's
//	WASMAUTH_ISTIOCTL=PATH     use this istioctl instead of downloading one
//	WASMAUTH_KIND_IMAGE=IMG    kind node image (default: the kind release's own)
//	WASMAUTH_E2E_KEEP=1        keep cluster and registry afterwards
func TestKindE2E(t *testing.T) {
	if os.Getenv(e2eEnv) != "1" {
		t.Skipf("kind end-to-end test not requested: set %s=1 (make e2e-kind)", e2eEnv)
	}
	// Without docker the test cannot run on this machine: it says so and skips. With
	// docker, a missing tool is a failure: `make e2e-kind` must not report success for
	// a test that did not run where it could have.
	if _, err := exec.LookPath("docker"); err != nil {
		t.Skip("docker not found in PATH: the kind end-to-end test needs Docker with a running daemon")
	}
	if out, err := exec.Command("docker", "info", "--format", "{{.ServerVersion}}").CombinedOutput(); err != nil {
		t.Skipf("docker daemon not reachable (%v: %s): the kind end-to-end test needs one", err, strings.TrimSpace(string(out)))
	}
	for tool, hint := range map[string]string{
		"kind":    "make e2e-kind installs the pinned kind into out/bin",
		"kubectl": "install kubectl (https://kubernetes.io/docs/tasks/tools/)",
		"make":    "install make",
	} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s not found in PATH (%s)", tool, hint)
		}
	}
	cfg := kindenv.Default()
	if v := os.Getenv("WASMAUTH_ISTIO_VERSION"); v != "" {
		cfg.IstioVersion = v
	}
	cfg.NodeImage = os.Getenv("WASMAUTH_KIND_IMAGE")
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	root, err := filepath.Abs(repoRoot)
	if err != nil {
		t.Fatal(err)
	}
	work := filepath.Join(root, "out", "e2e-kind")
	if err := os.MkdirAll(work, 0o755); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 40*time.Minute)
	defer cancel()
	run := kindenv.Runner{Log: t.Logf}
	e := &env{t: t, ctx: ctx, cfg: cfg, run: run, root: root, work: work}

	e.setUpCluster()
	e.installIstio()
	digest := e.pushPlugin()
	e.pushDemo()
	e.applyManifests(digest)
	e.waitReady()

	t.Run("http", e.checkHTTP)
	t.Run("grpc", e.checkGRPC)
	t.Run("behaviour", e.checkBehaviourTable)
}

// env is one e2e run.
type env struct {
	t    *testing.T
	ctx  context.Context
	cfg  kindenv.Config
	run  kindenv.Runner
	root string
	work string
}

func (e *env) must(c kindenv.Cmd) string {
	e.t.Helper()
	out, err := e.run.Run(e.ctx, c)
	if err != nil {
		e.t.Fatal(err)
	}
	return out
}

// setUpCluster starts the registry and the cluster (both removed at the end
// unless WASMAUTH_E2E_KEEP=1) and registers log collection on failure.
func (e *env) setUpCluster() {
	t, cfg := e.t, e.cfg
	keep := os.Getenv("WASMAUTH_E2E_KEEP") == "1"
	if out, _ := e.run.Run(e.ctx, kindenv.Cmd{Name: "kind", Args: []string{"get", "clusters"}}); containsLine(out, cfg.ClusterName) {
		t.Logf("deleting a cluster %s left by an earlier run", cfg.ClusterName)
		e.must(cfg.DeleteCluster())
	}
	running, _ := e.run.Run(e.ctx, cfg.RegistryRunning())
	if strings.TrimSpace(running) != "true" {
		_, _ = e.run.Run(e.ctx, cfg.RemoveRegistry()) // a stopped leftover
		e.must(cfg.StartRegistry())
		if !keep {
			t.Cleanup(func() { _, _ = e.run.Run(context.Background(), cfg.RemoveRegistry()) })
		}
	}
	kindConfig := filepath.Join(e.work, "kind.yaml")
	if err := os.WriteFile(kindConfig, cfg.KindConfig(), 0o644); err != nil {
		t.Fatal(err)
	}
	if !keep {
		t.Cleanup(func() { _, _ = e.run.Run(context.Background(), cfg.DeleteCluster()) })
	}
	t.Cleanup(e.collectLogs) // runs before the teardown above
	e.must(cfg.CreateCluster(kindConfig))
	for _, node := range strings.Fields(e.must(cfg.ListNodes())) {
		for _, c := range cfg.ConfigureNode(node) {
			e.must(c)
		}
	}
	e.must(cfg.ConnectRegistry())
	e.must(cfg.ApplyStdin(cfg.RegistryHostingConfigMap()))
}

// installIstio fetches the pinned istioctl (checksum-verified) unless
// WASMAUTH_ISTIOCTL names one, and installs Istio with the gateway on a NodePort.
func (e *env) installIstio() {
	t, cfg := e.t, e.cfg
	istioctl := os.Getenv("WASMAUTH_ISTIOCTL")
	if istioctl == "" {
		var err error
		istioctl, err = fetchIstioctl(e.ctx, cfg.IstioVersion, filepath.Join(e.work, "istio-"+cfg.IstioVersion))
		if err != nil {
			t.Fatal(err)
		}
	}
	iop := filepath.Join(e.work, "istio-operator.yaml")
	if err := os.WriteFile(iop, cfg.IstioOperator(), 0o644); err != nil {
		t.Fatal(err)
	}
	e.must(cfg.InstallIstio(istioctl, iop))
	e.must(cfg.Kubectl("-n", "istio-system", "rollout", "status", "deployment/istio-ingressgateway", "--timeout=300s"))
}

func fetchIstioctl(ctx context.Context, version, dir string) (string, error) {
	path := filepath.Join(dir, "istioctl")
	if fi, err := os.Stat(path); err == nil && fi.Mode().IsRegular() {
		return path, nil
	}
	url, err := kindenv.IstioctlURL(version, runtime.GOOS, runtime.GOARCH)
	if err != nil {
		return "", err
	}
	tgz, err := download(ctx, url, 512<<20)
	if err != nil {
		return "", err
	}
	sums, err := download(ctx, url+".sha256", 4096)
	if err != nil {
		return "", err
	}
	want, err := kindenv.ParseChecksum(sums, filepath.Base(url))
	if err != nil {
		return "", err
	}
	if err := kindenv.VerifySHA256(tgz, want); err != nil {
		return "", fmt.Errorf("%s: %w", url, err)
	}
	return kindenv.ExtractIstioctl(tgz, dir)
}

func download(ctx context.Context, url string, max int64) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, "GET", url, nil)
	if err != nil {
		return nil, err
	}
	client := &http.Client{Timeout: 10 * time.Minute}
	resp, err := client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		return nil, fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, max+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > max {
		return nil, fmt.Errorf("GET %s: more than %d bytes", url, max)
	}
	return data, nil
}

var digestLine = regexp.MustCompile(`(?m)^digest: sha256:([a-f0-9]{64})$`)

// pushPlugin builds and packages the plugin with the project's own targets
// (make build image: out/wasmauth.wasm, then the OCI layout out/oci) and
// pushes it to the local registry (make push); it returns the manifest digest
// (hex) that the WasmPlugin pins.
func (e *env) pushPlugin() string {
	t := e.t
	e.must(kindenv.Cmd{Name: "make", Args: []string{"-C", e.root, "build", "image"}})
	out := e.must(kindenv.Cmd{Name: "make", Args: []string{"-C", e.root, "push",
		"IMAGE=" + e.cfg.RegistryHost() + "/" + pluginRepo + ":" + imageTag, "INSECURE=1"}})
	m := digestLine.FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no \"digest: sha256:...\" line in the push output:\n%s", out)
	}
	return m[1]
}

// pushDemo builds the demo backend image FROM scratch (no base image pull).
func (e *env) pushDemo() {
	t := e.t
	ctxDir := filepath.Join(e.work, "demo-image")
	if err := os.MkdirAll(ctxDir, 0o755); err != nil {
		t.Fatal(err)
	}
	build := kindenv.Runner{Dir: filepath.Join(e.root, "e2e", "kind"), Log: t.Logf,
		Env: []string{"CGO_ENABLED=0", "GOOS=linux", "GOARCH=" + runtime.GOARCH}}
	if _, err := build.Run(e.ctx, kindenv.Cmd{Name: "go", Args: []string{"build", "-trimpath", "-o",
		filepath.Join(ctxDir, "wasmauth-demo"), "./cmd/wasmauth-demo"}}); err != nil {
		t.Fatal(err)
	}
	image := e.cfg.RegistryHost() + "/" + demoImage + ":" + imageTag
	e.must(kindenv.Cmd{Name: "docker", Args: []string{"build", "-t", image, "-f",
		filepath.Join(e.root, "e2e", "kind", "cmd", "wasmauth-demo", "Dockerfile"), ctxDir}})
	e.must(kindenv.Cmd{Name: "docker", Args: []string{"push", image}})
}

// applyManifests renders manifests/overlays/kind, pins the WasmPlugin to the
// digest just pushed, adds the test-only catch-all route and applies it all.
func (e *env) applyManifests(digest string) {
	t := e.t
	rendered := e.must(kindenv.Cmd{Name: "kubectl", Args: []string{"kustomize", filepath.Join(e.root, "manifests", "overlays", "kind")}})
	docs, err := manifestcheck.SplitYAML("overlays/kind", []byte(rendered))
	if err != nil {
		t.Fatal(err)
	}
	catchall, err := os.ReadFile("testdata/catchall.yaml")
	if err != nil {
		t.Fatal(err)
	}
	extra, err := manifestcheck.SplitYAML("catchall", catchall)
	if err != nil {
		t.Fatal(err)
	}
	out, err := pinAndJoin(append(docs, extra...), digest)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(e.work, "applied.yaml"), out, 0o644); err != nil {
		t.Fatal(err)
	}
	e.must(e.cfg.ApplyStdin(out))
}

// pinAndJoin sets spec.sha256 of every WasmPlugin and joins the documents
// into one YAML stream.
func pinAndJoin(docs []manifestcheck.Document, digest string) ([]byte, error) {
	var out []byte
	pinned := 0
	for _, d := range docs {
		if d.Object["kind"] == "WasmPlugin" {
			spec, ok := d.Object["spec"].(map[string]any)
			if !ok {
				return nil, fmt.Errorf("%s: no spec", d.Label())
			}
			spec["sha256"] = digest
			pinned++
		}
		y, err := yaml.Marshal(d.Object)
		if err != nil {
			return nil, err
		}
		out = append(out, "---\n"...)
		out = append(out, y...)
	}
	if pinned == 0 {
		return nil, errors.New("no WasmPlugin to pin")
	}
	return out, nil
}

// waitReady waits for the apps and then for the filter to answer: a request
// without credentials to the protected echo host must get the 401 challenge.
func (e *env) waitReady() {
	for _, d := range []string{"deployment/echo", "deployment/greeter"} {
		e.must(e.cfg.Kubectl("-n", "wasmauth-demo", "rollout", "status", d, "--timeout=300s"))
	}
	deadline := time.Now().Add(4 * time.Minute)
	var last string
	for time.Now().Before(deadline) {
		resp, err := e.get(echoHost, "/", nil)
		if err == nil {
			last = fmt.Sprintf("status %d, www-authenticate %q", resp.StatusCode, resp.Header.Get("Www-Authenticate"))
			if resp.StatusCode == 401 && resp.Header.Get("Www-Authenticate") != "" {
				return
			}
		} else {
			last = err.Error()
		}
		time.Sleep(2 * time.Second)
	}
	e.t.Fatalf("the filter did not become active on the gateway within 4 minutes (last answer: %s)", last)
}

type httpResult struct {
	StatusCode int
	Header     http.Header
	Echo       *demo.Echo
}

// get sends an HTTP/1.1 request through the gateway's host port.
func (e *env) get(host, path string, header map[string]string) (*httpResult, error) {
	return e.do("GET", host, path, header)
}

func (e *env) do(method, host, path string, header map[string]string) (*httpResult, error) {
	ctx, cancel := context.WithTimeout(e.ctx, 20*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, "http://"+e.cfg.GatewayAddr()+path, nil)
	if err != nil {
		return nil, err
	}
	req.Host = host
	for k, v := range header {
		req.Header.Set(k, v)
	}
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	resp, err := client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return nil, err
	}
	r := &httpResult{StatusCode: resp.StatusCode, Header: resp.Header}
	if resp.Header.Get(demo.HeaderBackend) == "echo" && strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		var echo demo.Echo
		if err := json.Unmarshal(body, &echo); err != nil {
			return nil, fmt.Errorf("echo body: %w", err)
		}
		r.Echo = &echo
	}
	return r, nil
}

func basic(user, password string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+password))
}

// checkHTTP runs the demo configuration's HTTP cases with a real HTTP/1.1 client.
func (e *env) checkHTTP(t *testing.T) {
	alice := map[string]string{"Authorization": basic("alice", "alice-password")}
	bob := map[string]string{"Authorization": basic("bob", "bob-password")}
	cases := []struct {
		name     string
		method   string
		host     string
		path     string
		header   map[string]string
		status   int
		wantUser string // for 200 with a JSON echo: the forwarded user ("" for /healthz, answered in plain text)
	}{
		{"exempt health check", "GET", echoHost, "/healthz", nil, 200, ""},
		{"exemption is GET only", "POST", echoHost, "/healthz", nil, 401, ""},
		{"missing credentials", "GET", echoHost, "/hello", nil, 401, ""},
		{"plaintext user", "GET", echoHost, "/hello", alice, 200, "alice"},
		{"bcrypt user", "GET", echoHost, "/hello", bob, 200, "bob"},
		{"wrong password", "GET", echoHost, "/hello", map[string]string{"Authorization": basic("alice", "nope")}, 401, ""},
		{"user not in allow list", "GET", echoHost, "/admin/x", bob, 403, ""},
		{"admin allowed", "GET", echoHost, "/admin/x", alice, 200, "alice"},
		{"spoofed user header replaced", "GET", echoHost, "/hello", map[string]string{"Authorization": basic("bob", "bob-password"), "X-Wasmauth-User": "alice"}, 200, "bob"},
		{"host with port still protected", "GET", echoHost + ":" + fmt.Sprint(e.cfg.HTTPHostPort), "/hello", nil, 401, ""},
		{"host with port and credentials", "GET", echoHost + ":443", "/hello", alice, 200, "alice"},
		{"host in upper case still protected", "GET", strings.ToUpper(echoHost), "/hello", nil, 401, ""},
		{"dot segments into admin", "GET", echoHost, "/public/../admin/x", bob, 403, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r, err := e.do(tc.method, tc.host, tc.path, tc.header)
			if err != nil {
				t.Fatal(err)
			}
			if r.StatusCode != tc.status {
				t.Fatalf("status %d, want %d", r.StatusCode, tc.status)
			}
			reached := r.Header.Get(demo.HeaderBackend) == "echo"
			switch tc.status {
			case 401:
				if got, want := r.Header.Get("Www-Authenticate"), `Basic realm="`+realm+`"`; got != want {
					t.Errorf("WWW-Authenticate = %q, want %q", got, want)
				}
				if reached {
					t.Error("a denied request reached the backend")
				}
			case 403:
				if reached {
					t.Error("a denied request reached the backend")
				}
			case 200:
				if !reached {
					t.Fatal("the backend did not answer")
				}
				if tc.wantUser == "" {
					return // /healthz: plain text, no echo to inspect
				}
				if r.Echo == nil {
					t.Fatal("no JSON echo from the backend")
				}
				if r.Echo.User != tc.wantUser {
					t.Errorf("forwarded user %q, want %q", r.Echo.User, tc.wantUser)
				}
				if _, ok := r.Echo.Headers["authorization"]; ok {
					t.Error("authorization reached the backend although strip_credentials is on")
				}
			}
		})
	}
}

// checkGRPC runs the demo configuration's gRPC cases with grpc-go.
func (e *env) checkGRPC(t *testing.T) {
	conn, err := grpc.NewClient(e.cfg.GatewayAddr(),
		grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithAuthority(grpcHost),
		grpc.WithDefaultCallOptions(grpc.MaxCallSendMsgSize(demo.MaxMessageSize), grpc.MaxCallRecvMsgSize(demo.MaxMessageSize)))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	client := pb.NewGreeterClient(conn)
	large := strings.Repeat("w", largeSize)
	cases := []struct {
		name string
		md   []string
		in   string
		code codes.Code
		user string
	}{
		{"no credentials", nil, "world", codes.Unauthenticated, ""},
		{"wrong password", []string{"authorization", basic("alice", "nope")}, "world", codes.Unauthenticated, ""},
		{"user not allowed", []string{"authorization", basic("bob", "bob-password")}, "world", codes.PermissionDenied, ""},
		{"basic credentials", []string{"authorization", basic("alice", "alice-password")}, "world", codes.OK, "alice"},
		{"per-RPC metadata credentials", []string{"x-wasmauth-username", "alice", "x-wasmauth-password", "alice-password"}, "world", codes.OK, "alice"},
		{"large message", []string{"authorization", basic("alice", "alice-password")}, large, codes.OK, "alice"},
		{"large message without credentials", nil, large, codes.Unauthenticated, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(e.ctx, 2*time.Minute)
			defer cancel()
			if tc.md != nil {
				ctx = metadata.AppendToOutgoingContext(ctx, tc.md...)
			}
			var header metadata.MD
			reply, err := client.SayHello(ctx, &pb.HelloRequest{Name: tc.in}, grpc.Header(&header))
			if got := status.Code(err); got != tc.code {
				t.Fatalf("code %v (%v), want %v", got, err, tc.code)
			}
			if tc.code != codes.OK {
				if len(header.Get(demo.HeaderUser)) > 0 {
					t.Error("a denied call reached the backend")
				}
				return
			}
			if reply.GetMessage() != demo.Greeting(tc.in) {
				t.Errorf("reply %.100q, want %.100q", reply.GetMessage(), demo.Greeting(tc.in))
			}
			if got := header.Get(demo.HeaderUser); len(got) != 1 || got[0] != tc.user {
				t.Errorf("forwarded user %q, want %q", got, tc.user)
			}
			if got := header.Get(demo.HeaderCredentials); len(got) != 1 || got[0] != "absent" {
				t.Errorf("credentials seen by the backend: %q, want absent (strip_credentials)", got)
			}
		})
	}
}

// checkBehaviourTable replays the filter's shared behaviour table through the
// gateway, one pluginConfig at a time.
func (e *env) checkBehaviourTable(t *testing.T) {
	for i, g := range table.GroupByConfig(behaviour.Cases()) {
		cfgJSON, err := g.ConfigJSON()
		if err != nil {
			t.Fatal(err)
		}
		e.switchConfig(t, i, cfgJSON)
		for _, c := range g.Cases {
			t.Run(c.Name, func(t *testing.T) {
				ctx, cancel := context.WithTimeout(e.ctx, 30*time.Second)
				defer cancel()
				resp, err := h2raw.Do(ctx, e.cfg.GatewayAddr(), table.Fields(c))
				if err != nil {
					t.Fatal(err)
				}
				if err := table.Evaluate(c, resp); err != nil {
					t.Error(err)
				}
			})
		}
	}
}

// switchConfig replaces the WasmPlugin's pluginConfig and waits until the
// gateway uses it. A unique sentinel configuration (denying everything with
// its own realm) goes first: once the sentinel's challenge is seen, and then
// no longer seen after applying the target, the target is live.
func (e *env) switchConfig(t *testing.T, n int, target json.RawMessage) {
	t.Helper()
	sentinelRealm := fmt.Sprintf("wasmauth-e2e-sentinel-%d-%d", n, time.Now().UnixNano())
	sentinel := fmt.Sprintf(`{"realm":%q,"basic_auth_rules":[{"prefix":"/","credentials":["sentinel:%d"]}]}`, sentinelRealm, time.Now().UnixNano())
	isSentinel := func() (bool, error) {
		ctx, cancel := context.WithTimeout(e.ctx, 10*time.Second)
		defer cancel()
		resp, err := h2raw.Do(ctx, e.cfg.GatewayAddr(), [][2]string{
			{":method", "GET"}, {":scheme", "http"}, {":authority", "sentinel.invalid"}, {":path", "/"}})
		if err != nil {
			return false, err
		}
		return resp.Status == 401 && strings.Contains(resp.Get("www-authenticate"), sentinelRealm), nil
	}
	e.patchPluginConfig(t, json.RawMessage(sentinel))
	e.waitFor(t, "sentinel configuration live", func() (bool, error) { return isSentinel() })
	e.patchPluginConfig(t, target)
	e.waitFor(t, "target configuration live", func() (bool, error) {
		s, err := isSentinel()
		return !s, err
	})
}

func (e *env) patchPluginConfig(t *testing.T, cfg json.RawMessage) {
	t.Helper()
	patch, err := json.Marshal([]map[string]any{{"op": "replace", "path": "/spec/pluginConfig", "value": cfg}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.run.Run(e.ctx, e.cfg.Kubectl("-n", "istio-system", "patch", "wasmplugin", "wasmauth", "--type=json", "-p", string(patch))); err != nil {
		t.Fatal(err)
	}
}

// waitFor polls cond until it holds three times in a row (every Envoy worker
// has then most likely switched), for at most two minutes.
func (e *env) waitFor(t *testing.T, what string, cond func() (bool, error)) {
	t.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	streak := 0
	var lastErr error
	for time.Now().Before(deadline) {
		ok, err := cond()
		lastErr = err
		if ok && err == nil {
			streak++
			if streak == 3 {
				return
			}
		} else {
			streak = 0
		}
		time.Sleep(time.Second)
	}
	t.Fatalf("waiting for %s: timed out (last error: %v)", what, lastErr)
}

// collectLogs saves diagnostics when the test failed: gateway logs, the
// WasmPlugin as the cluster has it, pods and events.
func (e *env) collectLogs() {
	if !e.t.Failed() {
		return
	}
	dir := filepath.Join(e.work, "logs")
	_ = os.MkdirAll(dir, 0o755)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	quiet := kindenv.Runner{}
	for name, args := range map[string][]string{
		"gateway.log":    {"-n", "istio-system", "logs", "deployment/istio-ingressgateway", "--tail=2000", "--all-containers"},
		"istiod.log":     {"-n", "istio-system", "logs", "deployment/istiod", "--tail=500"},
		"wasmplugin.yml": {"get", "wasmplugins.extensions.istio.io", "-A", "-o", "yaml"},
		"pods.txt":       {"get", "pods", "-A", "-o", "wide"},
		"events.txt":     {"get", "events", "-A", "--sort-by=.lastTimestamp"},
		"echo.log":       {"-n", "wasmauth-demo", "logs", "deployment/echo", "--tail=200"},
		"greeter.log":    {"-n", "wasmauth-demo", "logs", "deployment/greeter", "--tail=200"},
	} {
		out, err := quiet.Run(ctx, e.cfg.Kubectl(args...))
		if err != nil {
			out += "\n" + err.Error()
		}
		path := filepath.Join(dir, name)
		_ = os.WriteFile(path, []byte(out), 0o644)
		if name == "gateway.log" {
			e.t.Logf("istio-ingressgateway logs (last lines; all in %s):\n%s", path, lastLines(out, 80))
		}
	}
	e.t.Logf("diagnostics written to %s", dir)
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

func containsLine(out, want string) bool {
	for _, l := range strings.Split(out, "\n") {
		if strings.TrimSpace(l) == want {
			return true
		}
	}
	return false
}
