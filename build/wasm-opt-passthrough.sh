#!/usr/bin/env bash
# A stand-in for binaryen's wasm-opt that copies its input unchanged, for `make profile`:
# TinyGo runs `wasm-opt -Oz` on every wasm build, and binaryen inlines nearly every
# function into the proxy-wasm callbacks (it ignores //go:noinline), so a profile could
# only name the callbacks. Without it each function keeps its own name (LLVM's own
# inlining still applies). TinyGo finds this script through the WASMOPT variable.
#
#   WASMOPT=build/wasm-opt-passthrough.sh tinygo build ...
set -euo pipefail

if [ "${1:-}" = "--version" ]; then
	exec wasm-opt --version # TinyGo checks the version it is given
fi
in="" out=""
while [ $# -gt 0 ]; do
	case "$1" in
	-o | --output) out=$2; shift 2 ;;
	-*) shift ;;
	*) in=$1; shift ;;
	esac
done
[ -n "$in" ] && [ -n "$out" ] || { echo "wasm-opt-passthrough: need an input and -o/--output" >&2; exit 2; }
cp "$in" "$out"
