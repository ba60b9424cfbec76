// Package kind holds the tests of the project's Kubernetes manifests: offline
// validation of everything under manifests/ (go test ./...), and the
// end-to-end test on a kind cluster with Istio (WASMAUTH_E2E_KIND=1, run by
// `make e2e-kind`).
package kind
