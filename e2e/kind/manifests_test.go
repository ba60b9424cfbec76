package kind

import (
	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/kyaml/filesys"

	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"

	"sigs.k8s.io/yaml"

	"github.com/wasmauth/wasmauth/e2e/kind/manifestcheck"
)

// manifestsDir is the repository's manifests/ directory, relative to this package.
const manifestsDir = "../../manifests"

var (
	checkerOnce sync.Once
	checker     *manifestcheck.Checker
	checkerErr  error
)

func istioChecker(t *testing.T) *manifestcheck.Checker {
	t.Helper()
	checkerOnce.Do(func() {
		wd, err := os.Getwd()
		if err != nil {
			checkerErr = err
			return
		}
		data, _, err := manifestcheck.IstioCRDs(wd)
		if err != nil {
			checkerErr = err
			return
		}
		checker, checkerErr = manifestcheck.NewChecker(data)
	})
	if checkerErr != nil {
		t.Fatalf("loading Istio CRDs: %v", checkerErr)
	}
	return checker
}

// kustomization is the part of kustomization.yaml this test follows.
type kustomization struct {
	Resources []string `json:"resources"`
	Patches   []struct {
		Path string `json:"path"`
	} `json:"patches"`
}

// layout lists the kustomization directories and classifies every YAML file
// under manifests/ as a resource or a patch of some kustomization.
type layout struct {
	kustomizations []string        // directories holding a kustomization.yaml
	resources      map[string]bool // files listed in some kustomization's resources
	patches        map[string]bool // files listed as patches
	files          []string        // every .yaml/.yml file except kustomization.yaml
}

