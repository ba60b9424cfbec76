package push

import (
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"google.golang.org/protobuf/encoding/protojson"
	extensions "istio.io/api/extensions/v1alpha1"
	"sigs.k8s.io/yaml"
)

// TestSnippetIsAValidWasmPlugin decodes the printed snippet strictly into
// Istio's own WasmPlugin API type, so a misspelt or unknown field fails.
func TestSnippetIsAValidWasmPlugin(t *testing.T) {
	tag, err := name.NewTag("ghcr.io/owner/wasmauth:v1.0.0", name.StrictValidation)
	if err != nil {
		t.Fatal(err)
	}
	d := v1.Hash{Algorithm: "sha256", Hex: strings.Repeat("0f", 32)}
	var obj struct {
		APIVersion string         `json:"apiVersion"`
		Kind       string         `json:"kind"`
		Metadata   map[string]any `json:"metadata"`
		Spec       map[string]any `json:"spec"`
	}
	if err := yaml.UnmarshalStrict([]byte(Snippet(tag, d)), &obj); err != nil {
		t.Fatalf("snippet is not valid YAML: %v", err)
	}
	if obj.APIVersion != "extensions.istio.io/v1alpha1" || obj.Kind != "WasmPlugin" {
		t.Fatalf("apiVersion %q kind %q", obj.APIVersion, obj.Kind)
	}
	spec, err := yaml.Marshal(obj.Spec)
	if err != nil {
		t.Fatal(err)
	}
	js, err := yaml.YAMLToJSON(spec)
	if err != nil {
		t.Fatal(err)
	}
	var wp extensions.WasmPlugin
	if err := (protojson.UnmarshalOptions{DiscardUnknown: false}).Unmarshal(js, &wp); err != nil {
		t.Fatalf("spec is not a WasmPlugin: %v\n%s", err, js)
	}
	if wp.GetUrl() != "oci://ghcr.io/owner/wasmauth:v1.0.0" || wp.GetSha256() != d.Hex ||
		wp.GetPhase() != extensions.PluginPhase_AUTHN || wp.GetFailStrategy() != extensions.FailStrategy_FAIL_CLOSE ||
		wp.GetImagePullPolicy() != extensions.PullPolicy_IfNotPresent || wp.GetSelector().GetMatchLabels()["istio"] != "ingressgateway" {
		t.Fatalf("decoded WasmPlugin %v", &wp)
	}
}
