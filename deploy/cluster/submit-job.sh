#!/usr/bin/env bash
# Submits the visit-count job to a running Flink session cluster with `flink run -d`.
# Run with --help for the options. Every check runs before anything is contacted.
#
# Where things are read. `flink run` runs the job's main() in the CLI's JVM on THIS machine.
# main() (JobSettings) reads the --config file and the database password there, while it builds
# the job graph. So both must be readable here, not on the TaskManagers. The password then
# travels to the cluster inside the serialized JDBC sink, because the TaskManagers open the
# connections. It never goes into Flink's Configuration or the global job parameters, so the
# web UI's job configuration does not show it. It is inside the serialized job graph, though,
# so anything that stores job graphs holds it too (with HA: high-availability.storageDir).
#
# The password comes from a file (--password-file, or jdbc.password-file in the config file),
# or from VISIT_COUNT_JDBC_PASSWORD in this script's environment, which `flink run` inherits.
# It is never accepted as an argument, because arguments show up in `ps` and in shell history.
# This script checks that a source exists. It does not print the password and does not keep it
# in a variable.
set -euo pipefail

readonly PASSWORD_ENV=VISIT_COUNT_JDBC_PASSWORD
# The options in JobOptions.REQUIRED. Keep in sync with it.
readonly REQUIRED_KEYS=(job.id kafka.bootstrap-servers schema-registry.url jdbc.url jdbc.user)
script_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo_root="$(cd "$script_dir/../.." && pwd)"

