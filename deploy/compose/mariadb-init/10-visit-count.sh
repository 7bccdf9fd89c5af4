#!/usr/bin/env bash
# Run by the image's entrypoint on the first start only (empty data directory), in eo-mariadb
# as in the official mariadb image: the visits database, the visit_counts table and the
# least-privilege job user, from the same deploy/cluster/sql/mariadb.sql a production server
# gets, with the password the job reads too: the compose secret jdbc-password, whose path
# VISIT_COUNT_JDBC_PASSWORD_FILE names (VISIT_COUNT_JDBC_PASSWORD itself is taken as well, as
# the official images take NAME or NAME_FILE).
# Executable, so both images run it in a shell of its own. Both run a temporary server on the
# usual socket then, and export MARIADB_ROOT_PASSWORD (also a generated one).
set -euo pipefail

fail() { printf '[visit-count init] ERROR: %s\n' "$*" >&2; exit 1; }

if [ -n "${VISIT_COUNT_JDBC_PASSWORD:-}" ] && [ -n "${VISIT_COUNT_JDBC_PASSWORD_FILE:-}" ]; then
    fail "both VISIT_COUNT_JDBC_PASSWORD and VISIT_COUNT_JDBC_PASSWORD_FILE are set; set one of them"
fi
if [ -n "${VISIT_COUNT_JDBC_PASSWORD_FILE:-}" ]; then
    [ -r "$VISIT_COUNT_JDBC_PASSWORD_FILE" ] \
        || fail "cannot read $VISIT_COUNT_JDBC_PASSWORD_FILE as user $(id -un): see deploy/compose/README.md, step 1"
    # Trailing newlines go, as the job drops them when it reads the same file.
    password="$(cat "$VISIT_COUNT_JDBC_PASSWORD_FILE")"
else
    password="${VISIT_COUNT_JDBC_PASSWORD:-}"
fi

# mariadb.sql's own rules, checked here to fail with a reason rather than a SQL syntax error.
[ "${#password}" -ge 16 ] || fail "VISIT_COUNT_JDBC_PASSWORD must hold at least 16 characters"
case "$password" in
    *\'* | *\\*) fail "VISIT_COUNT_JDBC_PASSWORD must not contain a quote or a backslash" ;;
esac

# printf is a builtin: the password shows up in no process list.
{ printf "SET @job_password = '%s';\n" "$password"; cat /opt/visit-count/sql/mariadb.sql; } \
    | MYSQL_PWD="${MARIADB_ROOT_PASSWORD:-}" mariadb --protocol=socket -uroot
printf '[visit-count init] database visits, table visit_counts and user visit_count_job created\n' >&2
