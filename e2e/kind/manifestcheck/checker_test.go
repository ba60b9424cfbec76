package manifestcheck

import (
	"os"
	"strings"
	"sync"
	"testing"
)

var (
	loadOnce  sync.Once
	checker   *Checker
	loadErr   error
	istioVers string
)

// testChecker compiles istio.io/api's CRDs once per test binary.
func testChecker(t *testing.T) *Checker {
	t.Helper()
	loadOnce.Do(func() {
		wd, err := os.Getwd()
		if err != nil {
			loadErr = err
			return
		}
		data, version, err := IstioCRDs(wd)
		if err != nil {
			loadErr = err
			return
		}
		istioVers = version
		checker, loadErr = NewChecker(data)
	})
	if loadErr != nil {
		t.Fatalf("loading Istio CRDs: %v", loadErr)
	}
	return checker
}

func TestIstioCRDsArePinned(t *testing.T) {
	c := testChecker(t)
	if istioVers != "v1.31.1" {
		t.Errorf("istio.io/api version = %s, want the pinned v1.31.1", istioVers)
	}
	for _, gvk := range []string{"WasmPlugin", "Gateway", "VirtualService"} {
		found := false
		for k := range c.crds {
			if k.Kind == gvk {
				found = true
			}
		}
		if !found {
			t.Errorf("no CRD for %s", gvk)
		}
	}
}

const validPlugin = `
apiVersion: extensions.istio.io/v1alpha1
kind: WasmPlugin
metadata:
  name: wasmauth
  namespace: istio-system
spec:
  selector:
    matchLabels:
      istio: ingressgateway
  url: oci://ghcr.io/wasmauth/wasmauth:v0.1.0
  sha256: 8b9e2d0f6a1c3e5b7d9f0a2c4e6b8d0f1a3c5e7b9d1f3a5c7e9b1d3f5a7c9e1b
  imagePullPolicy: IfNotPresent
  phase: AUTHN
  failStrategy: FAIL_CLOSE
  pluginConfig:
    realm: test
    users: ["alice:alice-password"]
    basic_auth_rules:
    - prefix: /
      allow: [alice]
`

const validGateway = `
apiVersion: networking.istio.io/v1
kind: Gateway
metadata:
  name: gw
  namespace: demo
spec:
  selector:
    istio: ingressgateway
  servers:
  - port: {number: 443, name: https, protocol: HTTPS}
    tls: {mode: SIMPLE, credentialName: demo-tls}
    hosts: [echo.example.com]
`

const validDeployment = `
apiVersion: apps/v1
kind: Deployment
metadata: {name: echo, namespace: demo}
spec:
  selector: {matchLabels: {app: echo}}
  template:
    metadata: {labels: {app: echo}}
    spec:
      containers:
      - name: echo
        image: example.com/echo:1
        ports: [{name: http, containerPort: 8080}]
        readinessProbe: {httpGet: {path: /, port: http}}
`

const validService = `
apiVersion: v1
kind: Service
metadata: {name: echo, namespace: demo}
spec:
  selector: {app: echo}
  ports: [{name: http, port: 80, targetPort: http}]
`