usage() {
    cat <<EOF
Usage: $(basename "$0") --config FILE [options]

Submits the visit-count job jar to a running Flink session cluster (flink run -d).

Required:
  --config FILE              job options as a properties file (see job.properties.example).
                             The job's main() reads it on this machine. It must not contain
                             a password.
Flink:
  --flink PATH               the flink CLI [\$FLINK_HOME/bin/flink, else 'flink' on PATH]
  -m, --jobmanager HOST:PORT REST address of the JobManager [rest.address and rest.port from
                             the CLI's config.yaml]
  --jar FILE                 job jar [deploy/job-jar/target/visit-count-job-*.jar]
  -s, --savepoint PATH       resume from this savepoint or retained checkpoint (a path that
                             the JobManager can read, e.g. s3://.../savepoint-xxxx)
  -p, --parallelism N        job parallelism. Leave 'parallelism' out of the config file:
                             the job's setting would override this one
  --allow-non-restored-state with -s only: drop savepoint state that no operator claims.
                             Only for an operator you deliberately removed. Dropped sink
                             state means lost or duplicated output
Database password (exactly one source):
  --password-file FILE       passed to the job as --jdbc.password-file; readable here
  jdbc.password-file=FILE    the same, in the config file
  \$$PASSWORD_ENV            in this environment; used when no file is given
Other:
  --dry-run                  check everything, then print the flink command instead of
                             running it. Does not contact the cluster
  -h, --help                 this text

Before submitting, the script refuses to go on if a job with the same job.name is still
running or scheduled on the cluster (flink list). Two jobs with the same transactional-id
and XA prefixes abort and roll back each other's transactions: give every deployment its
own job.id, from which the job derives both prefixes, its consumer group and its name.
EOF
}

die() {
    printf '%s: %s\n' "$(basename "$0")" "$1" >&2
    [ "${2:-}" = usage ] && { echo >&2; usage >&2; }
    exit 2
}
info() { printf '[submit-job] %s\n' "$*" >&2; }

# Value of KEY in the properties file: the last `key=value`, `key: value` or `key value` line
# wins, as in java.util.Properties. Escapes and continuation lines are not supported, and
# check_properties refuses files that use them.
prop() {
    awk -v want="$1" '
        { sub(/\r$/, "") }
        /^[[:space:]]*([#!]|$)/ { next }
        {
            line = $0; sub(/^[[:space:]]+/, "", line)
            if (match(line, /[[:space:]]*[=:][[:space:]]*|[[:space:]]+/)) {
                key = substr(line, 1, RSTART - 1); value = substr(line, RSTART + RLENGTH)
            } else { key = line; value = "" }
            if (key == want) { found = 1; result = value }
        }
        END { if (found) { sub(/[[:space:]]+$/, "", result); print result } }
    ' "$config_file"
}

# Every key in the properties file, one per line.
prop_keys() {
    awk '
        { sub(/\r$/, "") }
        /^[[:space:]]*([#!]|$)/ { next }
        { line = $0; sub(/^[[:space:]]+/, "", line); match(line, /[=:[:space:]]|$/); print substr(line, 1, RSTART - 1) }
    ' "$config_file"
}

# Flattens Flink's config.yaml, nested or flat (`rest: {address: x}` or `rest.address: x`),
# into key=value lines. Only scalar values are needed here, so lists are skipped.
flink_config() {
    awk '
        { sub(/\r$/, "") }
        /^[[:space:]]*(#|$)/ || /^[[:space:]]*-/ { next }
        {
            match($0, /^ */); indent = RLENGTH; line = substr($0, indent + 1)
            colon = index(line, ":"); if (!colon) next
            key = substr(line, 1, colon - 1); value = substr(line, colon + 1)
            sub(/^[[:space:]]+/, "", value); sub(/[[:space:]]+#.*$/, "", value)
            sub(/[[:space:]]+$/, "", value)
            while (depth > 0 && indents[depth] >= indent) depth--
            if (value == "") { depth++; indents[depth] = indent; names[depth] = key; next }
            prefix = ""; for (i = 1; i <= depth; i++) prefix = prefix names[i] "."
            gsub(/^["\047]|["\047]$/, "", value)
            print prefix key "=" value
        }
    ' "$1"
}

flink_config_get() {
    [ -f "$flink_conf_file" ] || return 0
    flink_config "$flink_conf_file" | awk -v want="$1" '
        index($0, want "=") == 1 { result = substr($0, length(want) + 2) }
        END { print result }'
}

# --- arguments ---------------------------------------------------------------------------------
config_file=""
flink_cli=""
jobmanager=""
jar=""
savepoint=""
parallelism=""
allow_non_restored=false
password_file=""
dry_run=false

need_value() { if [ "$#" -lt 2 ] || [ -z "$2" ]; then die "$1 needs a value" usage; fi; }
readable_file() { [ -f "$1" ] && [ -r "$1" ]; }

[ "$#" -gt 0 ] || die "no arguments" usage
while [ "$#" -gt 0 ]; do
    case "$1" in
        --config) need_value "$@"; config_file="$2"; shift 2 ;;
        --flink) need_value "$@"; flink_cli="$2"; shift 2 ;;
        -m|--jobmanager) need_value "$@"; jobmanager="$2"; shift 2 ;;
        --jar) need_value "$@"; jar="$2"; shift 2 ;;
        -s|--savepoint) need_value "$@"; savepoint="$2"; shift 2 ;;
        -p|--parallelism) need_value "$@"; parallelism="$2"; shift 2 ;;
        --allow-non-restored-state) allow_non_restored=true; shift ;;
        --password-file) need_value "$@"; password_file="$2"; shift 2 ;;
        --dry-run) dry_run=true; shift ;;
        -h|--help) usage; exit 0 ;;
        *password*|*PASSWORD*)
            # Whatever came with it is not echoed: it may be the secret itself.
            die "a password is never taken as an argument: use --password-file FILE or \$$PASSWORD_ENV" ;;
        *) die "unknown argument '$1'" usage ;;
    esac
done

# --- the job config file -----------------------------------------------------------------------
[ -n "$config_file" ] || die "--config FILE is required" usage
readable_file "$config_file" || die "cannot read config file '$config_file'"
config_file="$(cd "$(dirname "$config_file")" && pwd)/$(basename "$config_file")"

