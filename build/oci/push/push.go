package push

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"
)

// Options configure Push.
type Options struct {
	// Insecure talks plain HTTP to the registry (a local registry such as
	// kind's at localhost:5001). Loopback hosts use HTTP even without it.
	Insecure bool
	// Keychain resolves credentials; nil means anonymous.
	Keychain authn.Keychain
	// Transport overrides the HTTP transport (nil: go-containerregistry's default).
	Transport http.RoundTripper
}

// Result describes a finished push.
type Result struct {
	Digest v1.Hash    // manifest digest; WasmPlugin.sha256 is its hex part
	Tags   []name.Tag // every tag that now points at Digest, the main one first
}

// ParseImage parses a reference such as ghcr.io/OWNER/wasmauth:TAG. The
// registry and the tag must both be spelled out.
func ParseImage(image string, insecure bool) (name.Tag, error) {
	opts := []name.Option{name.StrictValidation}
	if insecure {
		opts = append(opts, name.Insecure)
	}
	t, err := name.NewTag(image, opts...)
	if err != nil {
		return name.Tag{}, fmt.Errorf("image %q: want REGISTRY/REPOSITORY:TAG, e.g. ghcr.io/OWNER/wasmauth:v1.0.0: %w", image, err)
	}
	return t, nil
}

// Push uploads img to image (REGISTRY/REPOSITORY:TAG), points every extra tag
// at the same manifest, and then reads each tag back to check it resolves to
// the pushed digest.
func Push(ctx context.Context, img v1.Image, image string, extraTags []string, o Options) (*Result, error) {
	primary, err := ParseImage(image, o.Insecure)
	if err != nil {
		return nil, err
	}
	tags := []name.Tag{primary}
	seen := map[string]bool{primary.TagStr(): true}
	for _, t := range extraTags {
		if seen[t] {
			continue
		}
		seen[t] = true
		tag, err := ParseImage(primary.Context().Name()+":"+t, o.Insecure)
		if err != nil {
			return nil, fmt.Errorf("extra tag %q: %w", t, err)
		}
		tags = append(tags, tag)
	}
	digest, err := img.Digest()
	if err != nil {
		return nil, err
	}
	kc := o.Keychain
	if kc == nil {
		kc = authn.NewMultiKeychain()
	}
	ropts := []remote.Option{remote.WithContext(ctx), remote.WithAuthFromKeychain(kc), remote.WithUserAgent("wasmauth-oci")}
	if o.Transport != nil {
		ropts = append(ropts, remote.WithTransport(o.Transport))
	}
	if err := remote.Write(primary, img, ropts...); err != nil {
		return nil, explain("push "+primary.Name(), err)
	}
	for _, t := range tags[1:] {
		if err := remote.Tag(t, img, ropts...); err != nil {
			return nil, explain("tag "+t.Name(), err)
		}
	}
	for _, t := range tags {
		desc, err := remote.Head(t, ropts...)
		if err != nil {
			return nil, explain("verify "+t.Name(), err)
		}
		if desc.Digest != digest {
			return nil, fmt.Errorf("verify %s: registry reports %s, pushed %s", t.Name(), desc.Digest, digest)
		}
	}
	return &Result{Digest: digest, Tags: tags}, nil
}

// explain adds a hint on where credentials come from to auth failures.
func explain(what string, err error) error {
	var terr *transport.Error
	if errors.As(err, &terr) && (terr.StatusCode == http.StatusUnauthorized || terr.StatusCode == http.StatusForbidden) {
		return fmt.Errorf("%s: %w (credentials come from %s, the docker config in $DOCKER_CONFIG or ~/.docker with its credential helpers, or %s for ghcr.io; the token needs write:packages on ghcr.io)",
			what, err, EnvToken, EnvGitHubToken)
	}
	return fmt.Errorf("%s: %w", what, err)
}

// Snippet returns a WasmPlugin manifest that loads the image from the given
// tag, pinned to the manifest digest. Istio compares WasmPlugin.sha256 of an
// oci:// URL with the image's manifest digest (hex, without "sha256:").
func Snippet(tag name.Tag, digest v1.Hash) string {
	var b strings.Builder
	fmt.Fprintf(&b, `apiVersion: extensions.istio.io/v1alpha1
kind: WasmPlugin
metadata:
  name: wasmauth
  namespace: istio-system
spec:
  selector:
    matchLabels:
      istio: ingressgateway
  url: oci://%s
  sha256: %s
  imagePullPolicy: IfNotPresent
  phase: AUTHN
  failStrategy: FAIL_CLOSE
  # pluginConfig: the filter configuration, see the README
`, tag.Name(), digest.Hex)
	return b.String()
}
