#!/usr/bin/env bash
# Entrypoint of eo-mariadb. `mariadbd` (the default command; also `mysqld`, or options only,
# e.g. `--innodb-buffer-pool-size=1G`): on the first start (empty data directory) creates the
# system tables, the root account, the database MARIADB_DATABASE and the user
# MARIADB_USER/MARIADB_PASSWORD, runs /docker-entrypoint-initdb.d/*, then runs the server in the
# foreground. Later starts (e.g. `docker start` after `docker kill`) reuse the data directory as
# it is, prepared XA transactions included. Any other command is run as given.
#
# The variables are those of the official mariadb image: MARIADB_ROOT_PASSWORD,
# MARIADB_ROOT_PASSWORD_HASH, MARIADB_ALLOW_EMPTY_ROOT_PASSWORD, MARIADB_RANDOM_ROOT_PASSWORD,
# MARIADB_ROOT_HOST, MARIADB_DATABASE, MARIADB_USER, MARIADB_PASSWORD, MARIADB_PASSWORD_HASH;
# each also as MYSQL_* (MARIADB_* wins), the secrets and names also as *_FILE (read from a file).
set -euo pipefail
shopt -s nullglob

datadir=/var/lib/mysql
# The server's usual socket (99-eo.cnf); the temporary server of the first start listens only on it.
init_socket=/run/mysqld/mysqld.sock
init_wait_seconds="${MARIADB_INIT_WAIT_SECONDS:-60}"

log() { printf '[mariadb-entrypoint] %s\n' "$*" >&2; }
die() { printf '[mariadb-entrypoint] ERROR: %s\n' "$*" >&2; exit 1; }

# Options only: they are for the server.
if [ "${1:0:1}" = "-" ]; then
    set -- mariadbd "$@"
fi
case "${1:-mariadbd}" in
    mariadbd|mysqld) shift || true ;;
    *) exec "$@" ;;
esac

# NAME from MARIADB_NAME, MYSQL_NAME, MARIADB_NAME_FILE or MYSQL_NAME_FILE (in this order of
# precedence; a variable and its _FILE twin together are an error). Exported under both names,
# for the init scripts.
read_setting() {
    local maria="MARIADB_$1" mysql="MYSQL_$1" var file_var value=""
    for var in "$maria" "$mysql"; do
        file_var="${var}_FILE"
        if [ -n "${!var:-}" ] && [ -n "${!file_var:-}" ]; then
            die "both $var and ${var}_FILE are set; set one of them"
        fi
    done
    if [ -n "${!maria:-}" ]; then
        value="${!maria}"
    elif [ -n "${!mysql:-}" ]; then
        value="${!mysql}"
    else
        for var in "${maria}_FILE" "${mysql}_FILE"; do
            if [ -n "${!var:-}" ]; then
                [ -r "${!var}" ] || die "$var names ${!var}, which cannot be read"
                value="$(< "${!var}")"
                break
            fi
        done
    fi
    unset "${maria}_FILE" "${mysql}_FILE"
    export "$maria=$value" "$mysql=$value"
}

# A flag: MARIADB_NAME, else the MySQL image's name for it.
read_flag() {
    local maria="$1" mysql="$2"
    export "$maria=${!maria:-${!mysql:-}}" "$mysql=${!maria:-${!mysql:-}}"
}

# SQL string literal / identifier quoting.
sql_string() { local s="${1//\\/\\\\}"; printf "'%s'" "${s//\'/\'\'}"; }
sql_ident() { printf '`%s`' "${1//\`/\`\`}"; }

# The SQL client as root on the temporary server, in MARIADB_DATABASE if there is one: what the
# init scripts use (the official image offers the same function to the scripts it sources).
docker_process_sql() {
    MYSQL_PWD="${MARIADB_ROOT_PASSWORD:-}" mariadb --protocol=socket --socket="$init_socket" \
        -uroot ${MARIADB_DATABASE:+--database="$MARIADB_DATABASE"} "$@"
}

run_init_file() {
    local f="$1"
    case "$f" in
        *.sh)
            if [ -x "$f" ]; then
                log "running $f"
                "$f"
            else
                log "sourcing $f"
                # A subshell, without this script's -u, so a script sourced here behaves as
                # it would in the official image and cannot change the server's environment.
                ( set +u; . "$f" )
            fi
            ;;
        *.sql)     log "running $f"; docker_process_sql < "$f" ;;
        *.sql.gz)  log "running $f"; gzip -dc "$f" | docker_process_sql ;;
        *.sql.xz)  command -v xz >/dev/null || die "$f: this image has no xz; decompress it first"
                   log "running $f"; xz -dc "$f" | docker_process_sql ;;
        *.sql.zst) command -v zstd >/dev/null || die "$f: this image has no zstd; decompress it first"
                   log "running $f"; zstd -dc "$f" | docker_process_sql ;;
        *)         log "ignoring $f" ;;
    esac
}

mkdir -p /run/mysqld
chown mysql:mysql /run/mysqld "$datadir"

