#!/usr/bin/env bash
# Validates deploy/kubernetes offline, without a cluster.
#
# Usage: deploy/kubernetes/validate.sh FLINKDEPLOYMENT_CRD.yml
#
# FLINKDEPLOYMENT_CRD.yml is the CustomResourceDefinition of FlinkDeployment of the operator
# release you run. It is not kept in this repository; get it from that release, e.g.
#   - its Helm chart: helm/flink-kubernetes-operator/crds/flinkdeployments.flink.apache.org-v1.yml
#     in the flink-kubernetes-operator source (tag release-X.Y.Z) or in the chart package;
#   - a cluster where the operator is installed:
#     kubectl get crd flinkdeployments.flink.apache.org -o yaml > flinkdeployments.yml
#
# Steps (each prints PASS/FAIL lines; the script exits non-zero if anything failed):
#   1. every *.yaml/*.yml under deploy/kubernetes parses (YAML 1.2, npm package `yaml`);
#   2. `kubectl kustomize` renders deploy/kubernetes and deploy/kubernetes/monitoring (offline;
#      with a placeholder password if secrets/jdbc-password does not exist yet). Skipped, with
#      a warning, if kubectl is not installed; then step 3 reads the resource files directly;
#   3. every rendered document against a schema: FlinkDeployment against the given CRD's
#      openAPIV3Schema (Ajv, unknown fields rejected), the built-in kinds and the PodMonitor
#      against the schemas in npm `kubernetes-models` / `@kubernetes-models/prometheus-operator`;
#      then the project's rules (validate/validate-manifests.mjs says which);
#   4. the job options in the ConfigMap are accepted by the job's own JobSettings (the checks
#      VisitCountJob runs before it builds the pipeline), if the job jar and the eo-flink lib/
#      jars have been built and java is installed; skipped with a note otherwise.
#
# Needs node and npm (the npm registry, the first time); kubectl and java are optional.
# Environment (optional):
#   EO_VALIDATE_TOOLS  where the npm packages are installed    (~/.cache/eo-kubernetes-validate)
#   KUBECTL            the kubectl command                      (kubectl)
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
tools="${EO_VALIDATE_TOOLS:-${XDG_CACHE_HOME:-$HOME/.cache}/eo-kubernetes-validate}"
kubectl_cmd="${KUBECTL:-kubectl}"

log() { printf '[validate] %s\n' "$*" >&2; }
die() { printf '[validate] ERROR: %s\n' "$*" >&2; exit 2; }

[ "$#" -eq 1 ] || die "usage: $0 FLINKDEPLOYMENT_CRD.yml   (see the header of this script for where to get it)"
crd="$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"
[ -f "$crd" ] || die "no such file: $1"
command -v node >/dev/null || die "node is not installed"
command -v npm >/dev/null || die "npm is not installed"

# --- the validator and its packages, pinned by validate/package-lock.json
mkdir -p "$tools"
if ! cmp -s "$here/validate/package-lock.json" "$tools/package-lock.json" || [ ! -d "$tools/node_modules" ]; then
    log "installing the validator's npm packages into $tools"
    cp "$here/validate/package.json" "$here/validate/package-lock.json" "$tools/"
    (cd "$tools" && npm ci --no-audit --no-fund --loglevel=error >"$tools/npm-ci.log" 2>&1) \
        || { tail -n 20 "$tools/npm-ci.log" >&2; die "npm ci failed (log: $tools/npm-ci.log)"; }
fi
cp "$here/validate/validate-manifests.mjs" "$tools/"
validator=(node "$tools/validate-manifests.mjs")

work="$(mktemp -d "${TMPDIR:-/tmp}/eo-k8s-validate.XXXXXX")"
trap 'rm -rf "$work"' EXIT
failed=0

# --- 1. YAML
log "1. every YAML file parses"
mapfile -t yaml_files < <(cd "$here" && find . -path ./secrets -prune -o -type f \( -name '*.yaml' -o -name '*.yml' \) -print | sort)
(cd "$here" && "${validator[@]}" --parse-only "${yaml_files[@]}") || failed=1

