package manifestcheck

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	extensionsv1alpha1 "istio.io/api/extensions/v1alpha1"
	networkingv1alpha3 "istio.io/api/networking/v1alpha3"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/yaml"

	"github.com/wasmauth/wasmauth/config"
)

// WasmPluginGVK is the kind whose pluginConfig is checked with config.Parse.
var WasmPluginGVK = schema.GroupVersionKind{Group: "extensions.istio.io", Version: "v1alpha1", Kind: "WasmPlugin"}

// istioSpecs maps Istio kinds to the API message of their spec. The spec is
// also decoded with protojson, which rejects unknown fields and bad enum names
// independently of the CRD schema. networking v1 and v1beta1 share the
// v1alpha3 messages.
var istioSpecs = map[string]func() proto.Message{
	"networking.istio.io/Gateway":        func() proto.Message { return &networkingv1alpha3.Gateway{} },
	"networking.istio.io/VirtualService": func() proto.Message { return &networkingv1alpha3.VirtualService{} },
	"networking.istio.io/DestinationRule": func() proto.Message {
		return &networkingv1alpha3.DestinationRule{}
	},
	"extensions.istio.io/WasmPlugin": func() proto.Message { return &extensionsv1alpha1.WasmPlugin{} },
}

// Checker validates documents. It is safe for concurrent use after NewChecker.
type Checker struct {
	crds map[schema.GroupVersionKind]*crdVersion
}

// NewChecker compiles the CRDs in crdYAML (a multi-document stream, such as
// istio.io/api's customresourcedefinitions.gen.yaml).
func NewChecker(crdYAML []byte) (*Checker, error) {
	crds, err := loadCRDs(crdYAML)
	if err != nil {
		return nil, err
	}
	if len(crds) == 0 {
		return nil, errors.New("no CustomResourceDefinition found")
	}
	return &Checker{crds: crds}, nil
}

// Kinds reports whether the checker knows a CRD for gvk.
func (c *Checker) Knows(gvk schema.GroupVersionKind) bool { return c.crds[gvk] != nil }

// Problem is one finding in one document.
type Problem struct {
	Doc string // Document.Label()
	Msg string // "path: message"
}

func (p Problem) Error() string { return p.Doc + ": " + p.Msg }

// Check validates one document and returns its problems (nil if valid).
func (c *Checker) Check(doc Document) []Problem {
	var msgs []string
	apiVersion, _ := doc.Object["apiVersion"].(string)
	kind, _ := doc.Object["kind"].(string)
	if apiVersion == "" || kind == "" {
		return []Problem{{Doc: doc.Label(), Msg: "apiVersion and kind are required"}}
	}
	gv, err := schema.ParseGroupVersion(apiVersion)
	if err != nil {
		return []Problem{{Doc: doc.Label(), Msg: "apiVersion: " + err.Error()}}
	}
	gvk := gv.WithKind(kind)
	if crd := c.crds[gvk]; crd != nil {
		msgs = append(msgs, checkCustomMeta(doc, crd)...)
		msgs = append(msgs, crd.validate(doc.Object)...)
		msgs = append(msgs, checkIstioSpec(gvk, doc.Object)...)
		if gvk == WasmPluginGVK {
			msgs = append(msgs, CheckPluginConfig(doc.Object)...)
		}
	} else if p, known := checkBuiltin(gvk, doc.JSON); known {
		msgs = append(msgs, p...)
	} else {
		msgs = append(msgs, fmt.Sprintf("kind: no schema known for %s (add a CRD or a built-in checker)", gvk))
	}
	out := make([]Problem, 0, len(msgs))
	for _, m := range msgs {
		out = append(out, Problem{Doc: doc.Label(), Msg: m})
	}
	return out
}

// checkCustomMeta validates the metadata of a custom resource: strict decode
// into ObjectMeta, a valid name, and a namespace only on namespaced kinds.
func checkCustomMeta(doc Document, crd *crdVersion) []string {
	raw, ok := doc.Object["metadata"]
	if !ok {
		return []string{"metadata: required"}
	}
	js, err := json.Marshal(raw)
	if err != nil {
		return []string{"metadata: " + err.Error()}
	}
	var meta metav1.ObjectMeta
	if err := yaml.UnmarshalStrict(js, &meta); err != nil {
		return []string{"metadata: " + err.Error()}
	}
	p := checkName("metadata", meta.Name, true)
	if meta.Namespace != "" {
		if !crd.namespaced {
			p = append(p, "metadata.namespace: set on a cluster-scoped kind")
		}
		for _, e := range checkName("metadata.namespace", meta.Namespace, false) {
			p = append(p, strings.Replace(e, "namespace.name", "namespace", 1))
		}
	}
	return p
}

// checkIstioSpec decodes spec with protojson into the Istio API message.
func checkIstioSpec(gvk schema.GroupVersionKind, obj map[string]any) []string {
	mk, ok := istioSpecs[gvk.Group+"/"+gvk.Kind]
	if !ok {
		return nil
	}
	spec, ok := obj["spec"]
	if !ok {
		return nil
	}
	js, err := json.Marshal(spec)
	if err != nil {
		return []string{"spec: " + err.Error()}
	}
	if err := (protojson.UnmarshalOptions{DiscardUnknown: false}).Unmarshal(js, mk()); err != nil {
		return []string{fmt.Sprintf("spec: not a valid %s message: %v", gvk.Kind, err)}
	}
	return nil
}

// CheckPluginConfig runs config.Parse on spec.pluginConfig of a WasmPlugin
// object, exactly as the filter receives it (the JSON of the object). A
// missing pluginConfig is checked as the empty configuration.
func CheckPluginConfig(obj map[string]any) []string {
	spec, _ := obj["spec"].(map[string]any)
	raw, ok := spec["pluginConfig"]
	if !ok {
		raw = map[string]any{}
	}
	js, err := json.Marshal(raw)
	if err != nil {
		return []string{"spec.pluginConfig: " + err.Error()}
	}
	if _, err := config.Parse(js); err != nil {
		var out []string
		for _, line := range strings.Split(err.Error(), "\n") {
			if line = strings.TrimSpace(line); line != "" {
				out = append(out, "spec.pluginConfig: "+line)
			}
		}
		return out
	}
	return nil
}
