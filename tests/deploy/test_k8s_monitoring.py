"""Monitoring in the manifests (issue 21, item 2; issue 14, item 6): every service scraped by a ServiceMonitor on
its own metrics port (never the http port the Ingress reaches, and only from the monitoring namespace), and the
alerts of the PrometheusRule unit-tested with promtool (built by `make promtool`, which make test runs first),
each tested firing, each on metrics the services really export, each with its runbook in docs/operations.md."""

from __future__ import annotations

import copy
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml
from prometheus_client import REGISTRY

from tests.deploy.conftest import (
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

PROMTOOL = ROOT / ".tools" / "bin" / "promtool"
ALERT_TESTS = Path(__file__).with_name("alerts.test.yaml")
OPERATIONS = ROOT / "docs" / "operations.md"
METRICS_PORT = 9464
Rendered = dict[str, list[Manifest]]


def rules(rendered: Rendered, overlay: str) -> list[dict[str, Any]]:
    (rule,) = of_kind(rendered[overlay], "PrometheusRule")
    return [r for group in rule["spec"]["groups"] for r in group["rules"]]


def promtool(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    if not PROMTOOL.is_file():
        pytest.fail(f"{PROMTOOL.relative_to(ROOT)} is missing: `make promtool` builds it (make test does)")
    return subprocess.run([str(PROMTOOL), *args], cwd=cwd, capture_output=True, text=True, check=False, timeout=120)


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_the_alert_rules_pass_their_promtool_unit_tests(rendered: Rendered, overlay: str, tmp_path: Path) -> None:
    (rule,) = of_kind(rendered[overlay], "PrometheusRule")
    (tmp_path / "rules.yaml").write_text(yaml.safe_dump({"groups": rule["spec"]["groups"]}, sort_keys=False))
    shutil.copy(ALERT_TESTS, tmp_path / ALERT_TESTS.name)
    checked = promtool("check", "rules", "rules.yaml", cwd=tmp_path)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    tested = promtool("test", "rules", ALERT_TESTS.name, cwd=tmp_path)
    assert tested.returncode == 0, tested.stdout + tested.stderr


def test_the_promtool_tests_bite(rendered: Rendered, tmp_path: Path) -> None:
    """A rule that never fires (here: a threshold moved out of reach) fails its unit test."""
    (rule,) = of_kind(rendered[OVERLAYS[0]], "PrometheusRule")
    groups = copy.deepcopy(rule["spec"]["groups"])  # the rendered manifests are the session's, unchanged
    for group in groups:
        for r in group["rules"]:
            if r["alert"] == "EportalDeadLetter":
                r["expr"] = r["expr"].replace("> 0", "> 1000")
    (tmp_path / "rules.yaml").write_text(yaml.safe_dump({"groups": groups}, sort_keys=False))
    shutil.copy(ALERT_TESTS, tmp_path / ALERT_TESTS.name)
    tested = promtool("test", "rules", ALERT_TESTS.name, cwd=tmp_path)
    assert tested.returncode != 0
    assert "EportalDeadLetter" in tested.stdout + tested.stderr


def test_every_alert_is_tested_firing_and_has_a_runbook(rendered: Rendered) -> None:
    alerts = {r["alert"]: r for r in rules(rendered, OVERLAYS[0])}
    cases = [case for test in yaml.safe_load(ALERT_TESTS.read_text())["tests"] for case in test["alert_rule_test"]]
    fired = {case["alertname"] for case in cases if case.get("exp_alerts")}
    assert fired == set(alerts), f"tested firing: {sorted(fired)}; alerts: {sorted(alerts)}"
    headings = {m.group(1) for m in re.finditer(r"^### (Eportal\w+)$", OPERATIONS.read_text(), re.MULTILINE)}
    for name, rule in alerts.items():
        assert rule["labels"]["severity"] in ("critical", "warning"), name
        assert rule["annotations"]["runbook_url"] == f"docs/operations.md#{name.lower()}", name
        assert name in headings, f"docs/operations.md has no runbook section '### {name}'"


def _exported() -> set[str]:
    """The metric families the services register (their modules imported by building every service)."""
    for service in SERVICES:
        service_runtime(service)
    return {metric.name for metric in REGISTRY.collect()}


def test_the_alerts_read_metrics_the_services_export(rendered: Rendered) -> None:
    exported = _exported()
    used = {m for r in rules(rendered, OVERLAYS[0]) for m in re.findall(r"\beportal_[a-z_]+", r["expr"])}
    assert used
    for metric in used:
        family = re.sub(r"_(total|bucket|count|sum)$", "", metric)
        assert family in exported, f"{metric}: no service exports it (a typo would never fire)"


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_service_is_scraped_on_its_metrics_port_only(rendered: Rendered, overlay: str) -> None:
    manifests = rendered[overlay]
    assert int(config_map(manifests, "eportal-config")["EPORTAL_METRICS_PORT"]) == METRICS_PORT
    for service in SERVICES:
        assert service_runtime(service).settings.http_port != METRICS_PORT
        container = pod_spec(named(manifests, "Deployment", service))["containers"][0]
        assert {p["name"]: p["containerPort"] for p in container["ports"]}["metrics"] == METRICS_PORT
        svc = named(manifests, "Service", service)
        ports = {p["name"]: p for p in svc["spec"]["ports"]}
        assert ports["metrics"]["targetPort"] == "metrics"
        monitor = named(manifests, "ServiceMonitor", service)
        assert monitor["spec"]["selector"]["matchLabels"].items() <= svc["metadata"]["labels"].items()
        assert [e["port"] for e in monitor["spec"]["endpoints"]] == ["metrics"]
    # The Ingress reaches the gateway's http port only.
    (ingress,) = of_kind(manifests, "Ingress")
    backends = [p["backend"]["service"] for r in ingress["spec"]["rules"] for p in r["http"]["paths"]]
    http_port = {p["name"]: p["port"] for p in named(manifests, "Service", "gateway")["spec"]["ports"]}["http"]
    assert {(b["name"], b["port"].get("name") or b["port"].get("number")) for b in backends} <= {
        ("gateway", "http"), ("gateway", http_port)}
    # Only the monitoring namespace reaches the metrics port; the monitoring namespace reaches nothing else.
    for policy in of_kind(manifests, "NetworkPolicy"):
        for rule in policy["spec"].get("ingress", []):
            ports = {p["port"] for p in rule.get("ports", [])}
            from_monitoring = any(peer.get("namespaceSelector", {}).get("matchLabels", {})
                                  .get("kubernetes.io/metadata.name") == "monitoring" for peer in rule.get("from", []))
            if "metrics" in ports or METRICS_PORT in ports:
                assert from_monitoring, policy["metadata"]["name"]
                assert len(rule["from"]) == 1, policy["metadata"]["name"]
            if from_monitoring and policy["spec"]["podSelector"].get("matchLabels", {}).get(
                    "app.kubernetes.io/part-of") == "eportal":
                assert ports == {"metrics"}, policy["metadata"]["name"]
