#!/usr/bin/env bash
# Entrypoint of eo-mariadb. `mariadbd` (the default command): on the first start (empty data
# directory) creates the system tables, the database MARIADB_DATABASE and the user
# MARIADB_USER/MARIADB_PASSWORD, runs /docker-entrypoint-initdb.d/*.sql and *.sh, then runs the
# server in the foreground. Later starts (e.g. `docker start` after `docker kill`) reuse the
# data directory as it is, prepared XA transactions included. Any other command is run as given.
set -euo pipefail

datadir=/var/lib/mysql
init_socket=/run/mysqld/init.sock
init_wait_seconds="${MARIADB_INIT_WAIT_SECONDS:-60}"

log() { printf '[mariadb-entrypoint] %s\n' "$*" >&2; }
die() { printf '[mariadb-entrypoint] ERROR: %s\n' "$*" >&2; exit 1; }

if [ "${1:-mariadbd}" != "mariadbd" ]; then
    exec "$@"
fi
shift || true

# SQL string literal / identifier quoting.
sql_string() { local s="${1//\\/\\\\}"; printf "'%s'" "${s//\'/\'\'}"; }
sql_ident() { printf '`%s`' "${1//\`/\`\`}"; }

mkdir -p /run/mysqld
chown mysql:mysql /run/mysqld "$datadir"

if [ ! -d "$datadir/mysql" ]; then
    db="${MARIADB_DATABASE:-}"
    user="${MARIADB_USER:-}"
    password="${MARIADB_PASSWORD:-}"
    root_password="${MARIADB_ROOT_PASSWORD:-}"
    if [ -n "$user" ] && [ -z "$password" ]; then
        die "MARIADB_USER is set but MARIADB_PASSWORD is empty"
    fi

    log "empty data directory: initializing"
    mariadb-install-db --user=mysql --datadir="$datadir" --skip-test-db \
        --auth-root-authentication-method=socket >/dev/null

    # A temporary server on a private socket only, to run the init SQL.
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
        if [ -n "$db" ]; then
            echo "CREATE DATABASE IF NOT EXISTS $(sql_ident "$db");"
        fi
        if [ -n "$user" ]; then
            echo "CREATE USER $(sql_string "$user")@'%' IDENTIFIED BY $(sql_string "$password");"
            if [ -n "$db" ]; then
                echo "GRANT ALL PRIVILEGES ON $(sql_ident "$db").* TO $(sql_string "$user")@'%';"
            fi
        fi
        if [ -n "$root_password" ]; then
            echo "ALTER USER 'root'@'localhost' IDENTIFIED VIA unix_socket OR mysql_native_password USING PASSWORD($(sql_string "$root_password"));"
            echo "CREATE USER 'root'@'%' IDENTIFIED BY $(sql_string "$root_password");"
            echo "GRANT ALL PRIVILEGES ON *.* TO 'root'@'%' WITH GRANT OPTION;"
        fi
        echo "FLUSH PRIVILEGES;"
    } | mariadb --protocol=socket --socket="$init_socket" -uroot

    for f in /docker-entrypoint-initdb.d/*; do
        [ -e "$f" ] || continue
        case "$f" in
            *.sql) log "running $f"
                   mariadb --protocol=socket --socket="$init_socket" -uroot ${db:+"$db"} < "$f" ;;
            *.sh)  log "running $f"
                   MARIADB_SOCKET="$init_socket" bash "$f" ;;
            *)     log "ignoring $f" ;;
        esac
    done

    mariadb-admin --socket="$init_socket" -uroot shutdown
    wait "$init_pid" || true
    log "initialized: database '${db}', user '${user}'"
fi

exec mariadbd --user=mysql "$@"
