#!/usr/bin/env bash
# Installs the pinned TinyGo toolchain from the Go module proxy and Debian's packages
# (no release tarball is needed) and prints the path of a `tinygo` command that is
# ready to use. Idempotent: a finished install is reused in well under a second.
#
#   build/bootstrap-tinygo.sh            # install if needed, print the tinygo path
#
# Environment:
#   WASMAUTH_CACHE   where the toolchain lives (default: ${XDG_CACHE_HOME:-~/.cache}/wasmauth)
#   TINYGO           use this tinygo instead (must report the pinned version)
#
# Progress goes to stderr; stdout carries only the path, so `TINYGO=$(build/bootstrap-tinygo.sh)` works.
set -euo pipefail

TINYGO_VERSION=0.39.0
LLVM_MAJOR=19
STDLIB_GO=go1.25.14 # TinyGo 0.39 accepts Go 1.19..1.25 as its standard library
APT_PACKAGES=(
	"llvm-${LLVM_MAJOR}-dev" "libclang-${LLVM_MAJOR}-dev" "clang-${LLVM_MAJOR}" "lld-${LLVM_MAJOR}" g++
	binaryen                           # wasm-opt: TinyGo runs it on every wasm build
	wasi-libc                          # libc.a and headers for the wasip1 target
	"libclang-rt-${LLVM_MAJOR}-dev-wasm32" # compiler-rt builtins for wasm32
	wabt                               # wasm-objdump: the module-interface checks use it
)

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cache_root=${WASMAUTH_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/wasmauth}
prefix="$cache_root/tinygo-$TINYGO_VERSION"
wrapper="$prefix/bin/tinygo"

log() { printf 'bootstrap-tinygo: %s\n' "$*" >&2; }
die() {
	printf 'bootstrap-tinygo: error: %s\n' "$*" >&2
	exit 1
}

pinned() { "$1" version 2>/dev/null | grep -q "^tinygo version $TINYGO_VERSION "; }

# 1. An explicitly given or already installed tinygo of exactly the pinned version wins.
if [ -n "${TINYGO:-}" ]; then
	pinned "$TINYGO" || die "TINYGO=$TINYGO is not tinygo $TINYGO_VERSION ($("$TINYGO" version 2>&1 | head -1))"
	echo "$TINYGO"
	exit 0
fi
if [ -x "$wrapper" ] && [ -f "$prefix/.complete" ] && pinned "$wrapper"; then
	echo "$wrapper"
	exit 0
fi
if onpath=$(command -v tinygo 2>/dev/null) && pinned "$onpath"; then
	log "using $onpath (tinygo $TINYGO_VERSION already on PATH)"
	echo "$onpath"
	exit 0
fi

command -v go >/dev/null || die "go is not on PATH; install Go first (https://go.dev/doc/install)"

# 2. Debian packages, only those that are missing.
missing=()
for p in "${APT_PACKAGES[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	command -v apt-get >/dev/null || die "missing packages ${missing[*]} and no apt-get: install them by hand"
	sudo=""
	[ "$(id -u)" -eq 0 ] || sudo="sudo"
	log "installing Debian packages: ${missing[*]}"
	$sudo apt-get update -qq >&2 || die "apt-get update failed"
	DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2 ||
		die "apt-get install ${missing[*]} failed"
fi
for tool in "clang-$LLVM_MAJOR" "wasm-ld-$LLVM_MAJOR" wasm-opt; do
	command -v "$tool" >/dev/null || die "$tool not found on PATH after installing packages"
done

# 3. The Go toolchain TinyGo uses for its standard library (from the module proxy).
log "fetching $STDLIB_GO for TinyGo's standard library"
stdlib_goroot=$(GOTOOLCHAIN=$STDLIB_GO GOFLAGS= go env GOROOT) || die "could not fetch $STDLIB_GO through the Go module proxy"
[ -x "$stdlib_goroot/bin/go" ] || die "no go binary under $stdlib_goroot"

# 4. TinyGo's source from the module proxy, copied somewhere writable.
log "fetching github.com/tinygo-org/tinygo@v$TINYGO_VERSION"
srcdir=$(cd /tmp && GOFLAGS=-mod=mod go mod download -json "github.com/tinygo-org/tinygo@v$TINYGO_VERSION" |
	sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p') || true
[ -n "$srcdir" ] && [ -d "$srcdir" ] || die "could not download tinygo v$TINYGO_VERSION from the Go module proxy"

rm -rf "$prefix.tmp"
mkdir -p "$prefix.tmp"
root="$prefix.tmp/root"
cp -r "$srcdir" "$root"
chmod -R u+w "$root"

# 4a. src/net is a git submodule the zip lacks: a socket-less shim from Go's own ip.go and mac.go.
mkdir -p "$root/src/net"
cp "$stdlib_goroot/src/net/ip.go" "$stdlib_goroot/src/net/mac.go" "$root/src/net/"
cp "$here/netshim.go.in" "$root/src/net/shim.go"
chmod u+w "$root/src/net/"*

# 5. Build the compiler against Debian's LLVM.
log "building tinygo (30-90 s)"
(cd "$root" && CGO_ENABLED=1 GOFLAGS=-mod=mod go build -tags="llvm$LLVM_MAJOR" -o "$root/build/tinygo" .) >&2 ||
	die "building tinygo failed (are llvm-$LLVM_MAJOR-dev and libclang-$LLVM_MAJOR-dev installed?)"

# 6. Seed TinyGo's cache with Debian's wasi-libc and compiler-rt (their sources are submodules too).
tcache="$prefix.tmp/cache/tinygo"
mkdir -p "$tcache/wasi-libc-wasm32-unknown-wasi-generic" "$tcache/compiler-rt-wasm32-unknown-wasi-generic"
cp /usr/lib/wasm32-wasi/libc.a "$tcache/wasi-libc-wasm32-unknown-wasi-generic/lib.a" || die "no /usr/lib/wasm32-wasi/libc.a (package wasi-libc)"
cp -r /usr/include/wasm32-wasi "$tcache/wasi-libc-wasm32-unknown-wasi-generic/include" || die "no /usr/include/wasm32-wasi (package wasi-libc)"
cp "/usr/lib/llvm-$LLVM_MAJOR/lib/clang/$LLVM_MAJOR/lib/wasi/libclang_rt.builtins-wasm32.a" \
	"$tcache/compiler-rt-wasm32-unknown-wasi-generic/lib.a" || die "no compiler-rt for wasm32 (package libclang-rt-$LLVM_MAJOR-dev-wasm32)"

# 7. A wrapper that puts the right Go first in PATH (TinyGo asks `go` for its version)
#    and keeps TinyGo's cache, with its seeds, inside this install.
mkdir -p "$prefix.tmp/bin"
cat >"$prefix.tmp/bin/tinygo" <<EOF
#!/bin/sh
# Generated by wasmauth's build/bootstrap-tinygo.sh: tinygo $TINYGO_VERSION with $STDLIB_GO.
export PATH="$stdlib_goroot/bin:\$PATH"
export GOROOT="$stdlib_goroot"
export GOTOOLCHAIN=local
export TINYGOROOT="$prefix/root"
export XDG_CACHE_HOME="$prefix/cache"
exec "$prefix/root/build/tinygo" "\$@"
EOF
chmod +x "$prefix.tmp/bin/tinygo"

rm -rf "$prefix"
mv "$prefix.tmp" "$prefix"
pinned "$wrapper" || die "the built tinygo does not run: $("$wrapper" version 2>&1 | head -3)"
touch "$prefix/.complete"
log "installed $("$wrapper" version) at $prefix"
echo "$wrapper"