check_properties() {
    # A trailing backslash continues the value on the next line; prop() would misread that.
    if grep -qE '\\[[:space:]]*$' "$config_file"; then
        die "$config_file: continuation lines (ending in '\\') are not supported; one option per line"
    fi
    local key
    while IFS= read -r key; do
        case "${key,,}" in
            jdbc.password-file) ;;
            # JobSettings' rule (plus *secret*), checked here so a refused file never reaches the CLI.
            *password*|*secret*)
                die "$config_file: key '$key' is refused: the password goes in a file (--password-file or jdbc.password-file) or \$$PASSWORD_ENV" ;;
        esac
    done < <(prop_keys)
    local url
    url="$(prop jdbc.url)"
    # Connector/J also takes the password inside the URL; the URL is printed in logs.
    if [[ "${url,,}" =~ [?\&\;]password[0-9]*= ]] || [[ "$url" =~ ://[^/@]*:[^/@]*@ ]]; then
        die "$config_file: jdbc.url carries a password; remove it from the URL"
    fi
    for key in "${REQUIRED_KEYS[@]}"; do
        [ -n "$(prop "$key")" ] || die "$config_file: required option '$key' is missing or empty"
    done
}
check_properties

# --- the password source -----------------------------------------------------------------------
file_password="$(prop jdbc.password-file)"
if [ -n "$password_file" ] && [ -n "$file_password" ]; then
    die "the password file is given twice (--password-file and jdbc.password-file in $config_file); keep one"
fi
password_file="${password_file:-$file_password}"
if [ -n "$password_file" ]; then
    readable_file "$password_file" \
        || die "cannot read password file '$password_file'. The job reads it on this machine, in flink run"
    # Only tests whether there is a non-blank character; nothing is printed or kept.
    grep -q '[^[:space:]]' "$password_file" || die "password file '$password_file' is empty"
    password_file="$(cd "$(dirname "$password_file")" && pwd)/$(basename "$password_file")"
    mode="$(stat -c '%a' "$password_file" 2>/dev/null || echo 600)"
    # A container secret (/run/secrets) is the engine's to guard: its mode is the source file's.
    if (( 8#$mode & 8#077 )) && [[ "$password_file" != /run/secrets/* ]]; then
        info "WARNING: $password_file is readable by group or others (mode $mode); chmod 600 it"
    fi
    password_source="file $password_file"
    if [ -n "${!PASSWORD_ENV:-}" ]; then
        info "note: \$$PASSWORD_ENV is set too; the job uses the file"
    fi
elif [ -n "${!PASSWORD_ENV:-}" ]; then
    password_source="\$$PASSWORD_ENV (inherited by flink run)"
else
    die "no database password: give --password-file FILE, jdbc.password-file in $config_file, or export $PASSWORD_ENV"
fi

# --- Flink options -----------------------------------------------------------------------------
if [ -n "$parallelism" ]; then
    [[ "$parallelism" =~ ^[1-9][0-9]*$ ]] || die "-p needs a positive integer, got '$parallelism'"
    if [ -n "$(prop parallelism)" ]; then
        die "-p $parallelism and parallelism=$(prop parallelism) in $config_file: the job calls setParallelism with the file's value, which overrides -p. Remove it from the file"
    fi
fi
if $allow_non_restored && [ -z "$savepoint" ]; then
    die "--allow-non-restored-state only makes sense with -s SAVEPOINT" usage
fi
for key in kafka.delivery-guarantee jdbc.delivery-guarantee; do
    value="$(prop "$key")"
    if [ -n "$value" ] && [ "$value" != EXACTLY_ONCE ]; then
        info "WARNING: $key=$value: this run is NOT exactly-once"
    fi
done

if [ -z "$jar" ]; then
    shopt -s nullglob
    jars=("$repo_root"/deploy/job-jar/target/visit-count-job-*.jar)
    shopt -u nullglob
    [ "${#jars[@]}" -eq 1 ] \
        || die "expected one deploy/job-jar/target/visit-count-job-*.jar, found ${#jars[@]}; build it (./mvnw -pl deploy/job-jar -am package -DskipTests) or pass --jar"
    jar="${jars[0]}"
fi
readable_file "$jar" || die "cannot read job jar '$jar'"

if [ -z "$flink_cli" ]; then
    if [ -n "${FLINK_HOME:-}" ]; then
        flink_cli="$FLINK_HOME/bin/flink"
    else
        flink_cli="$(command -v flink || true)"
        [ -n "$flink_cli" ] || die "no flink CLI: pass --flink PATH, set FLINK_HOME, or put flink on the PATH" usage
    fi
fi
if [ ! -f "$flink_cli" ] || [ ! -x "$flink_cli" ]; then
    die "flink CLI '$flink_cli' is not an executable file"
fi

# The CLI reads $FLINK_CONF_DIR, else conf/ next to its bin/ (through symlinks).
flink_conf_dir="${FLINK_CONF_DIR:-$(dirname "$(dirname "$(readlink -f "$flink_cli")")")/conf}"
flink_conf_file="$flink_conf_dir/config.yaml"

ha="$(flink_config_get high-availability.type)"
ha="${ha:-$(flink_config_get high-availability)}"
if [ -n "$ha" ] && [ "${ha,,}" != none ]; then
    # Under HA the CLI finds the leading JobManager itself and ignores -m.
    [ -z "$jobmanager" ] || info "WARNING: high-availability is '$ha' in $flink_conf_file; flink ignores -m"
    target="the leader found through high-availability ($ha)"
elif [ -n "$jobmanager" ]; then
    if ! [[ "$jobmanager" =~ ^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._-]+):([0-9]{1,5})$ ]] \
        || (( 10#${BASH_REMATCH[2]} < 1 || 10#${BASH_REMATCH[2]} > 65535 )); then
        die "-m needs HOST:PORT (the REST port, 8081 by default), got '$jobmanager'" usage
    fi
    target="$jobmanager (from -m)"
else
    host="$(flink_config_get rest.address)"
    host="${host:-$(flink_config_get jobmanager.rpc.address)}"
    [ -n "$host" ] \
        || die "no JobManager address: pass -m HOST:PORT, or set rest.address in $flink_conf_file" usage
    port="$(flink_config_get rest.port)"
    target="${host}:${port:-8081} (from $flink_conf_file)"
fi

# --- the command -------------------------------------------------------------------------------
cluster_args=()
[ -z "$jobmanager" ] || cluster_args=(-m "$jobmanager")
run=("$flink_cli" run -d "${cluster_args[@]}")
[ -z "$savepoint" ] || run+=(-s "$savepoint")
! $allow_non_restored || run+=(-n)
[ -z "$parallelism" ] || run+=(-p "$parallelism")
run+=("$jar" --config "$config_file")
# A path, not the secret; when the config file names it, JobSettings reads it from there.
[ -z "$password_file" ] || [ -n "$file_password" ] || run+=(--jdbc.password-file "$password_file")

job_name="$(prop job.name)"
# JobSettings' default: derived from the deployment's identity, like its transaction prefixes.
job_name="${job_name:-$(prop job.id)}"
info "JobManager:  $target"
info "job:         '$job_name', $(basename "$jar")"
info "password:    $password_source; not shown"
[ -z "$savepoint" ] || info "resume from: $savepoint$($allow_non_restored && echo ' (allowing non-restored state)')"
if $allow_non_restored; then
    info "WARNING: --allow-non-restored-state drops state of operators missing from this job. If a sink's uid changed, its pending transactions are lost"
fi

if $dry_run; then
    info "dry run: would check that no job named '$job_name' is running, then run:"
    printf '%q ' "${run[@]}"
    echo
    exit 0
fi

# Not globally terminal jobs only: a stopped or cancelled run does not block its own resume.
listing="$("$flink_cli" list "${cluster_args[@]}")" || die "flink list failed; is the cluster at $target reachable?"
if printf '%s\n' "$listing" | awk -v name="$job_name" 'index($0, " : " name " (") { found = 1 } END { exit !found }'; then
    printf '%s\n' "$listing" >&2
    die "a job named '$job_name' is already running or scheduled; stop it with a savepoint first (see README.md)"
fi

info "running: $(printf '%q ' "${run[@]}")"
exec "${run[@]}"
