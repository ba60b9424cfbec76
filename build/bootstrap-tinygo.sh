#!/usr/bin/env bash
# Installs the pinned TinyGo toolchain from the Go module proxy and Debian's packages
# (no release tarball is needed) and prints the path of a `tinygo` command that is
# ready to use. Idempotent: a finished install is reused in well under a second.
#
# An install lives in a directory named after a hash of everything it is made from (this
# script, the files it copies in, the versions of the Debian packages it builds against),
# so changing any of them installs afresh beside the old one instead of reusing it. The
# `tinygo` it prints runs every build in a new, empty TinyGo cache (see step 7).
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
cache_root=${WASMAUTH_CACHE:-${XDG_CACHE_HOME:-${HOME:?is not set: set WASMAUTH_CACHE to a directory for the toolchain}/.cache}/wasmauth}
# Every file of this repository the install reads: a new patch must be listed here.
INPUTS=("$here/bootstrap-tinygo.sh" "$here/netshim.go.in")

# set_prefix names the install after a hash of its inputs and of the installed versions
# of the Debian packages (a package not installed yet is left out of the hash).
set_prefix() {
	local key
	key=$({
		cat "${INPUTS[@]}"
		dpkg-query -W -f='${Package}=${Version}\n' "${APT_PACKAGES[@]}" 2>/dev/null || true
	} | sha256sum | cut -c1-16)
	prefix="$cache_root/tinygo-$TINYGO_VERSION-$key"
	wrapper="$prefix/bin/tinygo"
}

log() { printf 'bootstrap-tinygo: %s\n' "$*" >&2; }
die() {
	printf 'bootstrap-tinygo: error: %s\n' "$*" >&2
	exit 1
}

pinned() { "$1" version 2>/dev/null | grep -q "^tinygo version $TINYGO_VERSION "; }

# installed: the install at $prefix is complete and the Go it uses is still there (that
# lives in the module cache, which may have been cleaned: then it is fetched again).
installed() {
	[ -x "$wrapper" ] && [ -f "$prefix/.complete" ] || return 1
	local goroot
	goroot=$(cat "$prefix/goroot")
	if [ ! -x "$goroot/bin/go" ]; then
		log "fetching $STDLIB_GO again (no longer in the module cache)"
		[ "$(GOTOOLCHAIN=$STDLIB_GO GOFLAGS= go env GOROOT 2>/dev/null)" = "$goroot" ] || return 1
	fi
	pinned "$wrapper"
}

# use_install_if_done names the install after its current inputs (set_prefix) and, when
# that install is done, prints its tinygo and ends the script, marking the install as
# used (prune_old_installs keeps what was used in the last 30 days).
use_install_if_done() {
	set_prefix
	installed || return 0
	touch "$prefix/.last-used" 2>/dev/null || true
	echo "$wrapper"
	exit 0
}

# prune_old_installs removes the installs of other keys (each near 1 GB) that no build
# has used for 30 days: they are left behind whenever an input of the key changes.
prune_old_installs() {
	local dir
	for dir in "$cache_root"/tinygo-*; do
		[ -d "$dir" ] && [ "$dir" != "$prefix" ] || continue
		case $dir in *.tmp) continue ;; esac
		if [ -z "$(find "$dir" -maxdepth 1 -name .last-used -mtime -30 2>/dev/null)" ]; then
			log "removing $dir (unused for 30 days)"
			rm -rf "$dir"
		fi
	done
}

# 1. An explicitly given or already installed tinygo of exactly the pinned version wins.
if [ -n "${TINYGO:-}" ]; then
	pinned "$TINYGO" || die "TINYGO=$TINYGO is not tinygo $TINYGO_VERSION ($("$TINYGO" version 2>&1 | head -1))"
	echo "$TINYGO"
	exit 0
fi
use_install_if_done
if onpath=$(command -v tinygo 2>/dev/null) && pinned "$onpath"; then
	log "using $onpath (tinygo $TINYGO_VERSION already on PATH)"
	echo "$onpath"
	exit 0
fi

command -v go >/dev/null || die "go is not on PATH; install Go first (https://go.dev/doc/install)"

# One install at a time: parallel builds (make -j) each run this script, and would
# otherwise remove and move each other's half-built trees. The lock is held until
# this script exits; whoever waited finds the install done.
mkdir -p "$cache_root" || die "cannot create $cache_root (set WASMAUTH_CACHE to a writable directory)"
if command -v flock >/dev/null; then
	exec 9>"$cache_root/.install.lock"
	flock 9
	use_install_if_done