func TestCheck(t *testing.T) {
	c := testChecker(t)
	cases := []struct {
		name string
		yaml string
		want []string // substrings that must appear among the problems; nil = valid
	}{
		{"valid wasmplugin", validPlugin, nil},
		{"valid gateway", validGateway, nil},
		{"valid deployment", validDeployment, nil},
		{"valid service", validService, nil},
		{"unknown spec field", strings.Replace(validPlugin, "  phase: AUTHN", "  phase: AUTHN\n  phse: AUTHN", 1),
			[]string{"spec.phse: unknown field", `unknown field "phse"`}},
		{"bad phase enum", strings.Replace(validPlugin, "phase: AUTHN", "phase: AUTHENTICATE", 1),
			[]string{`spec.phase: Unsupported value: "AUTHENTICATE"`}},
		{"bad failStrategy enum", strings.Replace(validPlugin, "FAIL_CLOSE", "FAIL_CLOSED", 1),
			[]string{`spec.failStrategy: Unsupported value: "FAIL_CLOSED"`}},
		{"bad sha256", strings.Replace(validPlugin, "sha256: 8b9e", "sha256: sha256:8b9e", 1),
			[]string{"spec.sha256: Invalid value"}},
		{"CEL rule: wildcard label value", strings.Replace(validPlugin, "istio: ingressgateway", `istio: "*"`, 1),
			[]string{"wildcard not allowed in label value match"}},
		{"unknown metadata field", strings.Replace(validPlugin, "  name: wasmauth\n", "  name: wasmauth\n  nmae: x\n", 1),
			[]string{`metadata: error unmarshaling JSON`, `unknown field "nmae"`}},
		{"bad name", strings.Replace(validPlugin, "name: wasmauth", "name: Wasm_Auth", 1),
			[]string{"metadata.name: a lowercase RFC 1123 subdomain"}},
		{"bad pluginConfig: misspelt rule field", strings.Replace(validPlugin, "allow: [alice]", "alow: [alice]", 1),
			[]string{"spec.pluginConfig: basic_auth_rules[0]", `unknown field "alow" (did you mean "allow"?)`}},
		{"bad pluginConfig: unknown user in allow", strings.Replace(validPlugin, "allow: [alice]", "allow: [mallory]", 1),
			[]string{"spec.pluginConfig: basic_auth_rules[0].allow[0]"}},
		{"bad pluginConfig: realm type", strings.Replace(validPlugin, "realm: test", "realm: [test]", 1),
			[]string{"spec.pluginConfig: realm: must be a string, got array"}},
		{"pluginConfig: ignored field and numeric realm load", strings.Replace(validPlugin, "realm: test", "realm: 42\n    comment: as the old plugin ignored it", 1), nil},
		{"gateway unknown server field", strings.Replace(validGateway, "    hosts: [echo", "    host: [echo.example.com]\n    hosts: [echo", 1),
			[]string{"spec.servers[0].host: unknown field"}},
		{"gateway bad tls mode", strings.Replace(validGateway, "mode: SIMPLE", "mode: SIMPEL", 1),
			[]string{`spec.servers[0].tls.mode: Unsupported value: "SIMPEL"`}},
		{"gateway wrong type", strings.Replace(validGateway, "number: 443", "number: https", 1),
			[]string{"spec.servers[0].port.number: Invalid value"}},
		{"deployment unknown field", strings.Replace(validDeployment, "spec:\n  selector", "spec:\n  replica: 2\n  selector", 1),
			[]string{`unknown field "replica"`}},
		{"deployment labels mismatch", strings.Replace(validDeployment, "labels: {app: echo}", "labels: {app: ech0}", 1),
			[]string{"spec.template.metadata.labels: do not match spec.selector"}},
		{"deployment probe port", strings.Replace(validDeployment, "port: http}", "port: web}", 1),
			[]string{`readinessProbe: port "web" is not a named container port`}},
		{"deployment bad pull policy", strings.Replace(validDeployment, "image: example.com/echo:1", "image: example.com/echo:1\n        imagePullPolicy: Sometimes", 1),
			[]string{`imagePullPolicy: unsupported value "Sometimes"`}},
		{"service bad protocol", strings.Replace(validService, "port: 80,", "port: 80, protocol: HTTP,", 1),
			[]string{`spec.ports[0].protocol: unsupported value "HTTP"`}},
		{"unknown kind", "apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}\n",
			[]string{"no schema known for example.com/v1, Kind=Widget"}},
		{"missing kind", "apiVersion: v1\nmetadata: {name: w}\n", []string{"apiVersion and kind are required"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			docs, err := SplitYAML(tc.name, []byte(tc.yaml))
			if err != nil {
				t.Fatal(err)
			}
			if len(docs) != 1 {
				t.Fatalf("got %d documents", len(docs))
			}
			problems := c.Check(docs[0])
			var all []string
			for _, p := range problems {
				all = append(all, p.Error())
			}
			joined := strings.Join(all, "\n")
			if tc.want == nil {
				if len(problems) != 0 {
					t.Fatalf("want valid, got:\n%s", joined)
				}
				return
			}
			if len(problems) == 0 {
				t.Fatalf("want problems containing %q, got none", tc.want)
			}
			for _, w := range tc.want {
				if !strings.Contains(joined, w) {
					t.Errorf("problems do not mention %q:\n%s", w, joined)
				}
			}
		})
	}
}

func TestSplitYAML(t *testing.T) {
	cases := []struct {
		name    string
		in      string
		docs    int
		wantErr string
	}{
		{"empty", "", 0, ""},
		{"comments only", "# a\n---\n# b\n", 0, ""},
		{"two docs", "a: 1\n---\nb: 2\n", 2, ""},
		{"leading separator", "---\na: 1\n", 1, ""},
		{"duplicate key", "a: 1\na: 2\n", 0, "already set"},
		{"not a mapping", "- a\n- b\n", 0, "not a mapping"},
		{"bad yaml", "a: [1\n", 0, "yaml"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			docs, err := SplitYAML("in.yaml", []byte(tc.in))
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(docs) != tc.docs {
				t.Fatalf("got %d documents, want %d", len(docs), tc.docs)
			}
		})
	}
}
