// Package manifestcheck validates Kubernetes manifests offline, the way an API
// server would, without a cluster:
//
//   - Istio resources against the CRD OpenAPI schemas shipped in istio.io/api
//     (unknown fields, types, enums, patterns, list-map keys and the CEL rules
//     of the CRDs, using the API server's own validation code from
//     k8s.io/apiextensions-apiserver), plus a strict protojson decode of the
//     spec into the Istio API message;
//   - Kubernetes built-in kinds by a strict decode into the k8s.io/api types
//     and a few consistency checks an API server or controller would reject;
//   - the pluginConfig of every WasmPlugin with the filter's own parser,
//     config.Parse from github.com/wasmauth/wasmauth/config.
package manifestcheck
