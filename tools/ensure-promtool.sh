#!/usr/bin/env bash
# Prints the path of a promtool: the one on PATH, or the one from Debian's `prometheus` package,
# downloaded (`apt-get download`) and unpacked into DIR (default: target/tools next to this
# script) without installing it, so no Prometheus server gets started on this machine.
#   tools/ensure-promtool.sh [DIR]
# Fails with a message when neither works (no apt, no Debian mirror, no package lists and no
# root or sudo to fetch them).
set -euo pipefail

die() { printf '[ensure-promtool] ERROR: %s\n' "$*" >&2; exit 1; }

if command -v promtool >/dev/null 2>&1; then
    command -v promtool
    exit 0
fi
dir="${1:-$(cd "$(dirname "$0")" && pwd)/target/tools}"
promtool="$dir/usr/bin/promtool"
if [ -x "$promtool" ]; then
    echo "$promtool"
    exit 0
fi

command -v apt-get >/dev/null 2>&1 \
    || die "no promtool on PATH and no apt-get: install Prometheus' promtool (Debian/Ubuntu: apt-get install prometheus)"
as_root() {
    if [ "$(id -u)" -eq 0 ]; then "$@"; elif command -v sudo >/dev/null 2>&1; then sudo "$@"; else return 1; fi
}
mkdir -p "$dir"
download() { (cd "$dir" && apt-get download -q prometheus >&2 2>&1); }
if ! download; then
    printf '[ensure-promtool] apt-get download prometheus failed; updating the package lists\n' >&2
    as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q >&2 \
        || die "cannot update the package lists (needs root or sudo): run apt-get update, or install promtool"
    download || die "apt-get download prometheus failed: install Debian's prometheus package, or put promtool on PATH"
fi
deb="$(ls -t "$dir"/prometheus_*.deb | head -n 1)"
dpkg-deb -x "$deb" "$dir"
rm -f "$deb"
[ -x "$promtool" ] || die "$deb holds no usr/bin/promtool"
echo "$promtool"
