package main

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/static"
	"github.com/google/go-containerregistry/pkg/v1/types"
	"istio.io/istio/pkg/wasm"

	"github.com/wasmauth/wasmauth/build/oci/internal/testregistry"
	"github.com/wasmauth/wasmauth/build/oci/internal/testwasm"
	"github.com/wasmauth/wasmauth/build/oci/wasmimage"
)

// cli runs the command in-process and returns its exit code and output.
func cli(t *testing.T, env map[string]string, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	code := run(ctx, args, &stdout, &stderr, func(k string) string { return env[k] })
	return code, stdout.String(), stderr.String()
}

// wasmInputs returns the modules to package: a hand-made one always, and the
// real plugin (out/wasmauth.wasm) when it has been built.
func wasmInputs(t *testing.T) map[string]string {
	t.Helper()
	dir := t.TempDir()
	hand := filepath.Join(dir, "hand.wasm")
	if err := os.WriteFile(hand, testwasm.Module([]string{"proxy_abi_version_0_2_1"}, []byte("cli test")), 0o644); err != nil {
		t.Fatal(err)
	}
	in := map[string]string{"hand-made": hand}
	if p := testwasm.RealPlugin(); p != "" {
		in["out/wasmauth.wasm"] = p
		t.Logf("fetching the real plugin %s through Istio as well", p)
	} else {
		t.Log("out/wasmauth.wasm not built (run make build); using the hand-made module only")
	}
	return in
}

var (
	urlLine    = regexp.MustCompile(`(?m)^  url: (oci://\S+)$`)
	sha256Line = regexp.MustCompile(`(?m)^  sha256: ([0-9a-f]{64})$`)
)

// istioGet fetches url the way istio-agent does (LocalFileCache.Get) and
// returns the module bytes it would hand to Envoy.
func istioGet(t *testing.T, url, checksum string) ([]byte, error) {
	t.Helper()
	cache := wasm.NewLocalFileCache(t.TempDir(), wasm.Options{})
	defer cache.Cleanup()
	path, err := cache.Get(url, wasm.GetOptions{
		Checksum:        checksum,
		ResourceName:    "istio-system.wasmauth",
		ResourceVersion: "1",
		RequestTimeout:  15 * time.Second,
		PullPolicy:      wasm.IfNotPresent,
	})
	if err != nil {
		return nil, err
	}
	return os.ReadFile(path)
}

func TestImagePushIstioFetch(t *testing.T) {
	reg := testregistry.Start(t, "", "")
	t.Setenv("DOCKER_CONFIG", t.TempDir()) // Istio's fetcher reads the default keychain
	for label, wasmPath := range wasmInputs(t) {
		want, err := os.ReadFile(wasmPath)
		if err != nil {
			t.Fatal(err)
		}
		for _, variant := range []string{"compat", "wasm"} {
			t.Run(label+"/"+variant, func(t *testing.T) {
				dir := t.TempDir()
				layout, digestFile := filepath.Join(dir, "oci"), filepath.Join(dir, "wasmauth.digest")
				code, out, errOut := cli(t, nil, "image", "-wasm", wasmPath, "-out", layout, "-digest-file", digestFile,
					"-variant", variant, "-source", "https://github.com/wasmauth/wasmauth", "-version", "v0.0.0-test",
					"-revision", "0123456789abcdef", "-description", "wasmauth test image")
				if code != 0 {
					t.Fatalf("image: exit %d: %s", code, errOut)
				}
				digest := strings.TrimSpace(out)
				fileDigest, err := os.ReadFile(digestFile)
				if err != nil {
					t.Fatal(err)
				}
				if !strings.HasPrefix(digest, "sha256:") || strings.TrimSpace(string(fileDigest)) != digest {
					t.Fatalf("printed %q, digest file %q", digest, fileDigest)
				}

				repo := fmt.Sprintf("%s/wasmauth/%s-%s", reg.Host, strings.ReplaceAll(strings.ToLower(label), "/", "-"), variant)
				repo = strings.ReplaceAll(repo, ".wasm", "")
				code, out, errOut = cli(t, nil, "push", "-layout", layout, "-image", repo+":v1", "-tag", "v1.0,latest")
				if code != 0 {
					t.Fatalf("push: exit %d: %s", code, errOut)
				}
				if !strings.Contains(out, "digest: "+digest+"\n") {
					t.Fatalf("push output lacks the digest %s:\n%s", digest, out)
				}
				u, s := urlLine.FindStringSubmatch(out), sha256Line.FindStringSubmatch(out)
				if u == nil || s == nil {
					t.Fatalf("push output has no WasmPlugin url/sha256:\n%s", out)
				}
				if u[1] != "oci://"+repo+":v1" || s[1] != strings.TrimPrefix(digest, "sha256:") {
					t.Fatalf("snippet url %s sha256 %s; want oci://%s:v1 and %s", u[1], s[1], repo, digest)
				}

				// The snippet's url and sha256, as Istio uses them.
				got, err := istioGet(t, u[1], s[1])
				if err != nil {
					t.Fatalf("Istio refused the image with the right sha256: %v", err)
				}
				if !bytes.Equal(got, want) {
					t.Fatalf("Istio fetched %d bytes that differ from the %d-byte input", len(got), len(want))
				}

				// A wrong sha256 (one hex digit changed) is refused.
				wrong := []byte(s[1])
				if wrong[0] == '0' {
					wrong[0] = '1'
				} else {
					wrong[0] = '0'
				}
				if _, err := istioGet(t, u[1], string(wrong)); err == nil || !strings.Contains(err.Error(), "does not match") {
					t.Fatalf("Istio accepted a wrong sha256: err = %v", err)
				}
				// The sha256 of the wasm file itself is not what Istio wants for oci:// URLs.
				if _, err := istioGet(t, u[1], fileSHA256(want)); err == nil {
					t.Fatal("Istio accepted the wasm file's own sha256 as the image checksum")
				}

				// Extra tags and the digest form of the URL resolve to the same module.
				for _, url := range []string{"oci://" + repo + ":v1.0", "oci://" + repo + ":latest", "oci://" + repo + "@" + digest} {
					got, err := istioGet(t, url, "")
					if err != nil {
						t.Fatalf("Istio fetch %s: %v", url, err)
					}
					if !bytes.Equal(got, want) {
						t.Fatalf("%s: fetched bytes differ from the input", url)
					}
				}
			})
		}
	}
}