func readLayout(t *testing.T) layout {
	t.Helper()
	l := layout{resources: map[string]bool{}, patches: map[string]bool{}}
	err := filepath.WalkDir(manifestsDir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		ext := filepath.Ext(path)
		if ext != ".yaml" && ext != ".yml" {
			return nil
		}
		if d.Name() != "kustomization.yaml" {
			l.files = append(l.files, filepath.Clean(path))
			return nil
		}
		dir := filepath.Dir(path)
		l.kustomizations = append(l.kustomizations, dir)
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		var k kustomization
		if err := yaml.Unmarshal(data, &k); err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		for _, r := range k.Resources {
			l.resources[filepath.Join(dir, r)] = true
		}
		for _, p := range k.Patches {
			if p.Path != "" {
				l.patches[filepath.Join(dir, p.Path)] = true
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(l.kustomizations)
	return l
}

// TestManifestFiles validates every resource file under manifests/ on its own
// and requires every YAML file to belong to a kustomization.
func TestManifestFiles(t *testing.T) {
	c := istioChecker(t)
	l := readLayout(t)
	if len(l.files) == 0 {
		t.Fatal("no manifests found under " + manifestsDir)
	}
	for _, file := range l.files {
		t.Run(strings.TrimPrefix(file, manifestsDir+"/"), func(t *testing.T) {
			switch {
			case l.patches[file]:
				t.Skip("a kustomize patch: checked in the rendered overlay")
			case !l.resources[file]:
				t.Fatalf("%s is not referenced by any kustomization.yaml: add it or remove it", file)
			}
			data, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			docs, err := manifestcheck.SplitYAML(file, data)
			if err != nil {
				t.Fatal(err)
			}
			if len(docs) == 0 {
				t.Fatal("no documents")
			}
			for _, d := range docs {
				for _, p := range c.Check(d) {
					t.Error(p)
				}
			}
		})
	}
}

// render builds the kustomization in dir with kustomize's own library (what
// `kubectl kustomize` and `kubectl apply -k` run).
func render(t *testing.T, dir string) []manifestcheck.Document {
	t.Helper()
	k := krusty.MakeKustomizer(krusty.MakeDefaultOptions())
	resources, err := k.Run(filesys.MakeFsOnDisk(), dir)
	if err != nil {
		t.Fatalf("kustomize %s: %v", dir, err)
	}
	out, err := resources.AsYaml()
	if err != nil {
		t.Fatalf("kustomize %s: %v", dir, err)
	}
	docs, err := manifestcheck.SplitYAML("kustomize "+dir, out)
	if err != nil {
		t.Fatal(err)
	}
	return docs
}

// TestKustomizations renders every kustomization and validates the result,
// including the cross-references between resources.
func TestKustomizations(t *testing.T) {
	c := istioChecker(t)
	l := readLayout(t)
	want := []string{"base", "apps", "overlays/kind", "overlays/production"}
	for _, w := range want {
		if !contains(l.kustomizations, filepath.Join(manifestsDir, w)) {
			t.Errorf("missing kustomization %s", w)
		}
	}
	for _, dir := range l.kustomizations {
		t.Run(strings.TrimPrefix(dir, manifestsDir+"/"), func(t *testing.T) {
			docs := render(t, dir)
			if len(docs) == 0 {
				t.Fatal("renders nothing")
			}
			for _, d := range docs {
				for _, p := range c.Check(d) {
					t.Error(p)
				}
			}
			for _, p := range crossCheck(docs) {
				t.Error(p)
			}
		})
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// TestBaseWasmPlugin pins the contract other parts of the project rely on:
// manifests/base/wasmplugin.yaml is one WasmPlugin whose pluginConfig is the
// example configuration (the local gateway loads it by default), and that
// example exercises the main features of the configuration schema.
func TestBaseWasmPlugin(t *testing.T) {
	file := filepath.Join(manifestsDir, "base", "wasmplugin.yaml")
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	docs, err := manifestcheck.SplitYAML(file, data)
	if err != nil {
		t.Fatal(err)
	}
	if len(docs) != 1 || docs[0].Object["kind"] != "WasmPlugin" {
		t.Fatalf("%s must hold exactly one WasmPlugin document, got %d documents", file, len(docs))
	}
	spec := docs[0].Object["spec"].(map[string]any)
	checks := []struct {
		path string
		want any
	}{
		{"phase", "AUTHN"},
		{"failStrategy", "FAIL_CLOSE"},
		{"imagePullPolicy", "IfNotPresent"},
		{"selector.matchLabels.istio", "ingressgateway"},
		{"pluginConfig.strip_credentials", true},
		{"pluginConfig.forward_user_header", "x-wasmauth-user"},
		{"pluginConfig.metadata_credentials.username", "x-wasmauth-username"},
		{"pluginConfig.metadata_credentials.password", "x-wasmauth-password"},
		{"pluginConfig.exemptions.0.exact", "/healthz"},
		{"pluginConfig.exemptions.0.request_methods.0", "GET"},
	}
	for _, ck := range checks {
		if got := lookup(spec, ck.path); got != ck.want {
			t.Errorf("spec.%s = %v, want %v", ck.path, got, ck.want)
		}
	}
	url, _ := spec["url"].(string)
	if !strings.HasPrefix(url, "oci://ghcr.io/wasmauth/wasmauth:v") {
		t.Errorf("spec.url = %q, want a versioned oci://ghcr.io/wasmauth/wasmauth tag", url)
	}
	if sha, _ := spec["sha256"].(string); len(sha) != 64 {
		t.Errorf("spec.sha256 = %q, want a 64-hex manifest digest pin", sha)
	}
	if realm, _ := lookup(spec, "pluginConfig.realm").(string); realm == "" {
		t.Error("pluginConfig.realm is not set")
	}
	// The rules: one protecting the HTTP app with users+allow, one for the gRPC service.
	rules, _ := lookup(spec, "pluginConfig.basic_auth_rules").([]any)
	var httpRule, grpcRule bool
	for _, r := range rules {
		rule := r.(map[string]any)
		if rule["allow"] == nil {
			continue
		}
		switch rule["prefix"] {
		case "/":
			httpRule = true
		case "/helloworld.Greeter/":
			grpcRule = true
		}
	}
	if !httpRule || !grpcRule {
		t.Errorf("want an allow-list rule on prefix / (HTTP app: %v) and on /helloworld.Greeter/ (gRPC app: %v)", httpRule, grpcRule)
	}
	// Demo users: one plaintext entry and one bcrypt entry.
	users, _ := lookup(spec, "pluginConfig.users").([]any)
	var plain, bcrypt bool
	for _, u := range users {
		s := u.(string)
		switch {
		case strings.HasPrefix(s, "alice:") && !strings.Contains(s, ":$"):
			plain = true
		case strings.HasPrefix(s, "bob:$2y$"):
			bcrypt = true
		}
	}
	if !plain || !bcrypt {
		t.Errorf("want demo users alice (plaintext: %v) and bob (bcrypt: %v)", plain, bcrypt)
	}
}

// TestOverlays checks what each overlay is for.
func TestOverlays(t *testing.T) {
	t.Run("kind", func(t *testing.T) {
		docs := render(t, filepath.Join(manifestsDir, "overlays", "kind"))
		wp := find(docs, "WasmPlugin", "wasmauth")
		if wp == nil {
			t.Fatal("no WasmPlugin wasmauth")
		}
		spec := wp.Object["spec"].(map[string]any)
		if got := spec["url"]; got != "oci://kind-registry:5000/wasmauth:e2e" {
			t.Errorf("url = %v, want the in-network kind registry", got)
		}
		if got := spec["imagePullPolicy"]; got != "Always" {
			t.Errorf("imagePullPolicy = %v, want Always", got)
		}
		if _, ok := spec["sha256"]; ok {
			t.Error("sha256 must be removed: the e2e test pins the digest it pushed")
		}
		for _, name := range []string{"echo", "greeter"} {
			d := find(docs, "Deployment", name)
			if d == nil {
				t.Fatalf("no Deployment %s", name)
			}
			img, _ := lookup(d.Object, "spec.template.spec.containers.0.image").(string)
			if img != "localhost:5001/wasmauth-demo:e2e" {
				t.Errorf("Deployment %s image = %q, want the local registry image", name, img)
			}
		}
	})
	t.Run("production", func(t *testing.T) {
		docs := render(t, filepath.Join(manifestsDir, "overlays", "production"))
		gw := find(docs, "Gateway", "wasmauth-demo")
		if gw == nil {
			t.Fatal("no Gateway wasmauth-demo")
		}
		servers, _ := lookup(gw.Object, "spec.servers").([]any)
		var tls, redirect bool
		for _, s := range servers {
			srv := s.(map[string]any)
			if lookup(srv, "tls.mode") == "SIMPLE" && lookup(srv, "tls.credentialName") != nil && lookup(srv, "port.number") == int64(443) {
				tls = true
			}
			if lookup(srv, "tls.httpsRedirect") == true {
				redirect = true
			}
		}
		if !tls || !redirect {
			t.Errorf("gateway: want a TLS server on 443 with credentialName (%v) and an HTTPS redirect on 80 (%v)", tls, redirect)
		}
		wp := find(docs, "WasmPlugin", "wasmauth")
		if wp == nil {
			t.Fatal("no WasmPlugin wasmauth")
		}
		users, _ := lookup(wp.Object, "spec.pluginConfig.users").([]any)
		if len(users) == 0 {
			t.Fatal("no users")
		}
		for i, u := range users {
			s, _ := u.(string)
			name, secret, _ := strings.Cut(s, ":")
			if !strings.HasPrefix(secret, "$2y$") && !strings.HasPrefix(secret, "$6$") {
				t.Errorf("users[%d] (%s): production must use hashed credentials only", i, name)
			}
		}
		// The rest of the example configuration survives the patch.
		if lookup(wp.Object, "spec.pluginConfig.strip_credentials") != true {
			t.Error("strip_credentials lost by the production patch")
		}
	})
}

// crossCheck verifies references between rendered resources: VirtualServices
// name existing Gateways and Services/ports, their hosts are served by the
// Gateway, and every host in a WasmPlugin rule is served by some Gateway.
func crossCheck(docs []manifestcheck.Document) []error {
	var errs []error
	gateways := map[string][]string{} // ns/name -> hosts
	services := map[string][]int64{}  // name.ns.svc.cluster.local -> ports
	allHosts := map[string]bool{}
	for _, d := range docs {
		ns, _ := lookup(d.Object, "metadata.namespace").(string)
		name, _ := lookup(d.Object, "metadata.name").(string)
		switch d.Object["kind"] {
		case "Gateway":
			servers, _ := lookup(d.Object, "spec.servers").([]any)
			for _, s := range servers {
				hosts, _ := s.(map[string]any)["hosts"].([]any)
				for _, h := range hosts {
					hs := h.(string)
					if _, after, ok := strings.Cut(hs, "/"); ok {
						hs = after
					}
					gateways[ns+"/"+name] = append(gateways[ns+"/"+name], hs)
					allHosts[hs] = true
				}
			}
		case "Service":
			ports, _ := lookup(d.Object, "spec.ports").([]any)
			for _, p := range ports {
				n, _ := p.(map[string]any)["port"].(int64)
				services[name+"."+ns+".svc.cluster.local"] = append(services[name+"."+ns+".svc.cluster.local"], n)
			}
		}
	}
	for _, d := range docs {
		ns, _ := lookup(d.Object, "metadata.namespace").(string)
		switch d.Object["kind"] {
		case "VirtualService":
			gws, _ := lookup(d.Object, "spec.gateways").([]any)
			hosts, _ := lookup(d.Object, "spec.hosts").([]any)
			for _, g := range gws {
				key := g.(string)
				if !strings.Contains(key, "/") {
					key = ns + "/" + key
				}
				served, ok := gateways[key]
				if !ok {
					errs = append(errs, fmt.Errorf("%s: gateway %s not found", d.Label(), key))
					continue
				}
				for _, h := range hosts {
					if !contains(served, h.(string)) {
						errs = append(errs, fmt.Errorf("%s: host %s is not served by gateway %s", d.Label(), h, key))
					}
				}
			}
			routes, _ := lookup(d.Object, "spec.http").([]any)
			for i, r := range routes {
				dests, _ := r.(map[string]any)["route"].([]any)
				for j, dst := range dests {
					host, _ := lookup(dst.(map[string]any), "destination.host").(string)
					port, _ := lookup(dst.(map[string]any), "destination.port.number").(int64)
					ports, ok := services[host]
					if !ok {
						errs = append(errs, fmt.Errorf("%s: http[%d].route[%d]: no Service %s", d.Label(), i, j, host))
					} else if !containsInt(ports, port) {
						errs = append(errs, fmt.Errorf("%s: http[%d].route[%d]: Service %s has no port %d", d.Label(), i, j, host, port))
					}
				}
			}
		}
	}
	for _, d := range docs {
		if d.Object["kind"] != "WasmPlugin" || len(gateways) == 0 {
			continue
		}
		rules, _ := lookup(d.Object, "spec.pluginConfig.basic_auth_rules").([]any)
		for i, r := range rules {
			hosts, _ := r.(map[string]any)["hosts"].([]any)
			for _, h := range hosts {
				if !allHosts[h.(string)] {
					errs = append(errs, fmt.Errorf("%s: basic_auth_rules[%d] host %s is not served by any Gateway", d.Label(), i, h))
				}
			}
		}
	}
	return errs
}

func containsInt(list []int64, n int64) bool {
	for _, x := range list {
		if x == n {
			return true
		}
	}
	return false
}

func find(docs []manifestcheck.Document, kind, name string) *manifestcheck.Document {
	for i := range docs {
		if docs[i].Object["kind"] == kind && lookup(docs[i].Object, "metadata.name") == name {
			return &docs[i]
		}
	}
	return nil
}

// lookup walks a dotted path through maps and lists (numeric segments index lists).
func lookup(v any, path string) any {
	for _, seg := range strings.Split(path, ".") {
		switch x := v.(type) {
		case map[string]any:
			v = x[seg]
		case []any:
			var i int
			if _, err := fmt.Sscan(seg, &i); err != nil || i < 0 || i >= len(x) {
				return nil
			}
			v = x[i]
		default:
			return nil
		}
	}
	return v
}

// TestCrossCheckCatchesBrokenReferences makes sure crossCheck can fail.
func TestCrossCheckCatchesBrokenReferences(t *testing.T) {
	const broken = `
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: gw, namespace: demo}
spec:
  servers:
  - port: {number: 80, name: http, protocol: HTTP}
    hosts: [a.example.com]
---
apiVersion: v1
kind: Service
metadata: {name: app, namespace: demo}
spec:
  ports: [{name: http, port: 8080}]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: vs, namespace: demo}
spec:
  hosts: [b.example.com]
  gateways: [gw, missing]
  http:
  - route:
    - destination: {host: app.demo.svc.cluster.local, port: {number: 9090}}
    - destination: {host: nope.demo.svc.cluster.local, port: {number: 80}}
---
apiVersion: extensions.istio.io/v1alpha1
kind: WasmPlugin
metadata: {name: wp, namespace: istio-system}
spec:
  pluginConfig:
    basic_auth_rules:
    - {hosts: [c.example.com], prefix: /, credentials: ["u:p"]}
`
	docs, err := manifestcheck.SplitYAML("broken", []byte(broken))
	if err != nil {
		t.Fatal(err)
	}
	got := errors.Join(crossCheck(docs)...)
	for _, want := range []string{
		"host b.example.com is not served by gateway demo/gw",
		"gateway demo/missing not found",
		"Service app.demo.svc.cluster.local has no port 9090",
		"no Service nope.demo.svc.cluster.local",
		"host c.example.com is not served by any Gateway",
	} {
		if got == nil || !strings.Contains(got.Error(), want) {
			t.Errorf("crossCheck does not report %q; got: %v", want, got)
		}
	}
}
