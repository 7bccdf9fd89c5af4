#!/usr/bin/env bash
# Creates the job's four topics (input, output, late, dead-letter) with the settings that
# exactly-once needs, after checking that the brokers accept the sink's transaction timeout.
# Then it checks the effective settings of all four topics, including topics that already
# existed. Run with --help for the options.
#
# Why these settings:
#   replication.factor 3 and min.insync.replicas 2. The sinks write with acks=all, so a
#     committed transaction is on at least two brokers, and one broker can be down without
#     stopping the job.
#   unclean.leader.election.enable=false. An out-of-sync replica never becomes leader. If it
#     did, acknowledged, committed records would be lost, and the input offsets stored in a
#     checkpoint could point past the end of the new leader's log.
#   transaction.max.timeout.ms >= the sink's transaction timeout. The broker rejects a producer
#     that asks for more. In the other direction, a transaction that outlives its timeout is
#     aborted by the broker, and the output of a completed checkpoint is lost.
#   max.message.bytes: the input topic's is kafka.input-max-message-bytes; the late and
#     dead-letter topics forward input records with headers, so theirs is 32 KiB above it
#     (ForwardedRecord.MAX_BYTES_BEYOND_INPUT). A side record the broker refused would fail
#     the job on every replay.
#   message.timestamp.after.max.ms of the output topic >= kafka.broker-timestamp-after-max:
#     counts are stamped with their window's end, which the job keeps below that limit.
set -euo pipefail

usage() {
    cat <<EOF
Usage: $(basename "$0") --bootstrap-server HOST:PORT [options]

Creates the input, output, late and dead-letter topics of the visit-count job, after checking
every broker's transaction.max.timeout.ms against the sink's transaction timeout. Then it
checks the effective settings of the four topics, new or existing.

Required:
  --bootstrap-server HOST:PORT[,...]  Kafka brokers
Options:
  --job-config FILE            the job's properties file (the --config of submit-job.sh). Topic
                               names, kafka.transaction-timeout,
                               kafka.broker-max-transaction-timeout,
                               kafka.input-max-message-bytes and
                               kafka.broker-timestamp-after-max are taken from it
  --command-config FILE        admin client properties (TLS/SASL), passed to the Kafka tools
  --partitions N               partitions of each new topic [6]
  --replication-factor N       [3]; 1 only for a single-broker development cluster
  --min-insync-replicas N      [2]; at most the replication factor
  --transaction-timeout DUR    the sink's transaction timeout, e.g. '10 min' or 600000 (ms)
                               [kafka.transaction-timeout of --job-config, else 10 min]
  --kafka-bin DIR              where kafka-topics(.sh) and kafka-configs(.sh) are
                               [\$KAFKA_HOME/bin, else the PATH]
  --dry-run                    check the arguments and print the Kafka commands, without
                               contacting the brokers
  -h, --help                   this text
EOF
}

die() {
    printf '%s: %s\n' "$(basename "$0")" "$1" >&2
    [ "${2:-}" = usage ] && { echo >&2; usage >&2; }
    exit 2
}
info() { printf '[create-topics] %s\n' "$*" >&2; }

# Value of KEY in the job's properties file; same parser as submit-job.sh (last one wins).
prop() {
    [ -n "$job_config" ] || return 0
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
    ' "$job_config"
}

# Milliseconds of a duration in Flink's notation (TimeUtils.parseDuration): a number with an
# optional unit, where a bare number means milliseconds.
duration_ms() {
    local text="${1,,}" number unit
    [[ "$text" =~ ^[[:space:]]*([0-9]+)[[:space:]]*([a-z]*)[[:space:]]*$ ]] \
        || die "'$1' is not a duration (e.g. '10 min', '600 s', 600000)"
    number="$((10#${BASH_REMATCH[1]}))"
    unit="${BASH_REMATCH[2]}"
    case "$unit" in
        ''|ms|milli|millis|millisecond|milliseconds) echo "$number" ;;
        s|sec|secs|second|seconds) echo "$((number * 1000))" ;;
        m|min|mins|minute|minutes) echo "$((number * 60000))" ;;
        h|hour|hours) echo "$((number * 3600000))" ;;
        d|day|days) echo "$((number * 86400000))" ;;
        *) die "'$1': unit '$unit' is not one of ms, s, min, h, d" ;;
    esac
}

