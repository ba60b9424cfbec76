#!/usr/bin/env bash
# Installs the given Debian packages that are not installed yet (apt-get, as root or
# through sudo). Does nothing, quickly, when all of them are present.
#
#   build/install-packages.sh curl python3-grpcio
set -euo pipefail

missing=()
for p in "$@"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

die() {
	printf 'install-packages: error: %s\n' "$*" >&2
	exit 1
}
command -v apt-get >/dev/null || die "missing Debian packages ${missing[*]} and no apt-get: install them by hand"
sudo=""
if [ "$(id -u)" -ne 0 ]; then
	command -v sudo >/dev/null || die "missing Debian packages ${missing[*]}: run as root, or install sudo"
	sudo="sudo"
fi
echo "install-packages: installing ${missing[*]}" >&2
$sudo apt-get update -qq >&2 || die "apt-get update failed"
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2 ||
	die "apt-get install ${missing[*]} failed"
