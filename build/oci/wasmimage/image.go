// Package wasmimage packages a proxy-wasm module as an OCI image that Istio's
// WasmPlugin fetcher accepts, with byte-for-byte reproducible output: the same
// module and metadata always give the same manifest digest.
package wasmimage

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/partial"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// Variant selects one of the two image formats Istio's fetcher understands.
type Variant string

const (
	// VariantCompat is a standard OCI image with one tar+gzip layer that
	// holds plugin.wasm. Any OCI registry accepts it.
	VariantCompat Variant = "compat"
	// VariantWasm is the two-layer Wasm artifact: a runtime-config layer and
	// the raw module in a layer of media type MediaTypeWasmLayer.
	VariantWasm Variant = "wasm"
)

// ParseVariant maps a flag value to a Variant; the empty string means compat.
func ParseVariant(s string) (Variant, error) {
	switch Variant(s) {
	case "", VariantCompat:
		return VariantCompat, nil
	case VariantWasm:
		return VariantWasm, nil
	}
	return "", fmt.Errorf("unknown image variant %q (want %q or %q)", s, VariantCompat, VariantWasm)
}

// Media types, file names and annotation keys used in the images.
const (
	MediaTypeWasmLayer  types.MediaType = "application/vnd.module.wasm.content.layer.v1+wasm"
	MediaTypeWasmConfig types.MediaType = "application/vnd.module.wasm.config.v1+json"

	// PluginFileName is the file Istio looks for in a compat layer.
	PluginFileName = "plugin.wasm"
	// RuntimeConfigFileName titles the runtime-config layer of the wasm variant.
	RuntimeConfigFileName = "runtime-config.json"

	AnnotationSource      = "org.opencontainers.image.source"
	AnnotationVersion     = "org.opencontainers.image.version"
	AnnotationRevision    = "org.opencontainers.image.revision"
	AnnotationDescription = "org.opencontainers.image.description"
	AnnotationTitle       = "org.opencontainers.image.title"
	// AnnotationVariant marks compat images, as the Wasm image spec asks.
	AnnotationVariant = "module.wasm.image/variant"
)

// fileModTime is the fixed modification time of plugin.wasm in the compat
// layer (the Unix epoch), so the layer does not depend on when it was built.
var fileModTime = time.Unix(0, 0).UTC()

// maxMetadataLen bounds each annotation value.
const maxMetadataLen = 4096

// Metadata becomes the manifest's OCI annotations. Empty fields are omitted.
// No creation time is recorded, so the digest depends only on the inputs.
type Metadata struct {
	Source      string // URL of the source repository
	Version     string // release version, e.g. v1.2.0
	Revision    string // VCS revision, e.g. a git commit SHA
	Description string // one-line human description
}

// Annotations validates m and returns the OCI annotations it stands for.
func (m Metadata) Annotations() (map[string]string, error) {
	out := map[string]string{}
	for _, f := range []struct{ key, val string }{
		{AnnotationSource, m.Source},
		{AnnotationVersion, m.Version},
		{AnnotationRevision, m.Revision},
		{AnnotationDescription, m.Description},
	} {
		if f.val == "" {
			continue
		}
		if len(f.val) > maxMetadataLen {
			return nil, fmt.Errorf("annotation %s: value is %d bytes, at most %d allowed", f.key, len(f.val), maxMetadataLen)
		}
		if !utf8.ValidString(f.val) || strings.ContainsAny(f.val, "\x00\r\n") {
			return nil, fmt.Errorf("annotation %s: value must be one line of UTF-8 text", f.key)
		}
		out[f.key] = f.val
	}
	if m.Source != "" {
		u, err := url.Parse(m.Source)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			return nil, fmt.Errorf("annotation %s: %q is not an http(s) URL", AnnotationSource, m.Source)
		}
	}
	if strings.ContainsAny(m.Version, " \t") || strings.ContainsAny(m.Revision, " \t") {
		return nil, fmt.Errorf("version and revision must not contain spaces")
	}
	return out, nil
}

// Build packages the wasm module as an image of the given variant. The module
// is checked to be a WebAssembly binary first.
func Build(wasm []byte, variant Variant, meta Metadata) (v1.Image, error) {
	if err := CheckModule(wasm); err != nil {
		return nil, err
	}
	ann, err := meta.Annotations()
	if err != nil {
		return nil, err
	}
	switch variant {
	case VariantCompat:
		return buildCompat(wasm, ann)
	case VariantWasm:
		return buildWasm(wasm, ann)
	}
	return nil, fmt.Errorf("unknown image variant %q", variant)
}

// compatConfig is the OCI image configuration of the compat variant. It
// deliberately has no "created" or "history" fields.
type compatConfig struct {
	Architecture string          `json:"architecture"`
	OS           string          `json:"os"`
	Config       containerConfig `json:"config"`
	RootFS       rootFS          `json:"rootfs"`
}

type containerConfig struct {
	Labels map[string]string `json:"Labels,omitempty"`
}

type rootFS struct {
	Type    string   `json:"type"`
	DiffIDs []string `json:"diff_ids"`
}