# The value of KEY in `kafka-configs --describe --all` output on stdin: "  KEY=VALUE sensitive=...".
config_value() {
    awk -v key="$1" '{ sub(/^ +/, "") } index($0, key "=") == 1 { split($1, kv, "="); print kv[2]; exit }'
}

find_tool() {
    local name="$1" dir candidate
    for dir in "$kafka_bin" "${KAFKA_HOME:+$KAFKA_HOME/bin}"; do
        [ -n "$dir" ] || continue
        for candidate in "$dir/$name.sh" "$dir/$name"; do
            [ -x "$candidate" ] && { echo "$candidate"; return; }
        done
    done
    # Without a directory: the Apache scripts end in .sh, Confluent's and Debian-style ones don't.
    [ -n "$kafka_bin" ] || command -v "$name.sh" || command -v "$name" || true
}

# --- arguments ---------------------------------------------------------------------------------
bootstrap=""
job_config=""
command_config=""
partitions=6
replication=3
min_isr=2
transaction_timeout=""
kafka_bin=""
dry_run=false

need_value() { if [ "$#" -lt 2 ] || [ -z "$2" ]; then die "$1 needs a value" usage; fi; }

[ "$#" -gt 0 ] || die "no arguments" usage
while [ "$#" -gt 0 ]; do
    case "$1" in
        --bootstrap-server) need_value "$@"; bootstrap="$2"; shift 2 ;;
        --job-config) need_value "$@"; job_config="$2"; shift 2 ;;
        --command-config) need_value "$@"; command_config="$2"; shift 2 ;;
        --partitions) need_value "$@"; partitions="$2"; shift 2 ;;
        --replication-factor) need_value "$@"; replication="$2"; shift 2 ;;
        --min-insync-replicas) need_value "$@"; min_isr="$2"; shift 2 ;;
        --transaction-timeout) need_value "$@"; transaction_timeout="$2"; shift 2 ;;
        --kafka-bin) need_value "$@"; kafka_bin="$2"; shift 2 ;;
        --dry-run) dry_run=true; shift ;;
        -h|--help) usage; exit 0 ;;
        *) die "unknown argument '$1'" usage ;;
    esac
done

[ -n "$bootstrap" ] || die "--bootstrap-server is required" usage
for pair in "partitions:$partitions" "replication-factor:$replication" "min-insync-replicas:$min_isr"; do
    [[ "${pair#*:}" =~ ^[1-9][0-9]*$ ]] || die "--${pair%%:*} needs a positive integer, got '${pair#*:}'"
done
(( min_isr <= replication )) \
    || die "--min-insync-replicas $min_isr exceeds --replication-factor $replication: no write could ever succeed"
if (( replication < 3 )); then
    info "WARNING: replication factor $replication: losing one broker can lose committed output. Development only"
elif (( min_isr < 2 )); then
    info "WARNING: min.insync.replicas $min_isr: an acknowledged write may exist on one broker only"
fi
if (( min_isr == replication && replication > 1 )); then
    info "WARNING: min.insync.replicas equals the replication factor: any broker down stops the sinks"
fi
if [ -n "$job_config" ]; then
    { [ -f "$job_config" ] && [ -r "$job_config" ]; } || die "cannot read job config '$job_config'"
fi
if [ -n "$command_config" ]; then
    # A path only: it may hold SASL credentials, so it is never printed.
    { [ -f "$command_config" ] && [ -r "$command_config" ]; } || die "cannot read command config '$command_config'"
fi

input_topic="$(prop kafka.input-topic)"
output_topic="$(prop kafka.output-topic)"
late_topic="$(prop kafka.late-topic)"
dead_letter_topic="$(prop kafka.dead-letter-topic)"
# The defaults of JobOptions.
topics=("${input_topic:-visits}" "${output_topic:-visit-counts}" "${late_topic:-visits-late}" \
    "${dead_letter_topic:-visits-dead-letter}")
for topic in "${topics[@]}"; do
    [[ "$topic" =~ ^[A-Za-z0-9._-]{1,249}$ ]] || die "'$topic' is not a valid topic name"
done
[ "$(printf '%s\n' "${topics[@]}" | sort -u | wc -l)" -eq 4 ] \
    || die "the four topics must be distinct, got: ${topics[*]}"