if [ ! -d "$datadir/mysql" ]; then
    for setting in ROOT_PASSWORD ROOT_PASSWORD_HASH ROOT_HOST DATABASE USER PASSWORD PASSWORD_HASH; do
        read_setting "$setting"
    done
    read_flag MARIADB_ALLOW_EMPTY_ROOT_PASSWORD MYSQL_ALLOW_EMPTY_PASSWORD
    read_flag MARIADB_RANDOM_ROOT_PASSWORD MYSQL_RANDOM_ROOT_PASSWORD
    read_flag MARIADB_INITDB_SKIP_TZINFO MYSQL_INITDB_SKIP_TZINFO
    db="$MARIADB_DATABASE"
    user="$MARIADB_USER"
    root_host="${MARIADB_ROOT_HOST:-%}"
    if [ -n "$user" ] && [ -z "$MARIADB_PASSWORD" ] && [ -z "$MARIADB_PASSWORD_HASH" ]; then
        die "MARIADB_USER is set but MARIADB_PASSWORD (or MARIADB_PASSWORD_HASH) is empty"
    fi
    if [ "$user" = root ]; then
        die "MARIADB_USER=root: root is set up by MARIADB_ROOT_PASSWORD; choose another user name"
    fi
    if [ -n "$MARIADB_RANDOM_ROOT_PASSWORD" ] && [ -z "$MARIADB_ROOT_PASSWORD$MARIADB_ROOT_PASSWORD_HASH" ]; then
        MARIADB_ROOT_PASSWORD="$(tr -dc 'A-Za-z0-9' < /dev/urandom | head -c 32 || true)"
        export MARIADB_ROOT_PASSWORD MYSQL_ROOT_PASSWORD="$MARIADB_ROOT_PASSWORD"
        log "GENERATED ROOT PASSWORD: $MARIADB_ROOT_PASSWORD"
    fi
    # root's credentials: for root@localhost (which also keeps the unix socket) and
    # root@MARIADB_ROOT_HOST, if there are any.
    root_using=""
    root_identified=""
    if [ -n "$MARIADB_ROOT_PASSWORD_HASH" ]; then
        root_using="$(sql_string "$MARIADB_ROOT_PASSWORD_HASH")"
        root_identified="PASSWORD $root_using"
    elif [ -n "$MARIADB_ROOT_PASSWORD" ]; then
        root_using="PASSWORD($(sql_string "$MARIADB_ROOT_PASSWORD"))"
        root_identified="$(sql_string "$MARIADB_ROOT_PASSWORD")"
    elif [ -n "$MARIADB_ALLOW_EMPTY_ROOT_PASSWORD" ]; then
        root_using="''"
        root_identified="''"
    else
        # The official image refuses to start here; this one keeps root to the unix socket.
        log "no MARIADB_ROOT_PASSWORD, MARIADB_ALLOW_EMPTY_ROOT_PASSWORD or MARIADB_RANDOM_ROOT_PASSWORD:" \
            "root logs in only through the socket inside the container"
    fi

    log "empty data directory: initializing"
    mariadb-install-db --user=mysql --datadir="$datadir" --skip-test-db \
        --auth-root-authentication-method=socket >/dev/null

    # A temporary server on the socket only, to run the init SQL: clients on TCP, and so the
    # healthcheck, see no server until initialization is over.
    mariadbd --user=mysql --datadir="$datadir" --skip-networking --socket="$init_socket" &
    init_pid=$!
    deadline=$((SECONDS + init_wait_seconds))
    until mariadb-admin --socket="$init_socket" ping --silent >/dev/null 2>&1; do
        kill -0 "$init_pid" 2>/dev/null || die "the temporary server exited during initialization"
        [ "$SECONDS" -lt "$deadline" ] || die "the temporary server did not answer within ${init_wait_seconds}s"
        sleep 0.5
    done

    {
        echo "SET @@SESSION.SQL_LOG_BIN = 0;"
        if [ -n "$root_using" ]; then
            echo "ALTER USER 'root'@'localhost' IDENTIFIED VIA unix_socket OR mysql_native_password USING $root_using;"
            if [ "$root_host" != localhost ]; then
                echo "CREATE USER 'root'@$(sql_string "$root_host") IDENTIFIED BY $root_identified;"
                echo "GRANT ALL PRIVILEGES ON *.* TO 'root'@$(sql_string "$root_host") WITH GRANT OPTION;"
            fi
        fi
        if [ -n "$db" ]; then
            echo "CREATE DATABASE IF NOT EXISTS $(sql_ident "$db");"
        fi
        if [ -n "$user" ]; then
            if [ -n "$MARIADB_PASSWORD_HASH" ]; then
                echo "CREATE USER $(sql_string "$user")@'%' IDENTIFIED BY PASSWORD $(sql_string "$MARIADB_PASSWORD_HASH");"
            else
                echo "CREATE USER $(sql_string "$user")@'%' IDENTIFIED BY $(sql_string "$MARIADB_PASSWORD");"
            fi
            if [ -n "$db" ]; then
                # '_' is a wildcard in a GRANT's database name; this grant is for one database.
                echo "GRANT ALL PRIVILEGES ON $(sql_ident "${db//_/\\_}").* TO $(sql_string "$user")@'%';"
            fi
        fi
        echo "FLUSH PRIVILEGES;"
    } | mariadb --protocol=socket --socket="$init_socket" -uroot

    for f in /docker-entrypoint-initdb.d/*; do
        MARIADB_SOCKET="$init_socket" run_init_file "$f"
    done

    mariadb-admin --socket="$init_socket" -uroot shutdown
    wait "$init_pid" || true
    log "initialized: database '${db}', user '${user}'"
fi

exec mariadbd --user=mysql "$@"
