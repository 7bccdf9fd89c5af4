#!/usr/bin/env bash
# Audits a closed event-time range of a running deployment of the visit-count job: recomputes the
# range's counts from the input topic with the job's own rules and compares what the counts topic
# and the table committed. Takes the job's own config file, secret files and password variable
# (VISIT_COUNT_JDBC_PASSWORD) plus --from and --to; --help lists every option.
# Exit codes: 0 exact, 1 violations found, 2 a bad option, 3 a service cannot be reached.
#   deploy/cluster/audit.sh --config job.properties --from 2026-01-31T13:00:00Z --to 2026-01-31T14:00:00Z
set -euo pipefail
script_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo_root="$(cd "$script_dir/../.." && pwd)"
jar="${AUDIT_JAR:-}"
if [[ -z "$jar" ]]; then
    shopt -s nullglob
    jars=("$repo_root"/audit/target/audit-*-cli.jar)
    if (( ${#jars[@]} != 1 )); then
        echo "audit: no audit jar; build it with ./mvnw -pl audit -am package -DskipTests, or set AUDIT_JAR" >&2
        exit 2
    fi
    jar="${jars[0]}"
fi
exec "${JAVA:-java}" -jar "$jar" "$@"
