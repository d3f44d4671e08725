"""Every rendered overlay against the schemas a cluster would check it with, offline: the Kubernetes
kinds against the API's own JSON schemas (kubernetes-validate), Strimzi, CloudNativePG, KEDA and
prometheus-operator resources against the CRDs kept in deploy/k8s/schemas. Both are strict: an unknown
field is an error, where a cluster would drop it without a word and the setting would silently not apply."""

from __future__ import annotations

import copy
import re
from functools import cache
from typing import Any

import jsonschema
import kubernetes_validate
import pytest
import yaml

from tests.deploy.conftest import K8S, OVERLAYS, Manifest, of_kind

pytestmark = pytest.mark.deploy

# The oldest Kubernetes the manifests are written for (sleep as a preStop action is GA from 1.30 on,
# beta and on by default in 1.30) and the newest the validator knows.
KUBERNETES_VERSIONS = ("1.31", kubernetes_validate.utils.latest_version())
CRD_GROUPS = ("kafka.strimzi.io", "postgresql.cnpg.io", "keda.sh", "monitoring.coreos.com")
DNS_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")


def strict(schema: Any) -> Any:
    """An openAPIV3Schema as a JSON schema that refuses unknown fields and knows `nullable`."""
    if isinstance(schema, list):
        return [strict(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    out = {key: strict(value) for key, value in schema.items()}
    if ("properties" in out and "additionalProperties" not in out
            and not out.get("x-kubernetes-preserve-unknown-fields")):
        out["additionalProperties"] = False
    if out.pop("nullable", False) and "type" in out:
        out["type"] = [out["type"], "null"]
    return out


@cache
def crd_schemas() -> dict[tuple[str, str], dict[str, Any]]:
    """(apiVersion, kind) -> the strict schema of that version, from every CRD kept in the repository."""
    found: dict[tuple[str, str], dict[str, Any]] = {}
    for path in sorted((K8S / "schemas").rglob("*.yaml")):
        for doc in yaml.safe_load_all(path.read_text()):
            if not doc or doc.get("kind") != "CustomResourceDefinition":
                continue
            group, kind = doc["spec"]["group"], doc["spec"]["names"]["kind"]
            for version in doc["spec"]["versions"]:
                schema = copy.deepcopy(version["schema"]["openAPIV3Schema"])
                # The API server checks metadata itself; the CRD says only "object".
                schema.setdefault("properties", {})["metadata"] = {"type": "object"}
                found[(f"{group}/{version['name']}", kind)] = strict(schema)
    return found


def validate_custom(resource: Manifest) -> None:
    key = (resource["apiVersion"], resource["kind"])
    schema = crd_schemas().get(key)
    assert schema is not None, f"no CRD schema kept for {key}: add it to deploy/k8s/schemas (fetch.sh)"
    jsonschema.Draft202012Validator(schema).validate(resource)


def validate_core(resource: Manifest, version: str) -> None:
    kubernetes_validate.validate(resource, version, strict=True)


def is_custom(resource: Manifest) -> bool:
    return resource["apiVersion"].split("/")[0] in CRD_GROUPS


def describe(resource: Manifest) -> str:
    return f"{resource['kind']}/{resource['metadata']['name']}"


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_overlay_renders_the_whole_system(rendered: dict[str, list[Manifest]], overlay: str) -> None:
    kinds = {m["kind"] for m in rendered[overlay]}
    assert {"Namespace", "Deployment", "Service", "PodDisruptionBudget", "Job", "Ingress", "NetworkPolicy",
            "ConfigMap", "Kafka", "KafkaNodePool", "KafkaTopic", "Cluster", "Database", "ScheduledBackup",
            "ScaledObject", "ServiceMonitor", "PrometheusRule"} <= kinds
    namespaces = {m["metadata"].get("namespace") for m in rendered[overlay] if m["kind"] != "Namespace"}
    assert namespaces == {of_kind(rendered[overlay], "Namespace")[0]["metadata"]["name"]}


@pytest.mark.parametrize("overlay", OVERLAYS)
@pytest.mark.parametrize("version", KUBERNETES_VERSIONS)
def test_kubernetes_kinds_match_the_api_schemas(rendered: dict[str, list[Manifest]], overlay: str,
                                                version: str) -> None:
    failures = []
    for resource in rendered[overlay]:
        if is_custom(resource):
            continue
        try:
            validate_core(resource, version)
        except kubernetes_validate.ValidationError as exc:
            failures.append(f"{describe(resource)}: {exc.message}")
        except kubernetes_validate.SchemaNotFoundError:
            failures.append(f"{describe(resource)}: {resource['apiVersion']} is not served by Kubernetes {version}")
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_operator_resources_match_their_crds(rendered: dict[str, list[Manifest]], overlay: str) -> None:
    custom = [m for m in rendered[overlay] if is_custom(m)]
    assert custom
    failures = []
    for resource in custom:
        try:
            validate_custom(resource)
        except jsonschema.ValidationError as exc:
            failures.append(f"{describe(resource)} at {'/'.join(map(str, exc.absolute_path))}: {exc.message}")
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_resource_names_are_valid(rendered: dict[str, list[Manifest]], overlay: str) -> None:
    for resource in rendered[overlay]:
        name = resource["metadata"]["name"]
        assert len(name) <= 253, describe(resource)
        assert DNS_SUBDOMAIN.match(name), describe(resource)
        if resource["kind"] in ("Service", "Namespace"):
            assert len(name) <= 63, describe(resource)
            assert "." not in name, describe(resource)


def test_the_crd_schemas_kept_are_the_operators_versions() -> None:
    kept = crd_schemas()
    for key in [("kafka.strimzi.io/v1beta2", "Kafka"), ("kafka.strimzi.io/v1beta2", "KafkaNodePool"),
                ("kafka.strimzi.io/v1beta2", "KafkaTopic"), ("postgresql.cnpg.io/v1", "Cluster"),
                ("postgresql.cnpg.io/v1", "Database"), ("postgresql.cnpg.io/v1", "ScheduledBackup"),
                ("keda.sh/v1alpha1", "ScaledObject"), ("monitoring.coreos.com/v1", "ServiceMonitor"),
                ("monitoring.coreos.com/v1", "PrometheusRule")]:
        assert key in kept, key


# The validators must bite: each mistake below is one a cluster would accept or half-apply.

def _first(rendered: dict[str, list[Manifest]], kind: str) -> Manifest:
    return copy.deepcopy(of_kind(rendered[OVERLAYS[0]], kind)[0])


def test_a_misspelt_field_in_a_deployment_is_caught(rendered: dict[str, list[Manifest]]) -> None:
    deployment = _first(rendered, "Deployment")
    deployment["spec"]["template"]["spec"]["containers"][0]["livenesProbe"] = {"httpGet": {"path": "/health"}}
    with pytest.raises(kubernetes_validate.ValidationError):
        validate_core(deployment, KUBERNETES_VERSIONS[0])


def test_a_wrong_type_in_a_service_is_caught(rendered: dict[str, list[Manifest]]) -> None:
    service = _first(rendered, "Service")
    service["spec"]["ports"][0]["port"] = "eighty"
    with pytest.raises(kubernetes_validate.ValidationError):
        validate_core(service, KUBERNETES_VERSIONS[0])


def test_a_misspelt_field_in_a_kafka_topic_is_caught(rendered: dict[str, list[Manifest]]) -> None:
    topic = _first(rendered, "KafkaTopic")
    topic["spec"]["replication"] = topic["spec"].pop("replicas")
    with pytest.raises(jsonschema.ValidationError):
        validate_custom(topic)


def test_a_wrong_value_in_a_postgres_cluster_is_caught(rendered: dict[str, list[Manifest]]) -> None:
    cluster = _first(rendered, "Cluster")
    cluster["spec"]["instances"] = 0
    with pytest.raises(jsonschema.ValidationError):
        validate_custom(cluster)


def test_an_unknown_trigger_field_in_a_scaled_object_is_caught(rendered: dict[str, list[Manifest]]) -> None:
    scaled = _first(rendered, "ScaledObject")
    scaled["spec"]["minReplicas"] = 2
    with pytest.raises(jsonschema.ValidationError):
        validate_custom(scaled)


def test_a_misspelt_field_in_a_service_monitor_is_caught(rendered: dict[str, list[Manifest]]) -> None:
    monitor = _first(rendered, "ServiceMonitor")
    monitor["spec"]["endpoints"][0]["scrapeInterval"] = "30s"
    with pytest.raises(jsonschema.ValidationError):
        validate_custom(monitor)
