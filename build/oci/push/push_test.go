package push

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/wasmauth/wasmauth/build/oci/internal/testregistry"
	"github.com/wasmauth/wasmauth/build/oci/internal/testwasm"
	"github.com/wasmauth/wasmauth/build/oci/wasmimage"
)

func env(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func TestEnvKeychain(t *testing.T) {
	ghcr := name.MustParseReference("ghcr.io/o/wasmauth:v1").Context()
	other := name.MustParseReference("registry.example.com/o/wasmauth:v1").Context()
	tests := []struct {
		name     string
		registry string
		env      map[string]string
		target   name.Repository
		wantUser string // "" = anonymous
		wantPass string
		wantSrc  string
		wantErr  string
	}{
		{"nothing set", GHCR, nil, ghcr, "", "", "", ""},
		{"explicit token and user", GHCR, map[string]string{EnvToken: "t1", EnvUser: "alice"}, ghcr, "alice", "t1", EnvToken, ""},
		{"explicit token, actor as user", GHCR, map[string]string{EnvToken: "t1", EnvGitHubActor: "bot"}, ghcr, "bot", "t1", EnvToken, ""},
		{"explicit token wins over GITHUB_TOKEN", GHCR, map[string]string{EnvToken: "t1", EnvUser: "alice", EnvGitHubToken: "gh"}, ghcr, "alice", "t1", EnvToken, ""},
		{"explicit token for another registry", "registry.example.com", map[string]string{EnvToken: "t1", EnvUser: "alice"}, other, "alice", "t1", EnvToken, ""},
		{"explicit token not sent to a different host", "registry.example.com", map[string]string{EnvToken: "t1", EnvUser: "alice"}, ghcr, "", "", EnvToken, ""},
		{"GITHUB_TOKEN for ghcr", GHCR, map[string]string{EnvGitHubToken: "gh", EnvGitHubActor: "bot"}, ghcr, "bot", "gh", EnvGitHubToken, ""},
		{"GITHUB_TOKEN never for other registries", "registry.example.com", map[string]string{EnvGitHubToken: "gh", EnvGitHubActor: "bot"}, other, "", "", "", ""},
		{"token without any user", GHCR, map[string]string{EnvToken: "t1"}, ghcr, "", "", "", "no user name"},
		{"GITHUB_TOKEN without actor", GHCR, map[string]string{EnvGitHubToken: "gh"}, ghcr, "", "", "", "no user name"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			k, err := NewEnvKeychain(tt.registry, env(tt.env))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error = %v, want one containing %q", err, tt.wantErr)
				}
				for _, v := range tt.env {
					if strings.Contains(err.Error(), v) {
						t.Fatalf("error %q leaks a secret", err)
					}
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if k.Source() != tt.wantSrc {
				t.Fatalf("Source = %q, want %q", k.Source(), tt.wantSrc)
			}
			a, err := k.Resolve(tt.target)
			if err != nil {
				t.Fatal(err)
			}
			cfg, err := a.Authorization()
			if err != nil {
				t.Fatal(err)
			}
			if cfg.Username != tt.wantUser || cfg.Password != tt.wantPass {
				t.Fatalf("resolved %q/%q, want %q/%q", cfg.Username, cfg.Password, tt.wantUser, tt.wantPass)
			}
		})
	}
}

func TestParseImage(t *testing.T) {
	tests := []struct {
		in      string
		ok      bool
		wantReg string
	}{
		{"ghcr.io/owner/wasmauth:v1.0.0", true, "ghcr.io"},
		{"localhost:5001/wasmauth:dev", true, "localhost:5001"},
		{"ghcr.io/owner/wasmauth", false, ""},                                   // no tag
		{"ghcr.io/owner/wasmauth@sha256:" + strings.Repeat("a", 64), false, ""}, // digest, not a tag
		{"ghcr.io/Owner/wasmauth:v1", false, ""},                                // upper case repository
		{"", false, ""},
		{"ghcr.io/owner/wasmauth:bad tag", false, ""},
	}
	for _, tt := range tests {
		got, err := ParseImage(tt.in, false)
		if (err == nil) != tt.ok {
			t.Errorf("ParseImage(%q) error = %v, want ok=%v", tt.in, err, tt.ok)
			continue
		}
		if tt.ok && got.RegistryStr() != tt.wantReg {
			t.Errorf("ParseImage(%q) registry %q, want %q", tt.in, got.RegistryStr(), tt.wantReg)
		}
	}
}

func testImage(t *testing.T, payload string) v1.Image {
	t.Helper()
	img, err := wasmimage.Build(testwasm.Module(nil, []byte(payload)), wasmimage.VariantCompat, wasmimage.Metadata{Version: "v1"})
	if err != nil {
		t.Fatal(err)
	}
	return img
}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return c
}

// headDigest asks the registry what ref points at, anonymously or as user.
func headDigest(t *testing.T, ref string, kc authn.Keychain) v1.Hash {
	t.Helper()
	r, err := name.ParseReference(ref)
	if err != nil {
		t.Fatal(err)
	}
	desc, err := remote.Head(r, remote.WithAuthFromKeychain(kc))
	if err != nil {
		t.Fatalf("HEAD %s: %v", ref, err)
	}
	return desc.Digest
}

