#!/usr/bin/env bash
# Makes sure a Docker engine answers and the base image debian:trixie-slim exists.
#
#   1. installs the engine from Debian's packages (docker.io) if dockerd is missing, and
#      docker-compose if that is missing;
#   2. starts dockerd in the background if no engine answers, and waits for it;
#   3. seeds debian:trixie-slim offline with debootstrap when that image is absent
#      (no container registry is reachable here, so it cannot be pulled).
#
# Idempotent: when all three are already in place it only runs `docker info` and
# `docker image inspect` and returns within a second or so.
#
# Environment (all optional):
#   DOCKERD_LOG          log file of a dockerd this script starts   (/var/log/dockerd.log)
#   DOCKERD_WAIT_SECONDS how long to wait for the engine to answer   (60)
#   BASE_IMAGE           image name to seed                          (debian:trixie-slim)
#   BASE_SUITE           Debian suite to debootstrap                 (trixie)
#   DEBIAN_MIRROR        mirror for debootstrap; default: the Debian mirror apt on this
#                        machine is configured with (/etc/apt/sources.list[.d])
set -euo pipefail

DOCKERD_LOG="${DOCKERD_LOG:-/var/log/dockerd.log}"
DOCKERD_WAIT_SECONDS="${DOCKERD_WAIT_SECONDS:-60}"
BASE_IMAGE="${BASE_IMAGE:-debian:trixie-slim}"
BASE_SUITE="${BASE_SUITE:-trixie}"

log() { printf '[ensure-docker] %s\n' "$*" >&2; }
die() { printf '[ensure-docker] ERROR: %s\n' "$*" >&2; exit 1; }

