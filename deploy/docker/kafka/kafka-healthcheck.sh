#!/usr/bin/env bash
# Healthy when the broker accepts connections on one of its client listeners, the ones in
# server.properties' `listeners` other than the controller's. (A controller-only node: on its
# controller listener.) Whatever names and ports the environment chose for them.
set -uo pipefail
props="${KAFKA_HOME:-/opt/kafka}/config/server.properties"
value() { sed -n "s/^$1=//p" "$props" | tail -n 1; }
listeners="$(value listeners)"
controllers=",$(value controller.listener.names),"
roles=",$(value process.roles),"
IFS=',' read -r -a entries <<< "$listeners"
for entry in "${entries[@]}"; do
    entry="${entry// /}"
    name="${entry%%://*}"
    case "$roles" in
        *,broker,*) case "$controllers" in *",$name,"*) continue ;; esac ;;
    esac
    host_port="${entry#*://}"
    host="${host_port%:*}"
    port="${host_port##*:}"
    case "$host" in ''|0.0.0.0|'[::]') host=127.0.0.1 ;; esac
    if (exec 3<>"/dev/tcp/$host/$port") 2>/dev/null; then
        exit 0
    fi
done
exit 1