func buildCompat(wasm []byte, ann map[string]string) (v1.Image, error) {
	tarball, err := pluginTar(wasm)
	if err != nil {
		return nil, err
	}
	gz, err := gzipBytes(tarball)
	if err != nil {
		return nil, err
	}
	labels := map[string]string{}
	for k, v := range ann {
		labels[k] = v
	}
	// The Wasm image spec asks compat images with OCI layers to say so.
	ann[AnnotationVariant] = string(VariantCompat)
	cfg, err := json.Marshal(compatConfig{
		Architecture: "wasm",
		OS:           "wasip1",
		Config:       containerConfig{Labels: labels},
		RootFS:       rootFS{Type: "layers", DiffIDs: []string{digestOf(tarball).String()}},
	})
	if err != nil {
		return nil, err
	}
	layer := newBlob(gz, types.OCILayer)
	return newImage(types.OCIConfigJSON, cfg, ann, layer)
}

// runtimeConfig is the Wasm image spec's runtime configuration.
type runtimeConfig struct {
	Type        string          `json:"type"`
	ABIVersions []string        `json:"abiVersions"`
	Config      json.RawMessage `json:"config"`
}

func buildWasm(wasm []byte, ann map[string]string) (v1.Image, error) {
	abis, err := ABIVersions(wasm)
	if err != nil {
		return nil, err
	}
	if abis == nil {
		abis = []string{}
	}
	cfg, err := json.Marshal(runtimeConfig{Type: "envoy_proxy", ABIVersions: abis, Config: json.RawMessage(`{}`)})
	if err != nil {
		return nil, err
	}
	cfgLayer := newBlob(cfg, MediaTypeWasmConfig)
	cfgLayer.annotations = map[string]string{AnnotationTitle: RuntimeConfigFileName}
	wasmLayer := newBlob(wasm, MediaTypeWasmLayer)
	wasmLayer.annotations = map[string]string{AnnotationTitle: PluginFileName}
	return newImage(MediaTypeWasmConfig, cfg, ann, cfgLayer, wasmLayer)
}

// pluginTar returns a tar stream holding only plugin.wasm, with fixed owner,
// mode and time so that equal modules give equal archives.
func pluginTar(wasm []byte) ([]byte, error) {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	hdr := &tar.Header{
		Typeflag: tar.TypeReg,
		Name:     PluginFileName,
		Size:     int64(len(wasm)),
		Mode:     0o644,
		ModTime:  fileModTime,
		Format:   tar.FormatUSTAR,
	}
	if err := tw.WriteHeader(hdr); err != nil {
		return nil, fmt.Errorf("tar header: %w", err)
	}
	if _, err := tw.Write(wasm); err != nil {
		return nil, fmt.Errorf("tar body: %w", err)
	}
	if err := tw.Close(); err != nil {
		return nil, fmt.Errorf("tar close: %w", err)
	}
	return buf.Bytes(), nil
}

// gzipBytes compresses b with a zeroed gzip header (no name, no time).
func gzipBytes(b []byte) ([]byte, error) {
	var buf bytes.Buffer
	zw, err := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	if err != nil {
		return nil, err
	}
	if _, err := zw.Write(b); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func digestOf(b []byte) v1.Hash {
	sum := sha256.Sum256(b)
	return v1.Hash{Algorithm: "sha256", Hex: hex.EncodeToString(sum[:])}
}

// blob is an in-memory layer as stored in the registry.
type blob struct {
	data        []byte
	digest      v1.Hash
	mediaType   types.MediaType
	annotations map[string]string
}

func newBlob(b []byte, mt types.MediaType) *blob {
	return &blob{data: b, digest: digestOf(b), mediaType: mt}
}

func (b *blob) Digest() (v1.Hash, error)            { return b.digest, nil }
func (b *blob) Compressed() (io.ReadCloser, error)  { return io.NopCloser(bytes.NewReader(b.data)), nil }
func (b *blob) Size() (int64, error)                { return int64(len(b.data)), nil }
func (b *blob) MediaType() (types.MediaType, error) { return b.mediaType, nil }
func (b *blob) descriptor() v1.Descriptor {
	return v1.Descriptor{MediaType: b.mediaType, Size: int64(len(b.data)), Digest: b.digest, Annotations: b.annotations}
}

// image is a fully materialised image: raw manifest, raw config and layers.
type image struct {
	manifest []byte
	config   []byte
	layers   map[v1.Hash]*blob
}

func newImage(configType types.MediaType, config []byte, ann map[string]string, layers ...*blob) (v1.Image, error) {
	m := v1.Manifest{
		SchemaVersion: 2,
		MediaType:     types.OCIManifestSchema1,
		Config:        v1.Descriptor{MediaType: configType, Size: int64(len(config)), Digest: digestOf(config)},
		Annotations:   ann,
	}
	img := &image{config: config, layers: map[v1.Hash]*blob{}}
	for _, l := range layers {
		m.Layers = append(m.Layers, l.descriptor())
		img.layers[l.digest] = l
	}
	raw, err := json.Marshal(m)
	if err != nil {
		return nil, err
	}
	img.manifest = raw
	return partial.CompressedToImage(img)
}

func (i *image) RawConfigFile() ([]byte, error)      { return i.config, nil }
func (i *image) MediaType() (types.MediaType, error) { return types.OCIManifestSchema1, nil }
func (i *image) RawManifest() ([]byte, error)        { return i.manifest, nil }
func (i *image) LayerByDigest(h v1.Hash) (partial.CompressedLayer, error) {
	if l, ok := i.layers[h]; ok {
		return l, nil
	}
	return nil, fmt.Errorf("blob %s is not part of this image", h)
}
