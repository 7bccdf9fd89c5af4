#!/usr/bin/env bash
# Resumes the visit-count job from its newest retained checkpoint: the runbook for a session
# cluster without high availability, whose restarted JobManager lists no jobs.
#
# Finds, under the cluster's checkpoint directory (execution.checkpointing.dir), the newest
# complete checkpoint, <dir>/<job-id>/chk-<n>/ with a _metadata file, prints what it picked and
# why, and hands it to submit-job.sh as -s. Every other option goes to submit-job.sh unchanged
# (--dry-run included).
set -euo pipefail

script_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

usage() {
    cat <<EOF
Usage: $(basename "$0") --config FILE --checkpoint-dir DIR [--job-id ID] [submit-job.sh options]

Resubmits the job (submit-job.sh) from the newest complete checkpoint in DIR.

  --checkpoint-dir DIR   the cluster's execution.checkpointing.dir as this machine sees it: a
                         local or mounted path, or file:///path. (For s3:// or another object
                         store, list <dir>/<job-id>/chk-<n>/_metadata with its own tools and
                         pass the newest to submit-job.sh -s.)
  --job-id ID            only this job's checkpoints (32 hex digits, as flink list prints it).
                         Without it: the newest checkpoint of any job in DIR, by the time its
                         _metadata was written; give --job-id when DIR holds several jobs
  --list                 print the candidates, newest first, and submit nothing
  -h, --help             this text
Everything else (--config, -p, --password-file, --dry-run, ...) goes to submit-job.sh.

A checkpoint is complete once its _metadata file exists: a chk-<n> directory without one was
being written when the job died, and is skipped.
EOF
}

die() {
    printf '%s: %s\n' "$(basename "$0")" "$1" >&2
    exit 2
}
info() { printf '[resume-latest] %s\n' "$*" >&2; }

checkpoint_dir=""
job_id=""
list_only=false
passed=()
need_value() { if [ "$#" -lt 2 ] || [ -z "$2" ]; then die "$1 needs a value"; fi; }
[ "$#" -gt 0 ] || { usage >&2; exit 2; }
while [ "$#" -gt 0 ]; do
    case "$1" in
        --checkpoint-dir) need_value "$@"; checkpoint_dir="$2"; shift 2 ;;
        --job-id) need_value "$@"; job_id="$2"; shift 2 ;;
        --list) list_only=true; shift ;;
        -s|--savepoint) die "$1 is what this script finds; use submit-job.sh to resume from a given path" ;;
        -h|--help) usage; exit 0 ;;
        *) passed+=("$1"); shift ;;
    esac
done

[ -n "$checkpoint_dir" ] || die "--checkpoint-dir DIR is required (the cluster's execution.checkpointing.dir)"
case "$checkpoint_dir" in
    file://*) checkpoint_dir="${checkpoint_dir#file://}" ;;
    *://*) die "--checkpoint-dir '$checkpoint_dir': only local or mounted paths; for an object store see --help" ;;
esac
checkpoint_dir="${checkpoint_dir%/}"
[ -d "$checkpoint_dir" ] || die "checkpoint directory '$checkpoint_dir' does not exist or is not a directory"
if [ -n "$job_id" ] && ! [[ "$job_id" =~ ^[0-9a-f]{32}$ ]]; then
    die "--job-id needs 32 hex digits, got '$job_id'"
fi

# Every complete checkpoint: "<mtime of _metadata> <checkpoint number> <path>", newest first.
candidates="$(
    find "$checkpoint_dir" -mindepth 3 -maxdepth 3 -type f -name _metadata \
        -path "$checkpoint_dir/${job_id:-*}/chk-*/_metadata" -printf '%T@ %h\n' 2>/dev/null \
        | awk '{ n = $2; sub(/.*\/chk-/, "", n); if (n ~ /^[0-9]+$/) print $1, n, $2 }' \
        | sort -k1,1nr -k2,2nr
)" || true

if [ -z "$candidates" ]; then
    die "no complete checkpoint (chk-<n>/_metadata) under '$checkpoint_dir'${job_id:+ for job $job_id}"
fi

if $list_only; then
    printf '%s\n' "$candidates" | while read -r mtime n path; do
        printf '%s  checkpoint %s  %s\n' "$(date -u -d "@${mtime%.*}" '+%Y-%m-%dT%H:%M:%SZ')" "$n" "$path"
    done
    exit 0
fi

read -r mtime n path <<< "$(printf '%s\n' "$candidates" | head -n 1)"
picked_job="$(basename "$(dirname "$path")")"
jobs="$(printf '%s\n' "$candidates" | awk '{ sub(/\/chk-[0-9]+$/, "", $3); print $3 }' | sort -u | wc -l)"
info "newest complete checkpoint: $path"
info "  job $picked_job, checkpoint $n, written $(date -u -d "@${mtime%.*}" '+%Y-%m-%dT%H:%M:%SZ')"
if [ -z "$job_id" ] && [ "$jobs" -gt 1 ]; then
    info "  picked among the checkpoints of $jobs jobs in $checkpoint_dir (--list shows them; --job-id picks one)"
fi

exec "$script_dir/submit-job.sh" "${passed[@]}" -s "file://$path"
