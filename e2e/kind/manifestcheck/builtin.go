package manifestcheck

import (
	"fmt"
	"sort"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/intstr"
	"sigs.k8s.io/yaml"
)

// builtinKinds are the Kubernetes kinds the manifests may contain, with a
// constructor for their Go type and a semantic check. Anything else is refused
// so that a new kind gets a checker before it is used.
var builtinKinds = map[schema.GroupVersionKind]func() builtin{
	{Version: "v1", Kind: "Namespace"}:                 func() builtin { return &namespace{} },
	{Version: "v1", Kind: "Service"}:                   func() builtin { return &service{} },
	{Version: "v1", Kind: "Secret"}:                    func() builtin { return &secret{} },
	{Version: "v1", Kind: "ConfigMap"}:                 func() builtin { return &configMap{} },
	{Group: "apps", Version: "v1", Kind: "Deployment"}: func() builtin { return &deployment{} },
}

// builtin is a decoded built-in object that can check itself.
type builtin interface {
	target() any
	check() []string
}

// checkBuiltin decodes js strictly (unknown or duplicate fields are errors)
// into the Go type of gvk and runs its consistency checks.
func checkBuiltin(gvk schema.GroupVersionKind, js []byte) (problems []string, known bool) {
	mk, ok := builtinKinds[gvk]
	if !ok {
		return nil, false
	}
	obj := mk()
	if err := yaml.UnmarshalStrict(js, obj.target()); err != nil {
		return []string{err.Error()}, true
	}
	problems = obj.check()
	sort.Strings(problems)
	return problems, true
}

type namespace struct{ corev1.Namespace }

func (n *namespace) target() any     { return &n.Namespace }
func (n *namespace) check() []string { return checkName("metadata", n.Name, false) }

type secret struct{ corev1.Secret }

func (s *secret) target() any { return &s.Secret }
func (s *secret) check() []string {
	p := checkName("metadata", s.Name, true)
	if s.Type == corev1.SecretTypeTLS {
		for _, k := range []string{corev1.TLSCertKey, corev1.TLSPrivateKeyKey} {
			if _, ok := s.Data[k]; !ok {
				if _, ok := s.StringData[k]; !ok {
					p = append(p, fmt.Sprintf("data[%s]: required for type %s", k, s.Type))
				}
			}
		}
	}
	return p
}

type configMap struct{ corev1.ConfigMap }

func (c *configMap) target() any     { return &c.ConfigMap }
func (c *configMap) check() []string { return checkName("metadata", c.Name, true) }

type service struct{ corev1.Service }

func (s *service) target() any { return &s.Service }
func (s *service) check() []string {
	p := checkName("metadata", s.Name, true)
	if len(s.Spec.Ports) == 0 {
		p = append(p, "spec.ports: at least one port is required")
	}
	switch s.Spec.Type {
	case "", corev1.ServiceTypeClusterIP, corev1.ServiceTypeNodePort, corev1.ServiceTypeLoadBalancer, corev1.ServiceTypeExternalName:
	default:
		p = append(p, fmt.Sprintf("spec.type: unsupported value %q", s.Spec.Type))
	}
	names := map[string]bool{}
	for i, port := range s.Spec.Ports {
		path := fmt.Sprintf("spec.ports[%d]", i)
		if len(s.Spec.Ports) > 1 && port.Name == "" {
			p = append(p, path+".name: required when there are several ports")
		}
		if names[port.Name] {
			p = append(p, fmt.Sprintf("%s.name: duplicate %q", path, port.Name))
		}
		names[port.Name] = true
		if port.Port < 1 || port.Port > 65535 {
			p = append(p, fmt.Sprintf("%s.port: %d out of range", path, port.Port))
		}
		p = append(p, checkProtocol(path+".protocol", port.Protocol)...)
	}
	return p
}

type deployment struct{ appsv1.Deployment }

func (d *deployment) target() any { return &d.Deployment }
func (d *deployment) check() []string {
	p := checkName("metadata", d.Name, true)
	spec := d.Spec
	if spec.Selector == nil || len(spec.Selector.MatchLabels)+len(spec.Selector.MatchExpressions) == 0 {
		p = append(p, "spec.selector: required")
	} else if len(spec.Selector.MatchExpressions) == 0 {
		sel := labels.SelectorFromSet(spec.Selector.MatchLabels)
		if !sel.Matches(labels.Set(spec.Template.Labels)) {
			p = append(p, "spec.template.metadata.labels: do not match spec.selector")
		}
	}
	pod := spec.Template.Spec
	if len(pod.Containers) == 0 {
		p = append(p, "spec.template.spec.containers: at least one container is required")
	}
	for i, c := range pod.Containers {
		p = append(p, checkContainer(fmt.Sprintf("spec.template.spec.containers[%d]", i), c)...)
	}
	return p
}

func checkContainer(path string, c corev1.Container) []string {
	var p []string
	if c.Name == "" {
		p = append(p, path+".name: required")
	}
	if c.Image == "" {
		p = append(p, path+".image: required")
	}
	switch c.ImagePullPolicy {
	case "", corev1.PullAlways, corev1.PullIfNotPresent, corev1.PullNever:
	default:
		p = append(p, fmt.Sprintf("%s.imagePullPolicy: unsupported value %q", path, c.ImagePullPolicy))
	}
	ports := map[string]bool{}
	for i, port := range c.Ports {
		pp := fmt.Sprintf("%s.ports[%d]", path, i)
		if port.Name != "" {
			if ports[port.Name] {
				p = append(p, fmt.Sprintf("%s.name: duplicate %q", pp, port.Name))
			}
			if len(port.Name) > 15 {
				p = append(p, fmt.Sprintf("%s.name: %q longer than 15 characters", pp, port.Name))
			}
			ports[port.Name] = true
		}
		p = append(p, checkProtocol(pp+".protocol", port.Protocol)...)
	}
	for name, probe := range map[string]*corev1.Probe{"readinessProbe": c.ReadinessProbe, "livenessProbe": c.LivenessProbe, "startupProbe": c.StartupProbe} {
		if probe == nil {
			continue
		}
		var port *intstr.IntOrString
		switch {
		case probe.HTTPGet != nil:
			port = &probe.HTTPGet.Port
		case probe.TCPSocket != nil:
			port = &probe.TCPSocket.Port
		}
		if port != nil && port.Type == intstr.String && !ports[port.StrVal] {
			p = append(p, fmt.Sprintf("%s.%s: port %q is not a named container port", path, name, port.StrVal))
		}
	}
	return p
}

func checkProtocol(path string, proto corev1.Protocol) []string {
	switch proto {
	case "", corev1.ProtocolTCP, corev1.ProtocolUDP, corev1.ProtocolSCTP:
		return nil
	}
	return []string{fmt.Sprintf("%s: unsupported value %q", path, proto)}
}