timeout_text="${transaction_timeout:-$(prop kafka.transaction-timeout)}"
timeout_text="${timeout_text:-10 min}"
timeout_ms="$(duration_ms "$timeout_text")"
# The defaults of JobOptions, and ForwardedRecord.MAX_BYTES_BEYOND_INPUT.
input_max_bytes="$(prop kafka.input-max-message-bytes)"
input_max_bytes="${input_max_bytes:-1048588}"
[[ "$input_max_bytes" =~ ^[0-9]{4,10}$ ]] || die "kafka.input-max-message-bytes must be a number of bytes, got '$input_max_bytes'"
side_max_bytes=$((input_max_bytes + 32768))
after_max_text="$(prop kafka.broker-timestamp-after-max)"
after_max_ms="$(duration_ms "${after_max_text:-1 h}")"
# Topic settings beyond the common ones, by position in topics: input, output, late, dead letter.
topic_configs=("max.message.bytes=$input_max_bytes" "" "max.message.bytes=$side_max_bytes"     "max.message.bytes=$side_max_bytes")
declared_max="$(prop kafka.broker-max-transaction-timeout)"
declared_max_ms=""
[ -z "$declared_max" ] || declared_max_ms="$(duration_ms "$declared_max")"

kafka_topics="$(find_tool kafka-topics)"
kafka_configs="$(find_tool kafka-configs)"
{ [ -n "$kafka_topics" ] && [ -n "$kafka_configs" ]; } \
    || die "kafka-topics and kafka-configs not found: pass --kafka-bin DIR or set KAFKA_HOME" usage

admin=(--bootstrap-server "$bootstrap")
[ -z "$command_config" ] || admin+=(--command-config "$command_config")

describe_brokers=("$kafka_configs" "${admin[@]}" --describe --entity-type brokers --all)
# The Kafka arguments that create topic number $1 of topics.
create_args() {
    local extra=()
    [ -z "${topic_configs[$1]}" ] || extra=(--config "${topic_configs[$1]}")
    printf '%s\0' "$kafka_topics" "${admin[@]}" --create --if-not-exists --topic "${topics[$1]}" \
        --partitions "$partitions" --replication-factor "$replication" \
        --config "min.insync.replicas=$min_isr" --config unclean.leader.election.enable=false \
        "${extra[@]}"
}
create_commands=()
for i in "${!topics[@]}"; do
    mapfile -d '' -t args < <(create_args "$i")
    create_commands+=("$(printf '%q ' "${args[@]}")")
done

info "topics: ${topics[*]}; $partitions partitions, replication factor $replication, min.insync.replicas $min_isr"
info "sink transaction timeout: $timeout_text (${timeout_ms} ms)"

if $dry_run; then
    info "dry run: would run"
    printf '%q ' "${describe_brokers[@]}"; echo
    printf '%s\n' "${create_commands[@]}"
    for topic in "${topics[@]}"; do
        printf '%q ' "$kafka_topics" "${admin[@]}" --describe --topic "$topic"; echo
        printf '%q ' "$kafka_configs" "${admin[@]}" --describe --entity-type topics --entity-name "$topic" --all; echo
    done
    exit 0
fi

# --- the brokers' transaction timeout cap ------------------------------------------------------
broker_configs="$("${describe_brokers[@]}")" || die "kafka-configs could not describe the brokers"
# Every broker can be a transaction coordinator, so the lowest cap is the one that counts.
caps="$(printf '%s\n' "$broker_configs" | awk '
    /^All configs for broker/ { broker = $5 }
    /^ *transaction\.max\.timeout\.ms=/ { split($1, kv, "="); print broker, kv[2] }')"
[ -n "$caps" ] || die "no transaction.max.timeout.ms in the output of: ${describe_brokers[*]}"
lowest_cap="$(printf '%s\n' "$caps" | awk 'NR == 1 || $2 < min { min = $2 } END { print min }')"
info "transaction.max.timeout.ms per broker: $(printf '%s\n' "$caps" | awk '{ printf "%s%s=%s", sep, $1, $2; sep = ", " }')"
if (( timeout_ms > lowest_cap )); then
    die "the sink's transaction timeout ($timeout_text = $timeout_ms ms) exceeds the brokers' transaction.max.timeout.ms ($lowest_cap ms): its producers would be refused. Raise transaction.max.timeout.ms on every broker, or lower kafka.transaction-timeout (it must stay above max(checkpoint.interval, checkpoint.timeout + checkpoint.min-pause) + checkpoint.timeout + restart.max-backoff + restart.recovery-time)."
