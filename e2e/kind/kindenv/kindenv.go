// Package kindenv describes the throw-away test environment of the kind
// end-to-end test: a local registry container, a kind cluster whose
// containerd pulls localhost:<port>/... from that registry, and Istio
// installed by istioctl with an ingress gateway exposed on a host port.
// Everything here is pure (files and command lines); running them is the
// test's job, so all of it is unit-tested without docker.
package kindenv

import (
	"fmt"
	"strconv"
	"strings"
)

// Config is the environment of one e2e run.
type Config struct {
	ClusterName   string // kind cluster name; the kubectl context is "kind-" + ClusterName
	RegistryName  string // docker container name of the registry, reachable by this name on the "kind" network
	RegistryPort  int    // host port (127.0.0.1) of the registry
	RegistryImage string // registry image, pinned
	IstioVersion  string // Istio release installed by istioctl
	HTTPNodePort  int    // NodePort of the gateway's port 80
	HTTPHostPort  int    // host port (127.0.0.1) mapped to HTTPNodePort by kind
	NodeImage     string // kind node image; "" = the default of the kind release in use
}

// Default returns the pinned defaults. Istio 1.31.1 is the release whose
// istio.io/api (same version) provides the CRDs the manifests are validated
// against offline. kind v0.33.0's default node image runs Kubernetes 1.37.
func Default() Config {
	return Config{
		ClusterName:   "wasmauth-e2e",
		RegistryName:  "kind-registry",
		RegistryPort:  5001,
		RegistryImage: "docker.io/library/registry:3.0.0",
		IstioVersion:  "1.31.1",
		HTTPNodePort:  30080,
		HTTPHostPort:  18080,
	}
}

// Validate rejects configurations that cannot work.
func (c Config) Validate() error {
	var problems []string
	if c.ClusterName == "" || strings.ContainsAny(c.ClusterName, " /:") {
		problems = append(problems, fmt.Sprintf("cluster name %q", c.ClusterName))
	}
	if c.RegistryName == "" || strings.ContainsAny(c.RegistryName, " /:") {
		problems = append(problems, fmt.Sprintf("registry name %q", c.RegistryName))
	}
	for name, p := range map[string]int{"registry port": c.RegistryPort, "HTTP host port": c.HTTPHostPort} {
		if p < 1 || p > 65535 {
			problems = append(problems, fmt.Sprintf("%s %d", name, p))
		}
	}
	if c.HTTPNodePort < 30000 || c.HTTPNodePort > 32767 {
		problems = append(problems, fmt.Sprintf("node port %d outside 30000-32767", c.HTTPNodePort))
	}
	if !validVersion(c.IstioVersion) {
		problems = append(problems, fmt.Sprintf("Istio version %q (want X.Y.Z)", c.IstioVersion))
	}
	if strings.ContainsAny(c.NodeImage, " \t\n") {
		problems = append(problems, fmt.Sprintf("node image %q", c.NodeImage))
	}
	if c.RegistryImage == "" {
		problems = append(problems, "registry image is empty")
	}
	if len(problems) > 0 {
		return fmt.Errorf("kindenv: invalid config: %s", strings.Join(problems, "; "))
	}
	return nil
}

func validVersion(v string) bool {
	parts := strings.Split(v, ".")
	if len(parts) != 3 {
		return false
	}
	for _, p := range parts {
		if _, err := strconv.Atoi(p); err != nil || p == "" {
			return false
		}
	}
	return true
}

// KubeContext is the kubectl context kind creates for the cluster.
func (c Config) KubeContext() string { return "kind-" + c.ClusterName }

// RegistryHost is how the host (docker push) and the Pods' image references
// name the registry: localhost:<RegistryPort>.
func (c Config) RegistryHost() string { return "localhost:" + strconv.Itoa(c.RegistryPort) }

// InClusterRegistry is the registry's address on the kind docker network,
// used where something inside the cluster (the gateway's istio-agent fetching
// the Wasm module) talks to the registry directly.
func (c Config) InClusterRegistry() string { return c.RegistryName + ":5000" }

// GatewayAddr is the host address of the ingress gateway's HTTP port.
func (c Config) GatewayAddr() string { return "127.0.0.1:" + strconv.Itoa(c.HTTPHostPort) }

// KindConfig is the kind cluster configuration: one node, with the gateway's
// NodePort published on 127.0.0.1:HTTPHostPort. Node images of kind v0.27.0
// and later read registry hosts from /etc/containerd/certs.d already, so no
// containerd patch is needed; HostsTOML fills that directory.
func (c Config) KindConfig() []byte {
	return []byte(fmt.Sprintf(`kind: Cluster
apiVersion: kind.x-k8s.io/v1alpha4
name: %s
nodes:
- role: control-plane
  extraPortMappings:
  - containerPort: %d
    hostPort: %d
    listenAddress: "127.0.0.1"
    protocol: TCP
`, c.ClusterName, c.HTTPNodePort, c.HTTPHostPort))
}

// HostsDir is the containerd registry-host directory for RegistryHost on a node.
func (c Config) HostsDir() string { return "/etc/containerd/certs.d/" + c.RegistryHost() }

// HostsTOML maps RegistryHost to the registry container over plain HTTP.
func (c Config) HostsTOML() []byte {
	return []byte(fmt.Sprintf("[host.%q]\n", "http://"+c.InClusterRegistry()))
}

// RegistryHostingConfigMap documents the local registry for tools in the
// cluster (KEP-1755 "local-registry-hosting").
func (c Config) RegistryHostingConfigMap() []byte {
	return []byte(fmt.Sprintf(`apiVersion: v1
kind: ConfigMap
metadata:
  name: local-registry-hosting
  namespace: kube-public
data:
  localRegistryHosting.v1: |
    host: "%s"
    help: "https://kind.sigs.k8s.io/docs/user/local-registry/"
`, c.RegistryHost()))
}

// IstioOperator is the istioctl install configuration: the default profile
// with small resource requests, the ingress gateway as a NodePort service, and
// the gateway's istio-agent allowed to fetch Wasm modules from the plain-HTTP
// local registry (WASM_INSECURE_REGISTRIES, both as a container variable and
// as proxy metadata, which the agent also exports to itself).
func (c Config) IstioOperator() []byte {
	return []byte(fmt.Sprintf(`apiVersion: install.istio.io/v1alpha1
kind: IstioOperator
spec:
  profile: default
  meshConfig:
    accessLogFile: /dev/stdout
    defaultConfig:
      proxyMetadata:
        WASM_INSECURE_REGISTRIES: "%[1]s"
  components:
    pilot:
      k8s:
        resources:
          requests:
            cpu: 100m
            memory: 256Mi
    ingressGateways:
    - name: istio-ingressgateway
      enabled: true
      k8s:
        env:
        - name: WASM_INSECURE_REGISTRIES
          value: "%[1]s"
        resources:
          requests:
            cpu: 100m
            memory: 128Mi
        service:
          type: NodePort
          ports:
          - name: status-port
            port: 15021
            targetPort: 15021
          - name: http2
            port: 80
            targetPort: 8080
            nodePort: %[2]d
          - name: https
            port: 443
            targetPort: 8443
`, c.InClusterRegistry(), c.HTTPNodePort))
}