// TestIstioRefusesSingleLayerArtifact shows the fetcher check has teeth: a
// wasm artifact with only the wasm layer (a format some tools emit) is
// refused by Istio, while this tool's two-layer form is accepted above.
func TestIstioRefusesSingleLayerArtifact(t *testing.T) {
	reg := testregistry.Start(t, "", "")
	t.Setenv("DOCKER_CONFIG", t.TempDir())
	module := testwasm.Module(nil, []byte("one layer"))
	img, err := mutate.Append(empty.Image, mutate.Addendum{Layer: static.NewLayer(module, wasmimage.MediaTypeWasmLayer)})
	if err != nil {
		t.Fatal(err)
	}
	img = mutate.MediaType(img, types.OCIManifestSchema1)
	ref, err := name.ParseReference(reg.Host + "/wasmauth/single:v1")
	if err != nil {
		t.Fatal(err)
	}
	if err := remote.Write(ref, img); err != nil {
		t.Fatal(err)
	}
	if _, err := istioGet(t, "oci://"+ref.Name(), ""); err == nil || !strings.Contains(err.Error(), "number of layers must be 2") {
		t.Fatalf("Istio fetch of a single-layer artifact: err = %v, want a layer-count refusal", err)
	}
}

func TestPushWithCredentialsFromEnvironment(t *testing.T) {
	const user, pass = "ci-bot", "ghp_notarealtoken"
	reg := testregistry.Start(t, user, pass)
	t.Setenv("DOCKER_CONFIG", t.TempDir())
	dir := t.TempDir()
	wasmPath := filepath.Join(dir, "m.wasm")
	if err := os.WriteFile(wasmPath, testwasm.Module(nil, []byte("auth")), 0o644); err != nil {
		t.Fatal(err)
	}
	layout := filepath.Join(dir, "oci")
	if code, _, errOut := cli(t, nil, "image", "-wasm", wasmPath, "-out", layout); code != 0 {
		t.Fatalf("image: %s", errOut)
	}
	image := reg.Host + "/wasmauth/wasmauth:v1"

	code, _, errOut := cli(t, nil, "push", "-layout", layout, "-image", image)
	if code != 1 || !strings.Contains(errOut, "401") {
		t.Fatalf("anonymous push to an authenticated registry: exit %d: %s", code, errOut)
	}
	env := map[string]string{"WASMAUTH_REGISTRY_TOKEN": pass, "WASMAUTH_REGISTRY_USER": user}
	code, out, errOut := cli(t, env, "push", "-layout", layout, "-image", image, "-tag", "v1.0")
	if code != 0 {
		t.Fatalf("push with WASMAUTH_REGISTRY_TOKEN: exit %d: %s", code, errOut)
	}
	if strings.Contains(out+errOut, pass) {
		t.Fatal("the token appears in the output")
	}
	if !strings.Contains(errOut, "WASMAUTH_REGISTRY_TOKEN") {
		t.Fatalf("stderr does not say where the credentials came from: %s", errOut)
	}
	if !strings.Contains(out, "pushed: "+reg.Host+"/wasmauth/wasmauth:v1.0@sha256:") {
		t.Fatalf("extra tag not reported:\n%s", out)
	}
}

