package wasmimage

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
)

// WriteLayout writes img as the only image of a fresh OCI image layout at dir
// and returns its manifest digest. An existing dir is replaced only if it is
// empty or already an OCI image layout (it has an "oci-layout" file), so a
// mistyped path never wipes unrelated files.
func WriteLayout(dir string, img v1.Image) (v1.Hash, error) {
	if dir == "" {
		return v1.Hash{}, errors.New("layout directory must not be empty")
	}
	if err := clearLayoutDir(dir); err != nil {
		return v1.Hash{}, err
	}
	p, err := layout.Write(dir, empty.Index)
	if err != nil {
		return v1.Hash{}, fmt.Errorf("create OCI layout %s: %w", dir, err)
	}
	if err := p.AppendImage(img); err != nil {
		return v1.Hash{}, fmt.Errorf("write image to %s: %w", dir, err)
	}
	d, err := img.Digest()
	if err != nil {
		return v1.Hash{}, err
	}
	return d, nil
}

func clearLayoutDir(dir string) error {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("layout directory %s: %w", dir, err)
	}
	if len(entries) == 0 {
		return nil
	}
	if _, err := os.Stat(filepath.Join(dir, "oci-layout")); err != nil {
		return fmt.Errorf("refusing to overwrite %s: it is not empty and not an OCI image layout", dir)
	}
	if err := os.RemoveAll(dir); err != nil {
		return fmt.Errorf("remove old layout %s: %w", dir, err)
	}
	return nil
}

// ReadLayout opens the OCI image layout at dir, which must list exactly one
// image manifest (as WriteLayout leaves it), and returns that image.
func ReadLayout(dir string) (v1.Image, error) {
	idx, err := layout.ImageIndexFromPath(dir)
	if err != nil {
		return nil, fmt.Errorf("open OCI layout %s: %w", dir, err)
	}
	im, err := idx.IndexManifest()
	if err != nil {
		return nil, fmt.Errorf("read %s/index.json: %w", dir, err)
	}
	if len(im.Manifests) != 1 {
		return nil, fmt.Errorf("OCI layout %s lists %d manifests, want exactly 1", dir, len(im.Manifests))
	}
	desc := im.Manifests[0]
	if !desc.MediaType.IsImage() {
		return nil, fmt.Errorf("OCI layout %s: manifest %s has media type %s, want an image manifest", dir, desc.Digest, desc.MediaType)
	}
	img, err := idx.Image(desc.Digest)
	if err != nil {
		return nil, fmt.Errorf("OCI layout %s: image %s: %w", dir, desc.Digest, err)
	}
	// Re-hash the manifest so a corrupted layout is not pushed.
	d, err := img.Digest()
	if err != nil {
		return nil, err
	}
	if d != desc.Digest {
		return nil, fmt.Errorf("OCI layout %s: manifest blob hashes to %s, index.json says %s", dir, d, desc.Digest)
	}
	return img, nil
}
