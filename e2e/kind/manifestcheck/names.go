package manifestcheck

import (
	"k8s.io/apimachinery/pkg/util/validation"
)

// checkName validates metadata.name: a DNS-1123 subdomain for namespaced
// objects of most kinds, a DNS-1123 label for Namespaces.
func checkName(path, name string, subdomain bool) []string {
	if name == "" {
		return []string{path + ".name: required"}
	}
	var errs []string
	if subdomain {
		errs = validation.IsDNS1123Subdomain(name)
	} else {
		errs = validation.IsDNS1123Label(name)
	}
	out := make([]string, 0, len(errs))
	for _, e := range errs {
		out = append(out, path+".name: "+e)
	}
	return out
}