as_root() {
    if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

apt_updated=false
apt_install() {
    if [ "$apt_updated" = false ]; then
        as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q >&2
        apt_updated=true
    fi
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "$@" >&2
}

engine_answers() { docker info >/dev/null 2>&1; }

# --- 1. engine installed? ---------------------------------------------------------------
if ! command -v dockerd >/dev/null 2>&1; then
    log "dockerd not found: installing Debian's docker.io"
    # iptables is needed for bridge networking; docker.io only recommends some of its helpers.
    apt_install docker.io iptables ca-certificates
fi
command -v docker >/dev/null 2>&1 || die "no docker client on PATH after installing docker.io"
# The compose file (deploy/compose) and its test use the docker-compose command.
if ! command -v docker-compose >/dev/null 2>&1; then
    log "docker-compose not found: installing Debian's docker-compose"
    apt_install docker-compose
fi

# --- 2. engine running? -----------------------------------------------------------------
if ! engine_answers; then
    started_pid=""
    if pgrep -x dockerd >/dev/null 2>&1; then
        log "a dockerd process exists but does not answer yet; waiting for it"
    else
        # A machine restarted without a clean engine shutdown keeps containerd's pid file; once
        # that pid belongs to another process, dockerd waits for a containerd that is not there
        # and gives up ("timeout waiting for containerd to start").
        containerd_pid_file=/var/run/docker/containerd/containerd.pid
        if [ -f "$containerd_pid_file" ] && ! pgrep -x containerd >/dev/null 2>&1; then
            log "removing the stale $containerd_pid_file"
            as_root rm -f "$containerd_pid_file"
        fi
        log "starting dockerd in the background (log: $DOCKERD_LOG)"
        as_root mkdir -p "$(dirname "$DOCKERD_LOG")"
        # setsid: the daemon survives the shell that ran this script.
        as_root setsid dockerd >>"$DOCKERD_LOG" 2>&1 < /dev/null &
        started_pid=$!
    fi
    deadline=$((SECONDS + DOCKERD_WAIT_SECONDS))
    until engine_answers; do
        if [ -n "$started_pid" ] && ! kill -0 "$started_pid" 2>/dev/null; then
            log "last lines of $DOCKERD_LOG:"
            tail -n 20 "$DOCKERD_LOG" >&2 2>/dev/null || true
            die "dockerd exited during start-up"
        fi
        if [ "$SECONDS" -ge "$deadline" ]; then
            log "last lines of $DOCKERD_LOG:"
            tail -n 20 "$DOCKERD_LOG" >&2 2>/dev/null || true
            die "the Docker engine did not answer 'docker info' within ${DOCKERD_WAIT_SECONDS}s"
        fi
        sleep 1
    done
    log "Docker engine is up"
fi

# --- 3. base image present? -------------------------------------------------------------

# Prints the URI of the Debian archive apt is configured with: the first source whose suite is
# this host's codename (not -updates/-security/-backports), from one-line *.list files and
# deb822 *.sources files alike.
host_debian_mirror() {
    local codename files
    codename="$(. /etc/os-release && echo "${VERSION_CODENAME:-}")"
    files=()
    [ -f /etc/apt/sources.list ] && files+=(/etc/apt/sources.list)
    for f in /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources; do
        [ -f "$f" ] && files+=("$f")
    done
    [ "${#files[@]}" -gt 0 ] || return 1
    awk -v codename="$codename" '
        function flush() {
            if (uris != "" && types ~ /(^|[ \t])deb([ \t]|$)/ && enabled != "no") {
                n = split(suites, s, /[ \t]+/)
                for (i = 1; i <= n; i++) if (s[i] == codename) { split(uris, u, /[ \t]+/); print u[1]; found = 1; exit }
            }
            uris = ""; suites = ""; types = ""; enabled = ""
        }
        FILENAME ~ /\.sources$/ {
            if ($0 ~ /^[ \t]*$/) { flush(); next }
            if ($0 ~ /^#/) next
            key = tolower($1); val = $0; sub(/^[^:]*:[ \t]*/, "", val)
            if (key == "uris:") uris = val
            else if (key == "suites:") suites = val
            else if (key == "types:") types = val
            else if (key == "enabled:") enabled = tolower(val)
            next
        }
        FNR == 1 { flush() }
        /^[ \t]*deb[ \t]/ {
            line = $0; sub(/^[ \t]*deb[ \t]+/, "", line)
            if (line ~ /^\[/) sub(/^\[[^]]*\][ \t]*/, "", line)
            split(line, f, /[ \t]+/)
            if (f[2] == codename) { print f[1]; found = 1; exit }
        }
        END { if (!found) flush() }
    ' "${files[@]}"
}

if docker image inspect "$BASE_IMAGE" >/dev/null 2>&1; then
    exit 0
fi

mirror="${DEBIAN_MIRROR:-}"
if [ -z "$mirror" ]; then
    mirror="$(host_debian_mirror || true)"
    [ -n "$mirror" ] || die "cannot find the Debian mirror in /etc/apt/sources.list[.d]; set DEBIAN_MIRROR"
fi
command -v debootstrap >/dev/null 2>&1 || apt_install debootstrap

rootfs="$(mktemp -d /tmp/rootfs-"$BASE_SUITE".XXXXXX)"
cleanup() { as_root rm -rf "$rootfs"; }
trap cleanup EXIT

log "seeding $BASE_IMAGE: debootstrap --variant=minbase $BASE_SUITE from $mirror"
if ! as_root debootstrap --variant=minbase "$BASE_SUITE" "$rootfs" "$mirror" >"$rootfs.log" 2>&1; then
    tail -n 30 "$rootfs.log" >&2
    die "debootstrap failed (full log: $rootfs.log)"
fi
rm -f "$rootfs.log"
# Like the official slim image: no apt caches, and dpkg leaves out manuals, docs (but the
# copyright files) and translations, now and in every image built on top.
as_root rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/*
as_root tee "$rootfs/etc/dpkg/dpkg.cfg.d/docker-slim" >/dev/null <<'EOF'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/info/*
path-exclude /usr/share/locale/*
path-include /usr/share/locale/locale.alias
path-exclude /usr/share/lintian/*
EOF
as_root tee "$rootfs/etc/apt/apt.conf.d/docker-clean" >/dev/null <<'EOF'
DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
APT::Update::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
Dir::Cache::pkgcache "";
Dir::Cache::srcpkgcache "";
EOF
# Like the official image too: package scripts never start services during `docker build`.
printf '#!/bin/sh\nexit 101\n' | as_root tee "$rootfs/usr/sbin/policy-rc.d" >/dev/null
as_root chmod 0755 "$rootfs/usr/sbin/policy-rc.d"
as_root find "$rootfs/usr/share/doc" -mindepth 1 -not -name copyright -not -type d -delete
as_root find "$rootfs/usr/share/doc" -mindepth 1 -type d -empty -delete
as_root rm -rf "$rootfs"/usr/share/man/* "$rootfs"/usr/share/info/* "$rootfs"/usr/share/lintian/*
as_root find "$rootfs/usr/share/locale" -mindepth 1 -maxdepth 1 -not -name locale.alias -exec rm -rf {} +
as_root tar -C "$rootfs" --numeric-owner -c . \
    | docker import --change 'CMD ["bash"]' - "$BASE_IMAGE" >/dev/null
log "imported $BASE_IMAGE ($(docker image inspect -f '{{.Size}}' "$BASE_IMAGE") bytes)"