// TestPushInsecure pushes to a plain-HTTP registry under a name that
// go-containerregistry does not recognise as local (this machine's host
// name), which needs -insecure, as kind's registry does from inside a cluster.
func TestPushInsecure(t *testing.T) {
	host, err := os.Hostname()
	if err != nil {
		t.Skipf("no host name: %v", err)
	}
	addrs, err := net.LookupHost(host)
	if err != nil || len(addrs) == 0 {
		t.Skipf("host name %q does not resolve (%v); cannot reach the loopback registry under a non-local name", host, err)
	}
	for _, a := range addrs {
		if ip := net.ParseIP(a); ip == nil || !ip.Equal(net.IPv4(127, 0, 0, 1)) {
			t.Skipf("host name %q resolves to %v, not only 127.0.0.1; skipping the plain-HTTP test", host, addrs)
		}
	}
	reg := testregistry.Start(t, "", "")
	_, port, err := net.SplitHostPort(reg.Host)
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("DOCKER_CONFIG", t.TempDir())
	dir := t.TempDir()
	wasmPath := filepath.Join(dir, "m.wasm")
	if err := os.WriteFile(wasmPath, testwasm.Module(nil, []byte("insecure")), 0o644); err != nil {
		t.Fatal(err)
	}
	layout := filepath.Join(dir, "oci")
	if code, _, errOut := cli(t, nil, "image", "-wasm", wasmPath, "-out", layout); code != 0 {
		t.Fatalf("image: %s", errOut)
	}
	image := strings.ToLower(host) + ":" + port + "/wasmauth/wasmauth:dev"
	if code, _, errOut := cli(t, nil, "push", "-layout", layout, "-image", image); code != 1 {
		t.Fatalf("push over HTTPS to a plain-HTTP registry: exit %d: %s", code, errOut)
	}
	code, out, errOut := cli(t, nil, "push", "-layout", layout, "-image", image, "-insecure")
	if code != 0 {
		t.Fatalf("push -insecure: exit %d: %s", code, errOut)
	}
	if !strings.Contains(out, "url: oci://"+image+"\n") {
		t.Fatalf("snippet does not name %s:\n%s", image, out)
	}
}

func TestCLIErrors(t *testing.T) {
	dir := t.TempDir()
	notWasm := filepath.Join(dir, "plugin.txt")
	if err := os.WriteFile(notWasm, []byte("not a module"), 0o644); err != nil {
		t.Fatal(err)
	}
	good := filepath.Join(dir, "good.wasm")
	if err := os.WriteFile(good, testwasm.Module(nil, nil), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "oci")
	layout := filepath.Join(t.TempDir(), "oci")
	if code, _, errOut := cli(t, nil, "image", "-wasm", good, "-out", layout); code != 0 {
		t.Fatalf("image: %s", errOut)
	}
	tests := []struct {
		name     string
		env      map[string]string
		args     []string
		wantCode int
		wantErr  string
	}{
		{"no command", nil, nil, 2, "usage"},
		{"unknown command", nil, []string{"build"}, 2, "unknown command"},
		{"image without flags", nil, []string{"image"}, 2, "-wasm and -out are required"},
		{"image bad variant", nil, []string{"image", "-wasm", good, "-out", out, "-variant", "docker"}, 2, "unknown image variant"},
		{"image stray argument", nil, []string{"image", "-wasm", good, "-out", out, "extra"}, 2, "unexpected arguments"},
		{"image missing file", nil, []string{"image", "-wasm", filepath.Join(dir, "nope.wasm"), "-out", out}, 1, "no such file"},
		{"image not wasm", nil, []string{"image", "-wasm", notWasm, "-out", out}, 1, "not a WebAssembly module"},
		{"image directory as wasm", nil, []string{"image", "-wasm", dir, "-out", out}, 1, "not a regular file"},
		{"image bad source", nil, []string{"image", "-wasm", good, "-out", out, "-source", "nowhere"}, 1, "not an http(s) URL"},
		{"image out is not a layout", nil, []string{"image", "-wasm", good, "-out", dir}, 1, "refusing to overwrite"},
		{"push without flags", nil, []string{"push"}, 2, "-layout and -image are required"},
		{"push image without tag", nil, []string{"push", "-layout", out, "-image", "ghcr.io/o/wasmauth"}, 2, "REGISTRY/REPOSITORY:TAG"},
		{"push missing layout", nil, []string{"push", "-layout", filepath.Join(dir, "none"), "-image", "ghcr.io/o/wasmauth:v1"}, 1, "open OCI layout"},
		{"push token without user", map[string]string{"WASMAUTH_REGISTRY_TOKEN": "secret-value"}, []string{"push", "-layout", layout, "-image", "ghcr.io/o/wasmauth:v1"}, 2, "no user name"},
		{"push layout is a file", nil, []string{"push", "-layout", good, "-image", "ghcr.io/o/wasmauth:v1"}, 1, "open OCI layout"},
		{"unknown flag", nil, []string{"image", "-wasmfile", good}, 2, "flag provided but not defined"},
		{"help", nil, []string{"help"}, 0, ""},
		{"subcommand help", nil, []string{"push", "-h"}, 0, "-layout"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, errOut := cli(t, tt.env, tt.args...)
			if code != tt.wantCode || !strings.Contains(errOut, tt.wantErr) {
				t.Fatalf("exit %d, stderr %q; want exit %d and %q", code, errOut, tt.wantCode, tt.wantErr)
			}
			if strings.Contains(errOut, "secret-value") {
				t.Fatal("stderr leaks the token")
			}
		})
	}
}
