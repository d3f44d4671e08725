"""The house rules of the deployment, on every rendered overlay: every container probed, limited and
unprivileged; every service with its database, migration Job, budget and scaler; every contract topic
declared; only the gateway reachable from outside; no secret value anywhere."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from contracts import topics
from tests.deploy.conftest import (
    K8S,
    OVERLAYS,
    ROOT,
    SERVICES,
    Manifest,
    config_map,
    named,
    of_kind,
    pod_spec,
    service_runtime,
)

pytestmark = pytest.mark.deploy

WORKLOADS = ("Deployment", "Job")
Rendered = dict[str, list[Manifest]]


def containers(workload: Manifest) -> list[dict[str, Any]]:
    spec = pod_spec(workload)
    return [*spec.get("initContainers", []), *spec["containers"]]


def container_problems(workload: Manifest) -> list[str]:
    """What a container of this workload lacks; a server (Deployment) must also be probed."""
    problems = []
    pod = pod_spec(workload)
    pod_security = pod.get("securityContext", {})
    if pod_security.get("runAsUser") == 0:
        problems.append("pod runs as root")
    for c in containers(workload):
        where = f"{workload['kind']}/{workload['metadata']['name']}:{c['name']}"
        security = c.get("securityContext", {})
        if not (security.get("runAsNonRoot") or pod_security.get("runAsNonRoot")):
            problems.append(f"{where}: runAsNonRoot is not set")
        if security.get("runAsUser") == 0:
            problems.append(f"{where}: runs as root")
        if security.get("readOnlyRootFilesystem") is not True:
            problems.append(f"{where}: root file system is writable")
        if security.get("allowPrivilegeEscalation") is not False:
            problems.append(f"{where}: may escalate privileges")
        if security.get("capabilities", {}).get("drop") != ["ALL"]:
            problems.append(f"{where}: capabilities are not all dropped")
        if security.get("capabilities", {}).get("add"):
            problems.append(f"{where}: adds capabilities")
        resources = c.get("resources", {})
        for bound in ("requests", "limits"):
            for resource in ("cpu", "memory"):
                if resource not in resources.get(bound, {}):
                    problems.append(f"{where}: no {resource} {bound}")
        image = c.get("image", "")
        if ":" not in image.rsplit("/", 1)[-1] and "@sha256:" not in image:
            problems.append(f"{where}: image {image!r} has no tag")
        if image.endswith(":latest"):
            problems.append(f"{where}: image {image!r} is :latest")
        if workload["kind"] == "Deployment":
            for probe, path in (("livenessProbe", "/health"), ("readinessProbe", "/ready")):
                if c.get(probe, {}).get("httpGet", {}).get("path") != path:
                    problems.append(f"{where}: {probe} is not GET {path}")
    return problems


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_container_is_probed_limited_and_unprivileged(rendered: Rendered, overlay: str) -> None:
    workloads = [m for m in rendered[overlay] if m["kind"] in WORKLOADS]
    assert workloads
    problems = [p for w in workloads for p in container_problems(w)]
    assert not problems, "\n".join(problems)


def test_the_container_rules_catch_a_bare_container(rendered: Rendered) -> None:
    deployment = {"kind": "Deployment", "metadata": {"name": "bare"},
                  "spec": {"template": {"spec": {"containers": [{"name": "app", "image": "eportal/bare"}]}}}}
    problems = "\n".join(container_problems(deployment))
    for lack in ("runAsNonRoot", "writable", "escalate", "capabilities", "no cpu limits", "no memory requests",
                 "no tag", "livenessProbe", "readinessProbe"):
        assert lack in problems


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_service_has_its_deployment_service_budget_and_migration(rendered: Rendered, overlay: str) -> None:
    manifests = rendered[overlay]
    for service in SERVICES:
        deployment = named(manifests, "Deployment", service)
        pod_labels = deployment["spec"]["template"]["metadata"]["labels"]
        selector = deployment["spec"]["selector"]["matchLabels"]
        assert selector.items() <= pod_labels.items()
        assert named(manifests, "Service", service)["spec"]["selector"] == selector
        assert named(manifests, "PodDisruptionBudget", service)["spec"]["selector"]["matchLabels"] == selector
        port = pod_spec(deployment)["containers"][0]["ports"][0]
        assert port["name"] == "http"
        assert port["containerPort"] == service_runtime(service).settings.http_port

        job = named(manifests, "Job", f"{service}-migrate")
        migrate = pod_spec(job)["containers"][0]
        assert migrate["command"] == ["python", "-m", "kit.migrate", service]
        assert migrate["image"] == pod_spec(deployment)["containers"][0]["image"], "the Job migrates this release"
        # The Job's pods must not be behind the Service.
        assert not selector.items() <= job["spec"]["template"]["metadata"]["labels"].items()


def _env(container: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {e["name"]: e for e in container.get("env", [])}


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_each_service_has_its_own_database_and_role(rendered: Rendered, overlay: str) -> None:
    manifests = rendered[overlay]
    (cluster,) = of_kind(manifests, "Cluster")
    roles = {r["name"]: r for r in cluster["spec"]["managed"]["roles"]}
    databases = {d["spec"]["name"]: d["spec"] for d in of_kind(manifests, "Database")}
    hba = cluster["spec"]["postgresql"]["pg_hba"]
    for service in SERVICES:
        assert roles[service]["login"] is True
        assert roles[service]["passwordSecret"]["name"] == f"eportal-db-{service}"
        assert databases[service]["owner"] == service
        assert databases[service]["cluster"]["name"] == cluster["metadata"]["name"]
        assert f"hostssl {service} {service} all scram-sha-256" in hba
        for workload in (named(manifests, "Deployment", service), named(manifests, "Job", f"{service}-migrate")):
            env = _env(pod_spec(workload)["containers"][0])
            for var, key in (("EPORTAL_DB_USER", "username"), ("EPORTAL_DB_PASSWORD", "password")):
                ref = env[var]["valueFrom"]["secretKeyRef"]
                assert (ref["name"], ref["key"]) == (f"eportal-db-{service}", key)
            url = env["EPORTAL_DATABASE_URL"]["value"]
            assert re.fullmatch(
                rf"postgresql://\$\(EPORTAL_DB_USER\):\$\(EPORTAL_DB_PASSWORD\)@{cluster['metadata']['name']}-rw"
                rf":5432/{service}\?sslmode=require", url), url
    # A role may open its own database and no other: after the lines above, every role is refused.
    reject = hba[-1].split()
    assert reject[0] == "host"
    assert reject[1] == "all"
    assert set(reject[2].split(",")) == set(SERVICES)
    assert reject[-1] == "reject"


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_postgres_is_backed_up(rendered: Rendered, overlay: str) -> None:
    manifests = rendered[overlay]
    (cluster,) = of_kind(manifests, "Cluster")
    backup = cluster["spec"]["backup"]
    store = backup["barmanObjectStore"]
    assert store["destinationPath"].startswith("s3://")
    assert store["s3Credentials"]["accessKeyId"]["name"] == "eportal-pg-backup"
    assert store["wal"]["compression"]
    assert backup["retentionPolicy"]
    (scheduled,) = of_kind(manifests, "ScheduledBackup")
    assert scheduled["spec"]["cluster"]["name"] == cluster["metadata"]["name"]
    assert scheduled["spec"]["method"] == "barmanObjectStore"


def test_each_overlay_backs_up_to_its_own_bucket(rendered: Rendered) -> None:
    paths = [of_kind(rendered[o], "Cluster")[0]["spec"]["backup"]["barmanObjectStore"]["destinationPath"]
             for o in OVERLAYS]
    assert len(set(paths)) == len(paths)


def _topics(manifests: list[Manifest]) -> dict[str, dict[str, Any]]:
    return {t["spec"].get("topicName", t["metadata"]["name"]): t["spec"] for t in of_kind(manifests, "KafkaTopic")}


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_contract_topic_and_dead_letter_topic_is_declared(rendered: Rendered, overlay: str) -> None:
    declared = _topics(rendered[overlay])
    wanted = {spec.name for spec in topics.ALL} | {topics.dead_letter_topic(s) for s in SERVICES}
    assert set(declared) == wanted
    for spec in topics.ALL:
        config = declared[spec.name].get("config", {})
        if spec.retention_ms is not None:
            assert int(config["retention.ms"]) == spec.retention_ms
            # Retention removes whole segments: a segment must close well within the retention.
            assert int(config["segment.ms"]) <= spec.retention_ms
        if spec.partitions is not None:
            assert declared[spec.name]["partitions"] == spec.partitions
        assert config.get("cleanup.policy") == spec.cleanup_policy  # compacted where the contract says so
    (kafka,) = of_kind(rendered[overlay], "Kafka")
    cluster = kafka["metadata"]["name"]
    for topic in of_kind(rendered[overlay], "KafkaTopic"):
        assert topic["metadata"]["labels"]["strimzi.io/cluster"] == cluster
    assert kafka["spec"]["kafka"]["config"]["auto.create.topics.enable"] is False


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_services_create_topics_as_declared(rendered: Rendered, overlay: str) -> None:
    """A service that starts before the topic operator creates the topics itself, from the ConfigMap:
    with the same settings, or the operator could not reconcile them (replicas cannot change)."""
    config = config_map(rendered[overlay], "eportal-config")
    for spec in _topics(rendered[overlay]).values():
        assert spec["replicas"] == int(config["EPORTAL_TOPIC_REPLICATION"])
        assert int(spec["config"]["min.insync.replicas"]) == int(config["EPORTAL_TOPIC_MIN_INSYNC_REPLICAS"])
        assert spec["partitions"] == int(config["EPORTAL_TOPIC_PARTITIONS"])


def test_production_kafka_survives_a_broker(rendered: Rendered) -> None:
    prod = rendered["prod"]
    brokers = sum(p["spec"]["replicas"] for p in of_kind(prod, "KafkaNodePool") if "broker" in p["spec"]["roles"])
    controllers = sum(p["spec"]["replicas"] for p in of_kind(prod, "KafkaNodePool")
                      if "controller" in p["spec"]["roles"])
    assert brokers == 3
    assert controllers >= 3
    assert controllers % 2 == 1
    (kafka,) = of_kind(prod, "Kafka")
    assert kafka["metadata"]["annotations"]["strimzi.io/kraft"] == "enabled"
    assert kafka["metadata"]["annotations"]["strimzi.io/node-pools"] == "enabled"
    assert "zookeeper" not in kafka["spec"]
    config = kafka["spec"]["kafka"]["config"]
    assert config["min.insync.replicas"] == 2
    assert config["offsets.topic.replication.factor"] == 3
    for spec in _topics(prod).values():
        assert spec["replicas"] == 3
        assert int(spec["config"]["min.insync.replicas"]) == 2
    (cluster,) = of_kind(prod, "Cluster")
    assert cluster["spec"]["instances"] >= 3
    for scaled in of_kind(prod, "ScaledObject"):
        assert scaled["spec"]["minReplicaCount"] >= 2


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_consumers_scale_on_their_lag(rendered: Rendered, overlay: str) -> None:
    manifests = rendered[overlay]
    namespace = of_kind(manifests, "Namespace")[0]["metadata"]["name"]
    config = config_map(manifests, "eportal-config")
    partitions = int(config["EPORTAL_TOPIC_PARTITIONS"])
    for service in SERVICES:
        scaled = named(manifests, "ScaledObject", service)
        assert scaled["spec"]["scaleTargetRef"]["name"] == service
        # More consumers than partitions would stand idle.
        assert scaled["spec"]["maxReplicaCount"] <= partitions or service == "gateway"
        kafka = [t for t in scaled["spec"]["triggers"] if t["type"] == "kafka"]
        runtime = service_runtime(service)
        if runtime.subscribed_topics:
            assert kafka, f"{service} consumes {runtime.subscribed_topics} but does not scale on its lag"
        else:
            # A group that never commits looks to KEDA as lagging on every topic: it would scale to the max.
            assert not kafka, f"{service} consumes nothing: a lag trigger would keep it at maxReplicaCount"
        # One trigger for each topic's group (kit/messaging.py): a group KEDA is not told of would lag unseen.
        assert sorted(t["metadata"]["topic"] for t in kafka) == runtime.subscribed_topics
        for trigger in kafka:
            assert trigger["metadata"]["consumerGroup"] == runtime.settings.consumer_group_for(
                trigger["metadata"]["topic"])
            # KEDA's operator lives in its own namespace: the address it reads must name ours.
            bootstrap = config[trigger["metadata"]["bootstrapServersFromEnv"]]
            assert f".{namespace}.svc:" in bootstrap


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_only_the_gateway_is_reachable_from_outside(rendered: Rendered, overlay: str) -> None:
    manifests = rendered[overlay]
    (ingress,) = of_kind(manifests, "Ingress")
    assert ingress["spec"]["tls"][0]["secretName"]
    assert set(ingress["spec"]["tls"][0]["hosts"]) == {r["host"] for r in ingress["spec"]["rules"]}
    backends = {p["backend"]["service"]["name"] for r in ingress["spec"]["rules"] for p in r["http"]["paths"]}
    assert backends == {"gateway"}
    for service in of_kind(manifests, "Service"):
        assert service["spec"].get("type", "ClusterIP") == "ClusterIP"

    policies = of_kind(manifests, "NetworkPolicy")
    deny = [p for p in policies if p["spec"]["podSelector"] == {"matchLabels": {"app.kubernetes.io/part-of": "eportal"}}
            and set(p["spec"]["policyTypes"]) == {"Ingress", "Egress"} and not p["spec"].get("ingress")
            and not p["spec"].get("egress")]
    assert deny, "everything of eportal starts denied"
    for policy in policies:
        target = policy["spec"]["podSelector"].get("matchLabels", {})
        for rule in policy["spec"].get("ingress", []):
            for peer in rule.get("from", []):
                outside = "ipBlock" in peer or "namespaceSelector" in peer
                source = peer.get("namespaceSelector", {}).get("matchLabels", {}).get("kubernetes.io/metadata.name")
                if outside and source not in ("monitoring", "cnpg-system"):
                    assert target.get("app.kubernetes.io/name") == "gateway", policy["metadata"]["name"]
        for rule in policy["spec"].get("egress", []):
            for peer in rule.get("to", []):
                if "ipBlock" in peer:  # outside the cluster: notify to its providers, identity to ID-porten (HTTPS)
                    allowed = {"notify": {25, 465, 587, 443}, "identity": {443}}
                    assert target.get("app.kubernetes.io/name") in allowed, policy["metadata"]["name"]
                    assert {p["port"] for p in rule["ports"]} <= allowed[target["app.kubernetes.io/name"]]
                if "app.kubernetes.io/name" in peer.get("podSelector", {}).get("matchLabels", {}):
                    assert target.get("app.kubernetes.io/name") == "gateway", "only the gateway calls services"
    # Every service answers the gateway (its only caller).
    answered = {p["spec"]["podSelector"]["matchLabels"].get("app.kubernetes.io/name") for p in policies
                if any(peer.get("podSelector", {}).get("matchLabels", {}).get("app.kubernetes.io/name") == "gateway"
                       for rule in p["spec"].get("ingress", []) for peer in rule.get("from", []))}
    assert answered == set(SERVICES) - {"gateway"}
    # Pods are selected by the label kustomize puts on every eportal pod template.
    for workload in (m for m in manifests if m["kind"] in WORKLOADS):
        assert workload["spec"]["template"]["metadata"]["labels"]["app.kubernetes.io/part-of"] == "eportal"


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_pods_are_admitted_under_the_restricted_standard(rendered: Rendered, overlay: str) -> None:
    (namespace,) = of_kind(rendered[overlay], "Namespace")
    assert namespace["metadata"]["labels"]["pod-security.kubernetes.io/enforce"] == "restricted"
    for workload in (m for m in rendered[overlay] if m["kind"] in WORKLOADS):
        assert pod_spec(workload)["securityContext"]["seccompProfile"]["type"] == "RuntimeDefault"
        assert pod_spec(workload)["automountServiceAccountToken"] is False


# Secrets: referenced by name, made in the cluster, never written in the repository.

SECRET_NAME = re.compile(r"(PASSWORD|SECRET|TOKEN|API_KEY|PRIVATE_KEY|CREDENTIALS?)$", re.IGNORECASE)
SECRET_TEXT = [
    re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----"),
    re.compile(r"\bAKIA[0-9A-Z]{16}\b"),  # an AWS access key id
    re.compile(r"(?i)\b(password|passwd|secret|token|api[_-]?key)\s*[:=]\s*['\"]?(?!\$\(|\{\{|<)[^\s'\"#]{8,}"),
    re.compile(r"postgres(ql)?://[^:/\s]+:(?!\$\()[^@\s]+@"),  # a password written into a URL
]


def secret_values_in(text: str) -> list[str]:
    return [m.group(0) for pattern in SECRET_TEXT for m in pattern.finditer(text)]


def test_the_secret_scanner_finds_what_it_looks_for() -> None:
    assert secret_values_in("password: hunter2hunter2")
    assert secret_values_in("EPORTAL_DATABASE_URL=postgresql://booking:s3cretvalue@db/booking")
    assert secret_values_in("-----BEGIN RSA PRIVATE KEY-----")
    assert not secret_values_in("value: postgresql://$(EPORTAL_DB_USER):$(EPORTAL_DB_PASSWORD)@eportal-pg-rw/x")
    assert not secret_values_in("passwordSecret:\n  name: eportal-db-booking")


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_no_secret_is_rendered(rendered: Rendered, overlay: str) -> None:
    manifests = rendered[overlay]
    assert not of_kind(manifests, "Secret"), "Secrets are made in the cluster (docs/operations.md), not shipped"
    for workload in (m for m in manifests if m["kind"] in WORKLOADS):
        for c in containers(workload):
            for name, var in _env(c).items():
                if SECRET_NAME.search(name):
                    assert "valueFrom" in var, f"{workload['metadata']['name']}: {name} is written out"
    for cm in of_kind(manifests, "ConfigMap"):
        for key, value in cm.get("data", {}).items():
            assert not SECRET_NAME.search(key), f"{cm['metadata']['name']}: {key}"
            assert not secret_values_in(f"{key}: {value}")


def _tracked_files(*folders: str) -> list[Path]:
    return [p for folder in folders for p in (ROOT / folder).rglob("*") if p.is_file()]


def test_no_secret_value_in_the_deployment_tree() -> None:
    files = _tracked_files("deploy/k8s", "deploy/docker")
    assert files
    found = {}
    for path in files:
        if path.is_relative_to(K8S / "schemas"):
            continue  # the operators' CRDs: descriptions of fields, no values
        hits = secret_values_in(path.read_text(errors="replace"))
        if hits:
            found[str(path.relative_to(ROOT))] = hits
    assert not found, found
