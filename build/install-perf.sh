#!/usr/bin/env bash
# Installs Linux perf for `make profile` unless a perf on PATH already runs. Debian
# packages it as linux-perf; Ubuntu as linux-tools-<kernel release>, run through the
# /usr/bin/perf wrapper of linux-tools-common, which needs the running kernel's package.
set -euo pipefail

perf version >/dev/null 2>&1 && exit 0
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
distro=" $(. /etc/os-release 2>/dev/null && echo "${ID:-} ${ID_LIKE:-}") "
case $distro in
*" ubuntu "*)
	"$here/install-packages.sh" linux-tools-common "linux-tools-$(uname -r)" || {
		echo "install-perf: error: no linux-tools package for the running kernel $(uname -r):" \
			"install linux-tools-generic and put /usr/lib/linux-tools/<its version> first in PATH" >&2
		exit 1
	}
	;;
*) "$here/install-packages.sh" linux-perf ;;
esac
perf version >/dev/null 2>&1 || {
	echo "install-perf: error: perf does not run: $(perf version 2>&1 | head -3)" >&2
	exit 1
}
