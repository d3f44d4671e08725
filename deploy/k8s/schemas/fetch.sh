#!/usr/bin/env bash
# Refresh the CRD schemas kept in this folder from the projects' published packages (needs the network;
# the tests that use the schemas do not). Versions: the operators the manifests are written for.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
CNPG_VERSION=v1.25.1
KEDA_VERSION=v2.16.1
PROMETHEUS_OPERATOR_VERSION=v0.85.0
STRIMZI_VERSION=$(sed -n 's:.*<strimzi.version>\(.*\)</strimzi.version>.*:\1:p' "$here/strimzi/pom.xml")
export GOTOOLCHAIN=local GOFLAGS=-mod=mod

module_dir() {  # the unpacked Go module zip, from the module proxy
    go mod download -json "$1" | python3 -c 'import json, sys; print(json.load(sys.stdin)["Dir"])'
}

# CloudNativePG and KEDA publish their CRDs in their Go modules (config/crd/bases), as controller-gen wrote them.
cnpg="$(module_dir "github.com/cloudnative-pg/cloudnative-pg@$CNPG_VERSION")"
mkdir -p "$here/cloudnative-pg"
for crd in clusters databases scheduledbackups; do
    install -m 0644 "$cnpg/config/crd/bases/postgresql.cnpg.io_$crd.yaml" "$here/cloudnative-pg/"
done

keda="$(module_dir "github.com/kedacore/keda/v2@$KEDA_VERSION")"
mkdir -p "$here/keda"
for crd in scaledobjects; do
    install -m 0644 "$keda/config/crd/bases/keda.sh_$crd.yaml" "$here/keda/"
done

# prometheus-operator keeps its CRDs (controller-gen's output) in its Go module too, under example/.
promop="$(module_dir "github.com/prometheus-operator/prometheus-operator@$PROMETHEUS_OPERATOR_VERSION")"
mkdir -p "$here/prometheus-operator"
for crd in servicemonitors prometheusrules; do
    install -m 0644 "$promop/example/prometheus-operator-crd/monitoring.coreos.com_$crd.yaml" "$here/prometheus-operator/"
done

# Strimzi generates its CRDs from the Java API classes at release; the same generator and classes are on
# Maven Central (io.strimzi:crd-generator, io.strimzi:api), run here with the arguments of Strimzi's own
# build (api/pom.xml of the release, executions generate-crd-co-install-v1 and -v1-eo).
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mvn -q -B -f "$here/strimzi/pom.xml" dependency:build-classpath -Dmdep.outputFile="$work/classpath"
generate() {
    java -cp "$(cat "$work/classpath")" io.strimzi.crdgenerator.CrdGenerator \
        --label app:strimzi --label strimzi.io/crd-install:true --target-kube 1.16+ \
        --crd-api-version v1 --storage-version v1beta2 --yaml "$@" 2>/dev/null
}
generate --api-versions v1beta2 \
    "io.strimzi.api.kafka.model.kafka.Kafka=$here/strimzi/040-Crd-kafka.yaml" \
    "io.strimzi.api.kafka.model.nodepool.KafkaNodePool=$here/strimzi/04A-Crd-kafkanodepool.yaml"
generate --api-versions v1alpha1,v1beta1,v1beta2 \
    "io.strimzi.api.kafka.model.topic.KafkaTopic=$here/strimzi/043-Crd-kafkatopic.yaml"

echo "CRD schemas: Strimzi $STRIMZI_VERSION, CloudNativePG $CNPG_VERSION, KEDA $KEDA_VERSION," \
    "prometheus-operator $PROMETHEUS_OPERATOR_VERSION"
