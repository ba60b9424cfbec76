// Command wasmauth-oci packages out/wasmauth.wasm as an OCI image for Istio's
// WasmPlugin and pushes it to a registry, without docker.
//
//	wasmauth-oci image -wasm out/wasmauth.wasm -out out/oci -digest-file out/wasmauth.digest [-variant compat|wasm] \
//	    -source URL -version V -revision SHA -description TEXT
//	wasmauth-oci push -layout out/oci -image ghcr.io/OWNER/wasmauth:TAG [-tag extra]... [-insecure]
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"time"

	"github.com/wasmauth/wasmauth/build/oci/push"
	"github.com/wasmauth/wasmauth/build/oci/wasmimage"
)

// maxWasmSize bounds the module read from disk (Istio's fetcher stops at 256 MiB).
const maxWasmSize = 256 << 20

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr, os.Getenv)
	stop()
	os.Exit(code)
}

const usage = `usage:
  wasmauth-oci image -wasm FILE -out DIR [-digest-file FILE] [-variant compat|wasm]
                     [-source URL] [-version V] [-revision SHA] [-description TEXT]
  wasmauth-oci push  -layout DIR -image REGISTRY/REPO:TAG [-tag EXTRA]... [-insecure] [-timeout D]
`

// run executes one subcommand and returns the process exit code.
func run(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	var err error
	switch args[0] {
	case "image":
		err = runImage(args[1:], stdout, stderr)
	case "push":
		err = runPush(ctx, args[1:], stdout, stderr, getenv)
	case "-h", "-help", "--help", "help":
		fmt.Fprint(stdout, usage)
		return 0
	default:
		fmt.Fprintf(stderr, "wasmauth-oci: unknown command %q\n%s", args[0], usage)
		return 2
	}
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err == nil {
		return 0
	}
	fmt.Fprintf(stderr, "wasmauth-oci %s: %v\n", args[0], err)
	var ue usageError
	if errors.As(err, &ue) {
		return 2
	}
	return 1
}

// usageError marks bad command-line input (exit code 2).
type usageError struct{ error }

// flagError keeps -h a success and makes other parse errors usage errors.
func flagError(err error) error {
	if errors.Is(err, flag.ErrHelp) {
		return err
	}
	return usageError{err}
}

func runImage(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("image", flag.ContinueOnError)
	fs.SetOutput(stderr)
	wasmPath := fs.String("wasm", "", "the wasm module to package (required)")
	out := fs.String("out", "", "OCI image layout directory to (re)create (required)")
	digestFile := fs.String("digest-file", "", "file to write the manifest digest (sha256:...) to")
	variant := fs.String("variant", string(wasmimage.VariantCompat), "image format: compat (tar+gzip layer with plugin.wasm) or wasm (two-layer Wasm artifact)")
	var meta wasmimage.Metadata
	fs.StringVar(&meta.Source, "source", "", "org.opencontainers.image.source: URL of the source repository")
	fs.StringVar(&meta.Version, "version", "", "org.opencontainers.image.version")
	fs.StringVar(&meta.Revision, "revision", "", "org.opencontainers.image.revision: VCS commit")
	fs.StringVar(&meta.Description, "description", "", "org.opencontainers.image.description")
	if err := fs.Parse(args); err != nil {
		return flagError(err)
	}
	if fs.NArg() != 0 {
		return usageError{fmt.Errorf("unexpected arguments %q", fs.Args())}
	}
	if *wasmPath == "" || *out == "" {
		return usageError{errors.New("-wasm and -out are required")}
	}
	v, err := wasmimage.ParseVariant(*variant)
	if err != nil {
		return usageError{err}
	}
	wasm, err := readLimited(*wasmPath, maxWasmSize)
	if err != nil {
		return err
	}
	img, err := wasmimage.Build(wasm, v, meta)
	if err != nil {
		return fmt.Errorf("%s: %w", *wasmPath, err)
	}
	d, err := wasmimage.WriteLayout(*out, img)
	if err != nil {
		return err
	}
	if *digestFile != "" {
		if dir := filepath.Dir(*digestFile); dir != "" {
			if err := os.MkdirAll(dir, 0o755); err != nil {
				return err
			}
		}
		if err := os.WriteFile(*digestFile, []byte(d.String()+"\n"), 0o644); err != nil {
			return fmt.Errorf("write digest file: %w", err)
		}
	}
	fmt.Fprintln(stdout, d.String())
	return nil
}

// stringList collects a repeatable flag.
type stringList []string

func (s *stringList) String() string     { return strings.Join(*s, ",") }
func (s *stringList) Set(v string) error { *s = append(*s, v); return nil }

func runPush(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	fs := flag.NewFlagSet("push", flag.ContinueOnError)
	fs.SetOutput(stderr)
	layoutDir := fs.String("layout", "", "OCI image layout written by 'image' (required)")
	image := fs.String("image", "", "target REGISTRY/REPOSITORY:TAG, e.g. ghcr.io/OWNER/wasmauth:v1.0.0 (required)")
	insecure := fs.Bool("insecure", false, "use plain HTTP (local registries such as localhost:5001)")
	timeout := fs.Duration("timeout", 5*time.Minute, "give up after this long")
	var tags stringList
	fs.Var(&tags, "tag", "extra tag to point at the same manifest (repeatable; commas separate several)")
	if err := fs.Parse(args); err != nil {
		return flagError(err)
	}
	if fs.NArg() != 0 {
		return usageError{fmt.Errorf("unexpected arguments %q", fs.Args())}
	}
	if *layoutDir == "" || *image == "" {
		return usageError{errors.New("-layout and -image are required")}
	}
	var extra []string
	for _, t := range tags {
		for _, s := range strings.FieldsFunc(t, func(r rune) bool { return r == ',' || r == ' ' }) {
			extra = append(extra, s)
		}
	}
	ref, err := push.ParseImage(*image, *insecure)
	if err != nil {
		return usageError{err}
	}
	img, err := wasmimage.ReadLayout(*layoutDir)
	if err != nil {
		return err
	}
	env, err := push.NewEnvKeychain(ref.RegistryStr(), getenv)
	if err != nil {
		return usageError{err}
	}
	switch env.Source() {
	case push.EnvToken:
		fmt.Fprintf(stderr, "credentials for %s: $%s\n", ref.RegistryStr(), push.EnvToken)
	case push.EnvGitHubToken:
		fmt.Fprintf(stderr, "credentials for %s: docker config if it has an entry, else $%s\n", ref.RegistryStr(), push.EnvGitHubToken)
	default:
		fmt.Fprintf(stderr, "credentials for %s: docker config and credential helpers (anonymous if none)\n", ref.RegistryStr())
	}
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	res, err := push.Push(ctx, img, *image, extra, push.Options{Insecure: *insecure, Keychain: push.Keychain(env)})
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "digest: %s\n", res.Digest)
	for _, t := range res.Tags {
		fmt.Fprintf(stdout, "pushed: %s@%s\n", t.Name(), res.Digest)
	}
	fmt.Fprintf(stdout, "\n# WasmPlugin pinned to this image (sha256 = manifest digest):\n%s", push.Snippet(res.Tags[0], res.Digest))
	return nil
}

// readLimited reads a regular file of at most max bytes.
func readLimited(path string, max int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("%s is not a regular file", path)
	}
	b, err := io.ReadAll(io.LimitReader(f, max+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > max {
		return nil, fmt.Errorf("%s is larger than %d bytes", path, max)
	}
	return b, nil
}
