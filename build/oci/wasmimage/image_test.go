package wasmimage

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/wasmauth/wasmauth/build/oci/internal/testwasm"
)

var testMeta = Metadata{
	Source:      "https://github.com/wasmauth/wasmauth",
	Version:     "v1.2.3",
	Revision:    "0123456789abcdef0123456789abcdef01234567",
	Description: "HTTP Basic auth filter for the Istio ingress gateway",
}

// inputs returns the modules the image tests run on: a hand-made one, and the
// real plugin build when it exists.
func inputs(t *testing.T) map[string][]byte {
	t.Helper()
	in := map[string][]byte{"hand-made": testwasm.Module([]string{"proxy_abi_version_0_2_1"}, []byte("payload"))}
	if p := testwasm.RealPlugin(); p != "" {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		in["out/wasmauth.wasm"] = b
		t.Logf("also testing the real plugin %s (%d bytes)", p, len(b))
	} else {
		t.Log("out/wasmauth.wasm not built; testing the hand-made module only")
	}
	return in
}

func mustBuild(t *testing.T, wasm []byte, v Variant, m Metadata) v1.Image {
	t.Helper()
	img, err := Build(wasm, v, m)
	if err != nil {
		t.Fatalf("Build(%s): %v", v, err)
	}
	return img
}

func readAll(t *testing.T, l v1.Layer) []byte {
	t.Helper()
	rc, err := l.Compressed()
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestBuildCompat(t *testing.T) {
	for label, wasm := range inputs(t) {
		t.Run(label, func(t *testing.T) {
			img := mustBuild(t, wasm, VariantCompat, testMeta)
			m, err := img.Manifest()
			if err != nil {
				t.Fatal(err)
			}
			if m.MediaType != types.OCIManifestSchema1 || m.Config.MediaType != types.OCIConfigJSON {
				t.Fatalf("manifest media type %q, config %q", m.MediaType, m.Config.MediaType)
			}
			if len(m.Layers) != 1 || m.Layers[0].MediaType != types.OCILayer {
				t.Fatalf("layers = %+v, want one %s", m.Layers, types.OCILayer)
			}
			layers, err := img.Layers()
			if err != nil {
				t.Fatal(err)
			}
			gz := readAll(t, layers[0])
			// gzip header: no modification time, no file name.
			if gz[0] != 0x1f || gz[1] != 0x8b || gz[3] != 0 || !bytes.Equal(gz[4:8], []byte{0, 0, 0, 0}) {
				t.Fatalf("gzip header % x has flags or a timestamp", gz[:10])
			}
			zr, err := gzip.NewReader(bytes.NewReader(gz))
			if err != nil {
				t.Fatal(err)
			}
			raw, err := io.ReadAll(zr)
			if err != nil {
				t.Fatal(err)
			}
			tr := tar.NewReader(bytes.NewReader(raw))
			hdr, err := tr.Next()
			if err != nil {
				t.Fatal(err)
			}
			if hdr.Name != PluginFileName || hdr.Typeflag != tar.TypeReg || hdr.Mode != 0o644 ||
				hdr.Uid != 0 || hdr.Gid != 0 || hdr.Uname != "" || hdr.Gname != "" || hdr.ModTime.Unix() != 0 {
				t.Fatalf("tar header %+v is not the fixed one", hdr)
			}
			got, err := io.ReadAll(tr)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, wasm) {
				t.Fatalf("plugin.wasm in the layer differs from the input (%d vs %d bytes)", len(got), len(wasm))
			}
			if _, err := tr.Next(); err != io.EOF {
				t.Fatalf("layer holds more than plugin.wasm: %v", err)
			}
			// The config's diff_id is the digest of the uncompressed tar.
			cfg, err := img.ConfigFile()
			if err != nil {
				t.Fatal(err)
			}
			if len(cfg.RootFS.DiffIDs) != 1 || cfg.RootFS.DiffIDs[0] != digestOf(raw) {
				t.Fatalf("diff_ids = %v, want [%s]", cfg.RootFS.DiffIDs, digestOf(raw))
			}
			if diff, _ := layers[0].DiffID(); diff != digestOf(raw) {
				t.Fatalf("layer DiffID %s, want %s", diff, digestOf(raw))
			}
			if cfg.OS != "wasip1" || cfg.Architecture != "wasm" {
				t.Fatalf("platform %s/%s", cfg.OS, cfg.Architecture)
			}
			rawCfg, _ := img.RawConfigFile()
			rawMan, _ := img.RawManifest()
			for _, s := range [][]byte{rawCfg, rawMan} {
				if bytes.Contains(s, []byte(`"created"`)) || bytes.Contains(s, []byte(`"history"`)) {
					t.Fatalf("a timestamp or history leaked into %s", s)
				}
			}
		})
	}
}