func TestPushWithExtraTags(t *testing.T) {
	reg := testregistry.Start(t, "", "")
	img := testImage(t, "tags")
	want, _ := img.Digest()
	res, err := Push(ctx(t), img, reg.Host+"/wasmauth/wasmauth:v1.2.3", []string{"v1.2", "latest", "v1.2"}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Digest != want {
		t.Fatalf("result digest %s, want %s", res.Digest, want)
	}
	var got []string
	for _, tag := range res.Tags {
		got = append(got, tag.TagStr())
	}
	if strings.Join(got, ",") != "v1.2.3,v1.2,latest" {
		t.Fatalf("tags = %v", got)
	}
	for _, tag := range []string{"v1.2.3", "v1.2", "latest"} {
		if d := headDigest(t, reg.Host+"/wasmauth/wasmauth:"+tag, authn.NewMultiKeychain()); d != want {
			t.Fatalf("tag %s -> %s, want %s", tag, d, want)
		}
	}
	// An unpushed tag does not exist.
	r, err := name.ParseReference(reg.Host + "/wasmauth/wasmauth:v9")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := remote.Head(r); err == nil {
		t.Fatal("an unpushed tag resolves")
	}
	// A bad extra tag is refused before anything is pushed.
	if _, err := Push(ctx(t), img, reg.Host+"/wasmauth/other:v1", []string{"no good"}, Options{}); err == nil || !strings.Contains(err.Error(), "extra tag") {
		t.Fatalf("bad extra tag: error = %v", err)
	}
	other, err := name.ParseReference(reg.Host + "/wasmauth/other:v1")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := remote.Head(other); err == nil {
		t.Fatal("push went ahead despite a bad extra tag")
	}
}

// writeDockerConfig creates a docker config.json with credentials for host.
func writeDockerConfig(t *testing.T, host, user, pass string) string {
	t.Helper()
	dir := t.TempDir()
	cfg := map[string]any{"auths": map[string]any{
		host: map[string]string{"auth": base64.StdEncoding.EncodeToString([]byte(user + ":" + pass))},
	}}
	b, err := json.Marshal(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "config.json"), b, 0o600); err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestPushWithCredentials(t *testing.T) {
	const user, pass = "pusher", "s3cret-token"
	reg := testregistry.Start(t, user, pass)
	image := reg.Host + "/wasmauth/wasmauth:v1"
	emptyDockerConfig := t.TempDir()

	tests := []struct {
		name         string
		dockerConfig string // "" = empty config dir
		env          map[string]string
		wantErr      string
	}{
		{"docker config", writeDockerConfig(t, reg.Host, user, pass), nil, ""},
		{"explicit token", emptyDockerConfig, map[string]string{EnvToken: pass, EnvUser: user}, ""},
		{"explicit token beats a wrong docker config", writeDockerConfig(t, reg.Host, user, "wrong"), map[string]string{EnvToken: pass, EnvUser: user}, ""},
		{"no credentials", emptyDockerConfig, nil, "credentials come from"},
		{"wrong password in docker config", writeDockerConfig(t, reg.Host, user, "wrong"), nil, "credentials come from"},
		{"GITHUB_TOKEN is not sent to a non-ghcr registry", emptyDockerConfig, map[string]string{EnvGitHubToken: pass, EnvGitHubActor: user}, "credentials come from"},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("DOCKER_CONFIG", tt.dockerConfig)
			img := testImage(t, tt.name)
			want, _ := img.Digest()
			ek, err := NewEnvKeychain(reg.Host, env(tt.env))
			if err != nil {
				t.Fatal(err)
			}
			before := reg.Authorized.Load()
			res, err := Push(ctx(t), img, image, []string{"extra" + string(rune('a'+i))}, Options{Keychain: Keychain(ek)})
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error = %v, want one containing %q", err, tt.wantErr)
				}
				if strings.Contains(err.Error(), pass) {
					t.Fatalf("error leaks the password: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if res.Digest != want || reg.Authorized.Load() == before {
				t.Fatalf("digest %s (want %s), authorized requests %d -> %d", res.Digest, want, before, reg.Authorized.Load())
			}
			good := writeDockerConfig(t, reg.Host, user, pass)
			t.Setenv("DOCKER_CONFIG", good)
			for _, tag := range res.Tags {
				if d := headDigest(t, tag.Name(), authn.DefaultKeychain); d != want {
					t.Fatalf("%s -> %s, want %s", tag.Name(), d, want)
				}
			}
		})
	}
	if reg.Denied.Load() == 0 {
		t.Fatal("the registry never refused a request; is authentication enforced?")
	}
}

func TestSnippet(t *testing.T) {
	tag := name.MustParseReference("ghcr.io/owner/wasmauth:v1.0.0").(name.Tag)
	d := v1.Hash{Algorithm: "sha256", Hex: strings.Repeat("ab", 32)}
	s := Snippet(tag, d)
	for _, want := range []string{
		"kind: WasmPlugin",
		"url: oci://ghcr.io/owner/wasmauth:v1.0.0\n",
		"sha256: " + d.Hex + "\n",
		"phase: AUTHN",
	} {
		if !strings.Contains(s, want) {
			t.Errorf("snippet lacks %q:\n%s", want, s)
		}
	}
	if strings.Contains(s, "sha256:"+d.Hex) {
		t.Error("snippet sha256 keeps the sha256: prefix; Istio wants the bare hex")
	}
}
