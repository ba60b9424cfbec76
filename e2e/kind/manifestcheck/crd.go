package manifestcheck

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"

	"k8s.io/apiextensions-apiserver/pkg/apis/apiextensions"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	structuralschema "k8s.io/apiextensions-apiserver/pkg/apiserver/schema"
	"k8s.io/apiextensions-apiserver/pkg/apiserver/schema/cel"
	"k8s.io/apiextensions-apiserver/pkg/apiserver/schema/listtype"
	"k8s.io/apiextensions-apiserver/pkg/apiserver/schema/pruning"
	apiservervalidation "k8s.io/apiextensions-apiserver/pkg/apiserver/validation"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	celconfig "k8s.io/apiserver/pkg/apis/cel"
)

// IstioAPIModule is the module that ships Istio's CRDs; its version is pinned
// in this module's go.mod.
const IstioAPIModule = "istio.io/api"

// IstioCRDFile is the path of the generated CRDs inside the istio.io/api module.
const IstioCRDFile = "kubernetes/customresourcedefinitions.gen.yaml"

// IstioCRDs returns the CRD YAML of the istio.io/api version this module
// requires, read from the Go module cache, and that version. It asks the go
// command (`go mod download -json istio.io/api`, which resolves the version
// from go.mod and fetches the module when it is not cached yet), so dir must
// be inside this module.
func IstioCRDs(dir string) (data []byte, version string, err error) {
	cmd := exec.Command("go", "mod", "download", "-json", IstioAPIModule)
	cmd.Dir = dir
	out, err := cmd.Output()
	if err != nil {
		msg := ""
		if ee, ok := err.(*exec.ExitError); ok {
			msg = strings.TrimSpace(string(ee.Stderr))
		}
		return nil, "", fmt.Errorf("locating %s: go mod download: %v %s", IstioAPIModule, err, msg)
	}
	var mod struct {
		Version string
		Dir     string
		Error   string
	}
	if err := json.Unmarshal(out, &mod); err != nil {
		return nil, "", fmt.Errorf("locating %s: %w", IstioAPIModule, err)
	}
	if mod.Error != "" || mod.Dir == "" {
		return nil, "", fmt.Errorf("locating %s: no module directory (%s)", IstioAPIModule, mod.Error)
	}
	data, err = os.ReadFile(filepath.Join(mod.Dir, filepath.FromSlash(IstioCRDFile)))
	if err != nil {
		return nil, "", err
	}
	return data, mod.Version, nil
}

// crdVersion holds the compiled validators of one served version of a CRD.
type crdVersion struct {
	gvk        schema.GroupVersionKind
	namespaced bool
	structural *structuralschema.Structural
	schema     apiservervalidation.SchemaValidator
	cel        *cel.Validator
}

// loadCRDs compiles every served version of every CRD in a YAML stream.
func loadCRDs(data []byte) (map[schema.GroupVersionKind]*crdVersion, error) {
	docs, err := SplitYAML("crds", data)
	if err != nil {
		return nil, err
	}
	out := map[schema.GroupVersionKind]*crdVersion{}
	for _, doc := range docs {
		var crd apiextensionsv1.CustomResourceDefinition
		if err := json.Unmarshal(doc.JSON, &crd); err != nil {
			return nil, fmt.Errorf("%s: %w", doc.Label(), err)
		}
		if crd.Kind != "CustomResourceDefinition" {
			continue
		}
		for _, v := range crd.Spec.Versions {
			if !v.Served {
				continue
			}
			gvk := schema.GroupVersionKind{Group: crd.Spec.Group, Version: v.Name, Kind: crd.Spec.Names.Kind}
			if v.Schema == nil || v.Schema.OpenAPIV3Schema == nil {
				return nil, fmt.Errorf("CRD %s version %s has no schema", crd.Name, v.Name)
			}
			var internal apiextensions.JSONSchemaProps
			if err := apiextensionsv1.Convert_v1_JSONSchemaProps_To_apiextensions_JSONSchemaProps(v.Schema.OpenAPIV3Schema, &internal, nil); err != nil {
				return nil, fmt.Errorf("CRD %s %s: converting schema: %w", crd.Name, v.Name, err)
			}
			ss, err := structuralschema.NewStructural(&internal)
			if err != nil {
				return nil, fmt.Errorf("CRD %s %s: structural schema: %w", crd.Name, v.Name, err)
			}
			validator, _, err := apiservervalidation.NewSchemaValidator(&internal)
			if err != nil {
				return nil, fmt.Errorf("CRD %s %s: schema validator: %w", crd.Name, v.Name, err)
			}
			out[gvk] = &crdVersion{
				gvk:        gvk,
				namespaced: crd.Spec.Scope == apiextensionsv1.NamespaceScoped,
				structural: ss,
				schema:     validator,
				cel:        cel.NewValidator(ss, true, celconfig.PerCallLimit),
			}
		}
	}
	return out, nil
}

// validate checks obj (not modified) against the CRD version and returns
// one message per problem, each "path: message".
func (c *crdVersion) validate(obj map[string]any) []string {
	var problems []string
	// Unknown fields: the API server prunes them silently (or rejects them with
	// fieldValidation=Strict); a manifest carrying one is always a mistake.
	clone := runtime.DeepCopyJSON(obj)
	unknown := pruning.PruneWithOptions(clone, c.structural, true, structuralschema.UnknownFieldPathOptions{TrackUnknownFieldPaths: true})
	for _, path := range unknown {
		problems = append(problems, fmt.Sprintf("%s: unknown field", path))
	}
	for _, e := range apiservervalidation.ValidateCustomResource(nil, obj, c.schema) {
		problems = append(problems, e.Error())
	}
	for _, e := range listtype.ValidateListSetsAndMaps(nil, c.structural, obj) {
		problems = append(problems, e.Error())
	}
	if c.cel != nil {
		errs, _ := c.cel.Validate(context.Background(), nil, c.structural, obj, nil, celconfig.RuntimeCELCostBudget)
		for _, e := range errs {
			problems = append(problems, e.Error())
		}
	}
	sort.Strings(problems)
	return problems
}
