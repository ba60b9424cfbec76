// Package push uploads a packaged wasm image to a registry with the user's
// usual credentials and renders the WasmPlugin snippet that pins it.
package push

import (
	"fmt"
	"strings"

	"github.com/google/go-containerregistry/pkg/authn"
)

// Environment variables read by EnvKeychain.
const (
	EnvToken       = "WASMAUTH_REGISTRY_TOKEN" // password or token for the target registry
	EnvUser        = "WASMAUTH_REGISTRY_USER"  // user name for EnvToken
	EnvGitHubToken = "GITHUB_TOKEN"            // used for ghcr.io only
	EnvGitHubActor = "GITHUB_ACTOR"            // user name for GitHub tokens
)

// GHCR is the GitHub container registry host, the only registry GITHUB_TOKEN is sent to.
const GHCR = "ghcr.io"

// EnvKeychain resolves credentials from the environment for one registry:
// WASMAUTH_REGISTRY_TOKEN (user from WASMAUTH_REGISTRY_USER, else
// GITHUB_ACTOR) for the registry being pushed to, and GITHUB_TOKEN (user
// GITHUB_ACTOR) for ghcr.io. Other registries resolve to anonymous, so a
// token is never sent to a host it was not meant for.
type EnvKeychain struct {
	registry string
	user     string
	token    string
	source   string
}

// NewEnvKeychain reads the environment through getenv for pushes to registry
// (a host[:port] as in the image reference). It fails when a token is set
// without any user name.
func NewEnvKeychain(registry string, getenv func(string) string) (*EnvKeychain, error) {
	k := &EnvKeychain{registry: registry}
	if tok := getenv(EnvToken); tok != "" {
		user := firstNonEmpty(getenv(EnvUser), getenv(EnvGitHubActor))
		if user == "" {
			return nil, fmt.Errorf("%s is set but no user name: set %s (or %s)", EnvToken, EnvUser, EnvGitHubActor)
		}
		k.user, k.token, k.source = user, tok, EnvToken
		return k, nil
	}
	if registry == GHCR {
		if tok := getenv(EnvGitHubToken); tok != "" {
			user := firstNonEmpty(getenv(EnvUser), getenv(EnvGitHubActor))
			if user == "" {
				return nil, fmt.Errorf("%s is set but no user name: set %s (or %s)", EnvGitHubToken, EnvGitHubActor, EnvUser)
			}
			k.user, k.token, k.source = user, tok, EnvGitHubToken
		}
	}
	return k, nil
}

// Source names the variable the credentials come from, or "" if none. It
// never contains the secret itself.
func (k *EnvKeychain) Source() string { return k.source }

// Resolve implements authn.Keychain.
func (k *EnvKeychain) Resolve(r authn.Resource) (authn.Authenticator, error) {
	if k.token == "" || r.RegistryStr() != k.registry {
		return authn.Anonymous, nil
	}
	return &authn.Basic{Username: k.user, Password: k.token}, nil
}

// Keychain combines the sources in order of precedence: an explicit
// WASMAUTH_REGISTRY_TOKEN, then the docker config file and its credential
// helpers (authn.DefaultKeychain, honouring DOCKER_CONFIG), then GITHUB_TOKEN
// for ghcr.io. The first one that has credentials for the registry wins.
func Keychain(env *EnvKeychain) authn.Keychain {
	if env == nil {
		return authn.DefaultKeychain
	}
	if env.source == EnvToken {
		return authn.NewMultiKeychain(env, authn.DefaultKeychain)
	}
	return authn.NewMultiKeychain(authn.DefaultKeychain, env)
}

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if s = strings.TrimSpace(s); s != "" {
			return s
		}
	}
	return ""
}
