#!/usr/bin/env bash
# Entrypoint of eo-zookeeper. `zookeeper` (the default command) writes $ZOO_CONF_DIR/zoo.cfg
# from the environment unless one is there already (mounted, or from an earlier start), writes
# $ZOO_DATA_DIR/myid on the first start, and runs the server in the foreground (under tini, see
# the Dockerfile). Any other command is run as given.
#
# The variables are those of the official `zookeeper` image, with its defaults, except that the
# AdminServer (an embedded Jetty on 8080) is off unless ZOO_ADMINSERVER_ENABLED=true:
#   ZOO_MY_ID [1]  ZOO_SERVERS [none: standalone on 2181]  ZOO_TICK_TIME [2000]
#   ZOO_INIT_LIMIT [5]  ZOO_SYNC_LIMIT [2]  ZOO_MAX_CLIENT_CNXNS [60]
#   ZOO_STANDALONE_ENABLED [true]  ZOO_ADMINSERVER_ENABLED [false]
#   ZOO_AUTOPURGE_PURGEINTERVAL [0]  ZOO_AUTOPURGE_SNAPRETAINCOUNT [3]
#   ZOO_4LW_COMMANDS_WHITELIST [srvr,ruok]  ZOO_CFG_EXTRA (more zoo.cfg lines, space-separated)
#   ZOO_LOG4J_PROP [INFO,CONSOLE]  JVMFLAGS (extra JVM options)
set -euo pipefail

if [ "${1:-zookeeper}" != "zookeeper" ]; then
    exec "$@"
fi

die() { printf 'zookeeper-entrypoint: ERROR: %s\n' "$*" >&2; exit 1; }

conf_dir="${ZOO_CONF_DIR:-/conf}"
data_dir="${ZOO_DATA_DIR:-/data}"
data_log_dir="${ZOO_DATA_LOG_DIR:-/datalog}"
cfg="$conf_dir/zoo.cfg"

if [ ! -f "$cfg" ]; then
    [ -w "$conf_dir" ] || die "$conf_dir is not writable and has no zoo.cfg"
    {
        echo "dataDir=$data_dir"
        echo "dataLogDir=$data_log_dir"
        echo "tickTime=${ZOO_TICK_TIME:-2000}"
        echo "initLimit=${ZOO_INIT_LIMIT:-5}"
        echo "syncLimit=${ZOO_SYNC_LIMIT:-2}"
        echo "autopurge.snapRetainCount=${ZOO_AUTOPURGE_SNAPRETAINCOUNT:-3}"
        echo "autopurge.purgeInterval=${ZOO_AUTOPURGE_PURGEINTERVAL:-0}"
        echo "maxClientCnxns=${ZOO_MAX_CLIENT_CNXNS:-60}"
        echo "standaloneEnabled=${ZOO_STANDALONE_ENABLED:-true}"
        echo "admin.enableServer=${ZOO_ADMINSERVER_ENABLED:-false}"
        echo "4lw.commands.whitelist=${ZOO_4LW_COMMANDS_WHITELIST:-srvr,ruok}"
        # server.N=host:peer-port:election-port;client-port, space-separated, as in the official
        # image. Without ZOO_SERVERS one standalone server, which needs no server entry.
        if [ -n "${ZOO_SERVERS:-}" ]; then
            for server in $ZOO_SERVERS; do
                echo "$server"
            done
        else
            echo "clientPort=2181"
        fi
        for line in ${ZOO_CFG_EXTRA:-}; do
            echo "$line"
        done
    } > "$cfg"
fi

my_id="${ZOO_MY_ID:-1}"
[[ "$my_id" =~ ^[0-9]+$ ]] || die "ZOO_MY_ID must be a number, got '$my_id'"
[ -f "$data_dir/myid" ] || echo "$my_id" > "$data_dir/myid"

# Debian's zookeeper.jar names its other jars in its manifest; the Log4j 1.2 binding is added.
classpath="$conf_dir:/usr/share/java/zookeeper.jar:/usr/share/java/slf4j-log4j12.jar:/usr/share/java/log4j-1.2.jar"
# shellcheck disable=SC2086 # JVMFLAGS is a list of options
exec java ${JVMFLAGS:-} \
    -cp "$classpath" \
    -Dlog4j.configuration=file:/etc/zookeeper-eo/log4j.properties \
    -Dzookeeper.root.logger="${ZOO_LOG4J_PROP:-INFO,CONSOLE}" \
    org.apache.zookeeper.server.quorum.QuorumPeerMain "$cfg"