fi
if [ -n "$declared_max_ms" ] && (( declared_max_ms != lowest_cap )); then
    info "WARNING: the job declares kafka.broker-max-transaction-timeout=$declared_max ($declared_max_ms ms), the brokers have $lowest_cap ms; make them match"
fi
state_min_isr="$(printf '%s\n' "$broker_configs" | config_value transaction.state.log.min.isr)"
if [ -n "$state_min_isr" ] && (( state_min_isr < min_isr )); then
    info "WARNING: transaction.state.log.min.isr is $state_min_isr, below min.insync.replicas $min_isr: transaction state is less durable than the data"
fi

# --- create, then check what is there ----------------------------------------------------------
for i in "${!topics[@]}"; do
    # --if-not-exists: an existing topic is left alone here and checked below.
    mapfile -d '' -t args < <(create_args "$i")
    "${args[@]}" || die "creating topic ${topics[$i]} failed"
done

problems=0
for i in "${!topics[@]}"; do
    topic="${topics[$i]}"
    summary="$("$kafka_topics" "${admin[@]}" --describe --topic "$topic" | head -n 1)"
    [[ "$summary" =~ PartitionCount:[[:space:]]*([0-9]+).*ReplicationFactor:[[:space:]]*([0-9]+) ]] \
        || die "cannot read the description of topic $topic: $summary"
    have_partitions="${BASH_REMATCH[1]}"
    have_replication="${BASH_REMATCH[2]}"
    effective="$("$kafka_configs" "${admin[@]}" --describe --entity-type topics --entity-name "$topic" --all)"
    have_min_isr="$(printf '%s\n' "$effective" | config_value min.insync.replicas)"
    have_unclean="$(printf '%s\n' "$effective" | config_value unclean.leader.election.enable)"
    info "$topic: $have_partitions partitions, replication factor $have_replication, min.insync.replicas $have_min_isr, unclean.leader.election.enable $have_unclean"
    if (( have_replication < replication )); then
        info "PROBLEM: $topic has replication factor $have_replication, below $replication (changing it needs kafka-reassign-partitions)"
        problems=$((problems + 1))
    fi
    if [ "${have_min_isr:-0}" -lt "$min_isr" ] || [ "$have_unclean" != false ]; then
        info "PROBLEM: $topic needs: $(printf '%q ' "$kafka_configs" "${admin[@]}" --alter --entity-type topics --entity-name "$topic" --add-config "min.insync.replicas=$min_isr,unclean.leader.election.enable=false")"
        problems=$((problems + 1))
    fi
    have_max_bytes="$(printf '%s\n' "$effective" | config_value max.message.bytes)"
    if (( i == 0 && ${have_max_bytes:-0} > input_max_bytes )); then
        info "PROBLEM: $topic takes records up to max.message.bytes=$have_max_bytes, above kafka.input-max-message-bytes=$input_max_bytes: declare $have_max_bytes in the job config and run this script again"
        problems=$((problems + 1))
    fi
    if (( i >= 2 && ${have_max_bytes:-0} < side_max_bytes )); then
        info "PROBLEM: $topic forwards input records with headers and needs: $(printf '%q ' "$kafka_configs" "${admin[@]}" --alter --entity-type topics --entity-name "$topic" --add-config "max.message.bytes=$side_max_bytes")"
        problems=$((problems + 1))
    fi
    have_after_max="$(printf '%s\n' "$effective" | config_value message.timestamp.after.max.ms)"
    if (( i == 1 && ${have_after_max:-0} < after_max_ms )); then
        info "PROBLEM: $topic has message.timestamp.after.max.ms=$have_after_max, below kafka.broker-timestamp-after-max (${after_max_ms} ms): counts stamped further ahead would be refused. Declare $have_after_max ms in the job config"
        problems=$((problems + 1))
    fi
    if (( have_partitions != partitions )); then
        # Not fatal: the job reads any partition count. Fewer input partitions than the
        # source parallelism leave source subtasks idle.
        info "note: $topic has $have_partitions partitions, not $partitions; it existed already"
    fi
done
(( problems == 0 )) || die "$problems problem(s) above; the topics are not safe for exactly-once yet"
info "done: the four topics exist with exactly-once settings"
