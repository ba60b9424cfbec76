package kindenv

import "strconv"

// Cmd is one command line, with optional standard input.
type Cmd struct {
	Name  string
	Args  []string
	Stdin []byte
	// OKIfStderr lists stderr substrings that make a failure harmless
	// (e.g. "already exists" when connecting a network twice).
	OKIfStderr []string
}

// StartRegistry runs the registry container, published on 127.0.0.1 only.
func (c Config) StartRegistry() Cmd {
	return Cmd{Name: "docker", Args: []string{
		"run", "-d", "--restart=always",
		"-p", "127.0.0.1:" + strconv.Itoa(c.RegistryPort) + ":5000",
		"--network", "bridge",
		"--name", c.RegistryName,
		c.RegistryImage,
	}}
}

// RegistryRunning asks docker whether the registry container runs ("true").
func (c Config) RegistryRunning() Cmd {
	return Cmd{Name: "docker", Args: []string{"inspect", "-f", "{{.State.Running}}", c.RegistryName}}
}

// RemoveRegistry deletes the registry container.
func (c Config) RemoveRegistry() Cmd {
	return Cmd{Name: "docker", Args: []string{"rm", "-f", c.RegistryName}}
}

// CreateCluster creates the kind cluster from the config file at path.
func (c Config) CreateCluster(path string) Cmd {
	args := []string{"create", "cluster", "--name", c.ClusterName, "--config", path, "--wait", "180s"}
	if c.NodeImage != "" {
		args = append(args, "--image", c.NodeImage)
	}
	return Cmd{Name: "kind", Args: args}
}

// DeleteCluster deletes the kind cluster.
func (c Config) DeleteCluster() Cmd {
	return Cmd{Name: "kind", Args: []string{"delete", "cluster", "--name", c.ClusterName}}
}

// ListNodes lists the cluster's node containers, one per line.
func (c Config) ListNodes() Cmd {
	return Cmd{Name: "kind", Args: []string{"get", "nodes", "--name", c.ClusterName}}
}

// ConfigureNode writes HostsTOML into a node's containerd hosts directory.
func (c Config) ConfigureNode(node string) []Cmd {
	return []Cmd{
		{Name: "docker", Args: []string{"exec", node, "mkdir", "-p", c.HostsDir()}},
		{Name: "docker", Args: []string{"exec", "-i", node, "cp", "/dev/stdin", c.HostsDir() + "/hosts.toml"}, Stdin: c.HostsTOML()},
	}
}

// ConnectRegistry attaches the registry to the kind network so nodes and Pods
// reach it as RegistryName:5000.
func (c Config) ConnectRegistry() Cmd {
	return Cmd{Name: "docker", Args: []string{"network", "connect", "kind", c.RegistryName},
		OKIfStderr: []string{"already exists"}}
}

// Kubectl is a kubectl command against the cluster's context.
func (c Config) Kubectl(args ...string) Cmd {
	return Cmd{Name: "kubectl", Args: append([]string{"--context", c.KubeContext()}, args...)}
}

// ApplyStdin is `kubectl apply -f -` with the given manifests.
func (c Config) ApplyStdin(manifests []byte) Cmd {
	cmd := c.Kubectl("apply", "-f", "-")
	cmd.Stdin = manifests
	return cmd
}

// InstallIstio runs istioctl with the IstioOperator file at path.
func (c Config) InstallIstio(istioctl, path string) Cmd {
	return Cmd{Name: istioctl, Args: []string{"install", "--context", c.KubeContext(), "-y", "-f", path}}
}

// SetupPlan is the ordered list of commands that prepares registry and
// cluster, as documented by kind for a local registry, with kindConfigPath
// the file holding KindConfig. Node configuration follows (ConfigureNode for
// each node ListNodes prints), then RegistryHostingConfigMap.
func (c Config) SetupPlan(kindConfigPath string) []Cmd {
	return []Cmd{c.StartRegistry(), c.CreateCluster(kindConfigPath), c.ConnectRegistry()}
}