fi

# 2. Debian packages, only those that are missing. Their versions are part of the key.
"$here/install-packages.sh" "${APT_PACKAGES[@]}"
for tool in "clang-$LLVM_MAJOR" "wasm-ld-$LLVM_MAJOR" wasm-opt; do
	command -v "$tool" >/dev/null || die "$tool not found on PATH after installing packages"
done
use_install_if_done

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

# 5. Build the compiler against Debian's LLVM, with the pinned Go rather than the Go that
#    runs this script: TinyGo type-checks with the go/types it is built with.
log "building tinygo (30-90 s)"
(cd "$root" && CGO_ENABLED=1 GOROOT="$stdlib_goroot" GOTOOLCHAIN=local GOFLAGS=-mod=mod \
	"$stdlib_goroot/bin/go" build -tags="llvm$LLVM_MAJOR" -o "$root/build/tinygo" .) >&2 ||
	die "building tinygo failed (are llvm-$LLVM_MAJOR-dev and libclang-$LLVM_MAJOR-dev installed?)"

# 6. The seeds of TinyGo's cache: Debian's wasi-libc and compiler-rt (their sources are
#    submodules too), linked, not copied, so that they are always the installed ones.
seeds="$prefix.tmp/seeds"
rt="/usr/lib/llvm-$LLVM_MAJOR/lib/clang/$LLVM_MAJOR/lib/wasi/libclang_rt.builtins-wasm32.a"
[ -f /usr/lib/wasm32-wasi/libc.a ] && [ -d /usr/include/wasm32-wasi ] ||
	die "no /usr/lib/wasm32-wasi/libc.a or /usr/include/wasm32-wasi (package wasi-libc)"
[ -f "$rt" ] || die "no $rt (package libclang-rt-$LLVM_MAJOR-dev-wasm32)"
mkdir -p "$seeds/wasi-libc-wasm32-unknown-wasi-generic" "$seeds/compiler-rt-wasm32-unknown-wasi-generic"
ln -s /usr/lib/wasm32-wasi/libc.a "$seeds/wasi-libc-wasm32-unknown-wasi-generic/lib.a"
ln -s /usr/include/wasm32-wasi "$seeds/wasi-libc-wasm32-unknown-wasi-generic/include"
ln -s "$rt" "$seeds/compiler-rt-wasm32-unknown-wasi-generic/lib.a"
echo "$stdlib_goroot" >"$prefix.tmp/goroot"

# 7. A wrapper that puts the right Go first in PATH (TinyGo asks `go` for its version) and
#    runs TinyGo in a new cache ($XDG_CACHE_HOME/tinygo; TinyGo ignores GOCACHE) holding
#    only the seeds, removed afterwards. TinyGo's package cache cannot be shared between
#    builds: a generic instance compiled into a package is named after the package that
#    instantiated it first in that build (slices.Sort[[]rune rune] or
#    slices.Sort[[]int32 int32]), which its cache key does not cover. A package compiled
#    in an earlier build keeps its spelling, the linker keeps both copies, and the bytes
#    of the module depend on what was built before.
mkdir -p "$prefix.tmp/bin"
cat >"$prefix.tmp/bin/tinygo" <<EOF
#!/bin/sh
# Generated by wasmauth's build/bootstrap-tinygo.sh: tinygo $TINYGO_VERSION with $STDLIB_GO,
# in a new TinyGo cache for every run.
export PATH="$stdlib_goroot/bin:\$PATH"
export GOROOT="$stdlib_goroot"
export GOTOOLCHAIN=local
export TINYGOROOT="$prefix/root"
cache=\$(mktemp -d "\${TMPDIR:-/tmp}/wasmauth-tinygo.XXXXXX") || exit 1
trap 'rm -rf "\$cache"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
mkdir "\$cache/tinygo" && ln -s "$prefix/seeds/"* "\$cache/tinygo/" || exit 1
XDG_CACHE_HOME="\$cache" "$prefix/root/build/tinygo" "\$@"
EOF
chmod +x "$prefix.tmp/bin/tinygo"

rm -rf "$prefix"
mv "$prefix.tmp" "$prefix"
pinned "$wrapper" || die "the built tinygo does not run: $("$wrapper" version 2>&1 | head -3)"
touch "$prefix/.complete" "$prefix/.last-used"
log "installed $("$wrapper" version) at $prefix"
prune_old_installs
echo "$wrapper"