func TestBuildWasmVariant(t *testing.T) {
	for label, wasm := range inputs(t) {
		t.Run(label, func(t *testing.T) {
			img := mustBuild(t, wasm, VariantWasm, testMeta)
			m, err := img.Manifest()
			if err != nil {
				t.Fatal(err)
			}
			if m.Config.MediaType != MediaTypeWasmConfig {
				t.Fatalf("config media type %q", m.Config.MediaType)
			}
			if len(m.Layers) != 2 {
				t.Fatalf("%d layers, want exactly 2", len(m.Layers))
			}
			layers, err := img.Layers()
			if err != nil {
				t.Fatal(err)
			}
			var wasmLayers int
			for i, l := range layers {
				mt, _ := l.MediaType()
				body := readAll(t, l)
				switch mt {
				case MediaTypeWasmLayer:
					wasmLayers++
					if !bytes.Equal(body, wasm) {
						t.Fatal("wasm layer differs from the input")
					}
					if m.Layers[i].Annotations[AnnotationTitle] != PluginFileName {
						t.Fatalf("wasm layer annotations %v", m.Layers[i].Annotations)
					}
				case MediaTypeWasmConfig:
					var rc runtimeConfig
					if err := json.Unmarshal(body, &rc); err != nil {
						t.Fatalf("runtime config: %v", err)
					}
					want, _ := ABIVersions(wasm)
					if rc.Type != "envoy_proxy" || (len(want) > 0 && !reflect.DeepEqual(rc.ABIVersions, want)) {
						t.Fatalf("runtime config %+v, want ABI versions %v", rc, want)
					}
				default:
					t.Fatalf("unexpected layer media type %q", mt)
				}
			}
			if wasmLayers != 1 {
				t.Fatalf("%d layers of type %s, want 1", wasmLayers, MediaTypeWasmLayer)
			}
		})
	}
}

func digestFor(t *testing.T, wasm []byte, v Variant, m Metadata) v1.Hash {
	t.Helper()
	d, err := mustBuild(t, wasm, v, m).Digest()
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestDeterminism(t *testing.T) {
	a := testwasm.Module(nil, []byte("a"))
	b := testwasm.Module(nil, []byte("b"))
	otherMeta := testMeta
	otherMeta.Revision = "fedcba9876543210fedcba9876543210fedcba98"
	for _, v := range []Variant{VariantCompat, VariantWasm} {
		t.Run(string(v), func(t *testing.T) {
			first := digestFor(t, a, v, testMeta)
			if again := digestFor(t, a, v, testMeta); again != first {
				t.Fatalf("same input gave %s then %s", first, again)
			}
			// Through the layout on disk as well: two separate writes.
			d1, err := WriteLayout(filepath.Join(t.TempDir(), "oci"), mustBuild(t, a, v, testMeta))
			if err != nil {
				t.Fatal(err)
			}
			if d1 != first {
				t.Fatalf("layout digest %s, image digest %s", d1, first)
			}
			for name, other := range map[string]v1.Hash{
				"different wasm":     digestFor(t, b, v, testMeta),
				"different revision": digestFor(t, a, v, otherMeta),
				"no metadata":        digestFor(t, a, v, Metadata{}),
			} {
				if other == first {
					t.Errorf("%s gave the same digest %s", name, first)
				}
			}
		})
	}
	if digestFor(t, a, VariantCompat, testMeta) == digestFor(t, a, VariantWasm, testMeta) {
		t.Error("the two variants gave the same digest")
	}
}

func TestAnnotations(t *testing.T) {
	tests := []struct {
		name    string
		meta    Metadata
		want    map[string]string
		wantErr string
	}{
		{"all", testMeta, map[string]string{
			AnnotationSource:      testMeta.Source,
			AnnotationVersion:     testMeta.Version,
			AnnotationRevision:    testMeta.Revision,
			AnnotationDescription: testMeta.Description,
		}, ""},
		{"empty fields omitted", Metadata{Version: "v1"}, map[string]string{AnnotationVersion: "v1"}, ""},
		{"none", Metadata{}, map[string]string{}, ""},
		{"source not a URL", Metadata{Source: "github.com/x/y"}, nil, "not an http(s) URL"},
		{"source other scheme", Metadata{Source: "ftp://example.com/x"}, nil, "not an http(s) URL"},
		{"newline in description", Metadata{Description: "a\nb"}, nil, "one line"},
		{"invalid UTF-8", Metadata{Description: "a\xffb"}, nil, "one line"},
		{"space in version", Metadata{Version: "v 1"}, nil, "spaces"},
		{"too long", Metadata{Description: strings.Repeat("x", maxMetadataLen+1)}, nil, "at most"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.meta.Annotations()
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error = %v, want one containing %q", err, tt.wantErr)
				}
				if _, err := Build(testwasm.Module(nil, nil), VariantCompat, tt.meta); err == nil {
					t.Fatal("Build accepted metadata that Annotations refuses")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("Annotations = %v, want %v", got, tt.want)
			}
			for _, v := range []Variant{VariantCompat, VariantWasm} {
				m, err := mustBuild(t, testwasm.Module(nil, nil), v, tt.meta).Manifest()
				if err != nil {
					t.Fatal(err)
				}
				want := map[string]string{}
				if v == VariantCompat {
					want[AnnotationVariant] = "compat"
				}
				for k, val := range tt.want {
					want[k] = val
				}
				if (len(m.Annotations) != 0 || len(want) != 0) && !reflect.DeepEqual(m.Annotations, want) {
					t.Fatalf("%s manifest annotations = %v, want %v", v, m.Annotations, want)
				}
			}
		})
	}
}

