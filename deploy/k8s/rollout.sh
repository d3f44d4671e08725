#!/usr/bin/env bash
# Roll out an overlay with plain kubectl: the platform first (configuration, policies, Kafka, PostgreSQL),
# then the migration Jobs, and the services only once every migration has completed. A failed migration
# stops here, with the running release untouched. (With Argo CD the Jobs' PreSync hook does the same.)
#
#   deploy/k8s/rollout.sh dev|prod
#
# Needs kubectl with access to the cluster, and the operators and Secrets of docs/operations.md.
set -euo pipefail

overlay="${1:?usage: deploy/k8s/rollout.sh <overlay>}"
root="$(cd "$(dirname "$0")/../.." && pwd)"
kustomize="${KUSTOMIZE:-$root/.tools/bin/kustomize}"
kubectl="${KUBECTL:-kubectl}"
dir="$root/deploy/k8s/overlays/$overlay"
[[ -f "$dir/kustomization.yaml" ]] || { echo "no overlay $overlay" >&2; exit 2; }
namespace="$(sed -n 's/^namespace: *//p' "$dir/kustomization.yaml")"
timeout="${ROLLOUT_TIMEOUT:-15m}"

manifests="$(mktemp)"
trap 'rm -f "$manifests"' EXIT
"$kustomize" build "$dir" > "$manifests"

migration='app.kubernetes.io/component=migration'
server='app.kubernetes.io/component=server'

echo "[1/4] platform: namespace, configuration, policies, Kafka, PostgreSQL, scalers"
"$kubectl" apply --server-side -f "$manifests" -l 'app.kubernetes.io/component notin (migration,server)'
"$kubectl" -n "$namespace" wait kafka/eportal --for=condition=Ready --timeout="$timeout"
"$kubectl" -n "$namespace" wait cluster.postgresql.cnpg.io/eportal-pg --for=condition=Ready --timeout="$timeout"

echo "[2/4] migrations"
# A Job's pod template cannot change: the previous release's Jobs go first.
"$kubectl" -n "$namespace" delete job -l "$migration" --ignore-not-found --wait=true
"$kubectl" apply --server-side -f "$manifests" -l "$migration"
if ! "$kubectl" -n "$namespace" wait job -l "$migration" --for=condition=Complete --timeout="$timeout"; then
    "$kubectl" -n "$namespace" logs -l "$migration" --tail=50 || true
    echo "a migration did not complete: the services were not rolled out" >&2
    exit 1
fi

echo "[3/4] services"
"$kubectl" apply --server-side -f "$manifests" -l "$server"

echo "[4/4] waiting for the new pods to be ready"
for deployment in $("$kubectl" -n "$namespace" get deployment -l "$server" -o name); do
    "$kubectl" -n "$namespace" rollout status "$deployment" --timeout="$timeout"
done
echo "eportal ($overlay) is rolled out in namespace $namespace"
