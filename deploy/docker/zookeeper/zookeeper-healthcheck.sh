#!/usr/bin/env bash
# Healthy when the server answers `srvr` on its client port with its mode (standalone, leader
# or follower): it serves requests. The client port is clientPort= in zoo.cfg, else the one in
# this server's entry (server.N=host:2888:3888;[address:]2181), else 2181.
set -uo pipefail
cfg="${ZOO_CONF_DIR:-/conf}/zoo.cfg"
my_id="$(cat "${ZOO_DATA_DIR:-/data}/myid" 2>/dev/null || echo 1)"
port="$(sed -n 's/^clientPort=//p' "$cfg" | tail -n 1)"
if [ -z "$port" ]; then
    entry="$(sed -n "s/^server\.$my_id=//p" "$cfg" | tail -n 1)"
    [[ "$entry" == *";"* ]] && port="${entry##*[;:]}"
fi
printf 'srvr' | nc -w 2 127.0.0.1 "${port:-2181}" | grep -qE '^Mode: (standalone|leader|follower)$'
