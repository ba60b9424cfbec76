package kindenv

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// IstioctlURL is the release tarball of istioctl for an OS and architecture
// (Go's GOOS/GOARCH names), as published on Istio's GitHub releases.
func IstioctlURL(version, goos, goarch string) (string, error) {
	if !validVersion(version) {
		return "", fmt.Errorf("istioctl: bad version %q", version)
	}
	var platform string
	switch {
	case goos == "linux" && (goarch == "amd64" || goarch == "arm64"):
		platform = "linux-" + goarch
	case goos == "linux" && goarch == "arm":
		platform = "linux-armv7"
	case goos == "darwin" && goarch == "amd64":
		platform = "osx"
	case goos == "darwin" && goarch == "arm64":
		platform = "osx-arm64"
	default:
		return "", fmt.Errorf("istioctl: no release for %s/%s", goos, goarch)
	}
	name := fmt.Sprintf("istioctl-%s-%s.tar.gz", version, platform)
	return fmt.Sprintf("https://github.com/istio/istio/releases/download/%s/%s", version, name), nil
}

// ParseChecksum reads a "<hex>  <file>" checksum file (sha256sum format, the
// .sha256 file next to each release tarball) and returns the digest for
// file. A file with a single line and no name is accepted too.
func ParseChecksum(sums []byte, file string) (string, error) {
	lines := strings.Split(strings.TrimSpace(string(sums)), "\n")
	for _, line := range lines {
		fields := strings.Fields(line)
		if len(fields) == 0 {
			continue
		}
		sum := strings.ToLower(fields[0])
		if len(sum) != 64 {
			continue
		}
		if _, err := hex.DecodeString(sum); err != nil {
			continue
		}
		if len(fields) == 1 && len(lines) == 1 {
			return sum, nil
		}
		if len(fields) >= 2 && filepath.Base(strings.TrimPrefix(fields[1], "*")) == file {
			return sum, nil
		}
	}
	return "", fmt.Errorf("no sha256 for %s in checksum file", file)
}

// VerifySHA256 compares data's SHA-256 with the hex digest want.
func VerifySHA256(data []byte, want string) error {
	sum := sha256.Sum256(data)
	got := hex.EncodeToString(sum[:])
	if got != strings.ToLower(want) {
		return fmt.Errorf("sha256 mismatch: got %s, want %s", got, want)
	}
	return nil
}

// maxIstioctl bounds the extracted binary (istioctl is ~100 MB).
const maxIstioctl = 512 << 20

// ExtractIstioctl writes the "istioctl" entry of a release tarball to
// dir/istioctl (mode 0755) and returns its path. Other entries are ignored;
// a tarball without it is an error.
func ExtractIstioctl(tgz []byte, dir string) (string, error) {
	zr, err := gzip.NewReader(bytes.NewReader(tgz))
	if err != nil {
		return "", fmt.Errorf("istioctl tarball: %w", err)
	}
	tr := tar.NewReader(zr)
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return "", errors.New("istioctl tarball: no istioctl binary inside")
		}
		if err != nil {
			return "", fmt.Errorf("istioctl tarball: %w", err)
		}
		if hdr.Typeflag != tar.TypeReg || filepath.Base(hdr.Name) != "istioctl" {
			continue
		}
		if hdr.Size > maxIstioctl {
			return "", fmt.Errorf("istioctl tarball: binary of %d bytes is too large", hdr.Size)
		}
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return "", err
		}
		path := filepath.Join(dir, "istioctl")
		tmp := path + ".tmp"
		f, err := os.OpenFile(tmp, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o755)
		if err != nil {
			return "", err
		}
		if _, err := io.Copy(f, io.LimitReader(tr, maxIstioctl)); err != nil {
			f.Close()
			return "", err
		}
		if err := f.Close(); err != nil {
			return "", err
		}
		return path, os.Rename(tmp, path)
	}
}