# --- 2. kustomize
rendered=()
if command -v "$kubectl_cmd" >/dev/null; then
    log "2. kubectl kustomize ($("$kubectl_cmd" version --client 2>/dev/null | grep -i kustomize || echo 'kustomize version unknown'))"
    # A copy, so that a placeholder password never lands in the work tree.
    cp -r "$here" "$work/tree"
    [ -f "$work/tree/secrets/jdbc-password" ] || printf 'placeholder' > "$work/tree/secrets/jdbc-password"
    [ -f "$work/tree/secrets/database-ca-truststore.p12" ] \
        || printf 'placeholder' > "$work/tree/secrets/database-ca-truststore.p12"
    for dir in . monitoring; do
        out="$work/rendered-$(echo "$dir" | tr './' '_-').yaml"
        if "$kubectl_cmd" kustomize "$work/tree/$dir" > "$out" 2> "$work/kustomize.err"; then
            echo "PASS kustomize deploy/kubernetes/$dir ($(grep -c '^kind:' "$out") resources)"
            rendered+=("$out")
        else
            echo "FAIL kustomize deploy/kubernetes/$dir"; sed 's/^/       /' "$work/kustomize.err"
            failed=1
        fi
    done
else
    log "2. SKIPPED: kubectl is not installed, so the kustomizations are not rendered;"
    log "   validating the resource files themselves, with a stand-in for the generated Secret"
    for f in namespace.yaml rbac.yaml storage.yaml job-config.yaml flink-deployment.yaml monitoring/pod-monitor.yaml; do
        rendered+=("$here/$f")
    done
    # What kustomization.yaml's secretGenerator makes (name and key), with a placeholder value.
    printf 'apiVersion: v1\nkind: Secret\nmetadata:\n  name: visit-count-db\ntype: Opaque\ndata:\n  password: %s\n' \
        "$(printf placeholder | base64)" > "$work/secret.yaml"
    printf 'apiVersion: v1\nkind: Secret\nmetadata:\n  name: visit-count-database-ca\ntype: Opaque\ndata:\n  ca-truststore.p12: %s\n' \
        "$(printf placeholder | base64)" > "$work/database-ca.yaml"
    rendered+=("$work/secret.yaml" "$work/database-ca.yaml")
fi

# --- 3. schemas and rules
log "3. schemas (FlinkDeployment: $crd) and the project's rules"
if [ "${#rendered[@]}" -gt 0 ]; then
    "${validator[@]}" --crd "$crd" --job-properties-out "$work/visit-count.properties" "${rendered[@]}" || failed=1
fi

# --- 4. the job's own option checks
log "4. the job options against the job's JobSettings"
job_jar=""
for candidate in "$root"/deploy/job-jar/target/visit-count-job-*.jar; do
    case "$candidate" in */original-*|*-sources.jar|*-tests.jar) continue ;; esac
    [ -f "$candidate" ] && job_jar="$candidate"
done
flink_lib="$root/deploy/docker/flink/lib"
if [ ! -s "$work/visit-count.properties" ]; then
    echo "FAIL job options: no job properties were extracted in step 3"; failed=1
elif [ -z "$job_jar" ] || ! ls "$flink_lib"/flink-core-*.jar >/dev/null 2>&1 || ! command -v java >/dev/null; then
    log "   SKIPPED: needs the job jar (Maven build), deploy/docker/flink/lib/ (deploy/docker/build-images.sh flink) and java"
else
    mkdir -p "$work/check"
    cat > "$work/check/CheckJobOptions.java" <<'JAVA'
import io.exactlyonce.pipeline.config.JobSettings;
import java.util.Map;

/** Runs the job's own option parsing and validation, as VisitCountJob.main does first. */
public class CheckJobOptions {
    public static void main(String[] args) {
        JobSettings config = JobSettings.fromArgs(args, Map.of());
        System.out.println("PASS job options accepted by JobSettings: " + config);
    }
}
JAVA
    printf 'placeholder' > "$work/password"
    if java -cp "$job_jar:$flink_lib/*" "$work/check/CheckJobOptions.java" \
            --config "$work/visit-count.properties" --jdbc.password-file "$work/password" \
            > "$work/check.out" 2>&1; then
        grep '^PASS' "$work/check.out"
    else
        echo "FAIL job options rejected by JobSettings:"; sed 's/^/       /' "$work/check.out" | head -n 30
        failed=1
    fi
fi

if [ "$failed" -eq 0 ]; then log "all checks passed"; else log "some checks FAILED"; fi
exit "$failed"
