package wasmimage

import (
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/layout"
)

// appendToLayout adds a second image to a layout (tests of ReadLayout only).
func appendToLayout(dir string, img v1.Image) error {
	p, err := layout.FromPath(dir)
	if err != nil {
		return err
	}
	return p.AppendImage(img)
}