func TestBuildRejects(t *testing.T) {
	tests := []struct {
		name    string
		wasm    []byte
		variant Variant
		wantErr string
	}{
		{"not wasm", []byte("#!/bin/sh\necho hi\n"), VariantCompat, "not a WebAssembly module"},
		{"empty file", nil, VariantWasm, "not a WebAssembly module"},
		{"unknown variant", testwasm.Module(nil, nil), Variant("docker"), "unknown image variant"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := Build(tt.wasm, tt.variant, Metadata{}); err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("Build error = %v, want one containing %q", err, tt.wantErr)
			}
		})
	}
}

func TestParseVariant(t *testing.T) {
	for in, want := range map[string]Variant{"": VariantCompat, "compat": VariantCompat, "wasm": VariantWasm} {
		if got, err := ParseVariant(in); err != nil || got != want {
			t.Errorf("ParseVariant(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, in := range []string{"oci", "Compat", "docker"} {
		if _, err := ParseVariant(in); err == nil {
			t.Errorf("ParseVariant(%q) accepted", in)
		}
	}
}

func TestLayoutRoundTrip(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "oci")
	wasm := testwasm.Module(nil, []byte("one"))
	for _, v := range []Variant{VariantCompat, VariantWasm} {
		// Writing twice into the same directory replaces the old image.
		d, err := WriteLayout(dir, mustBuild(t, wasm, v, testMeta))
		if err != nil {
			t.Fatal(err)
		}
		img, err := ReadLayout(dir)
		if err != nil {
			t.Fatal(err)
		}
		got, err := img.Digest()
		if err != nil || got != d {
			t.Fatalf("%s: read back %s (%v), wrote %s", v, got, err, d)
		}
		layers, err := img.Layers()
		if err != nil {
			t.Fatal(err)
		}
		for _, l := range layers {
			// Every blob is on disk and hashes to its name.
			b := readAll(t, l)
			ld, _ := l.Digest()
			if digestOf(b) != ld {
				t.Fatalf("blob %s hashes to %s", ld, digestOf(b))
			}
		}
	}
}

func TestLayoutRefusals(t *testing.T) {
	img := mustBuild(t, testwasm.Module(nil, nil), VariantCompat, Metadata{})

	t.Run("non-layout directory is not overwritten", func(t *testing.T) {
		dir := t.TempDir()
		keep := filepath.Join(dir, "keep.txt")
		if err := os.WriteFile(keep, []byte("mine"), 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := WriteLayout(dir, img); err == nil || !strings.Contains(err.Error(), "refusing") {
			t.Fatalf("WriteLayout error = %v, want a refusal", err)
		}
		if _, err := os.Stat(keep); err != nil {
			t.Fatalf("user file was removed: %v", err)
		}
	})

	t.Run("missing layout", func(t *testing.T) {
		if _, err := ReadLayout(filepath.Join(t.TempDir(), "nope")); err == nil {
			t.Fatal("ReadLayout accepted a missing directory")
		}
	})

	t.Run("corrupted manifest", func(t *testing.T) {
		dir := filepath.Join(t.TempDir(), "oci")
		d, err := WriteLayout(dir, img)
		if err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(dir, "blobs", d.Algorithm, d.Hex)
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		b = bytes.Replace(b, []byte(`"schemaVersion":2`), []byte(`"schemaVersion":3`), 1)
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := ReadLayout(dir); err == nil || !strings.Contains(err.Error(), "hashes to") {
			t.Fatalf("ReadLayout error = %v, want a digest mismatch", err)
		}
	})

	t.Run("two images in the layout", func(t *testing.T) {
		dir := filepath.Join(t.TempDir(), "oci")
		if _, err := WriteLayout(dir, img); err != nil {
			t.Fatal(err)
		}
		other := mustBuild(t, testwasm.Module(nil, []byte("2")), VariantCompat, Metadata{})
		if err := appendToLayout(dir, other); err != nil {
			t.Fatal(err)
		}
		if _, err := ReadLayout(dir); err == nil || !strings.Contains(err.Error(), "exactly 1") {
			t.Fatalf("ReadLayout error = %v, want a refusal of 2 manifests", err)
		}
	})
}
