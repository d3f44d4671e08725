"""deploy/k8s/rollout.sh against a stand-in kubectl that records what it is asked: no cluster here, so
the order is what is tested (migrations complete before any service changes; a failed one stops it)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from tests.deploy.conftest import K8S, KUSTOMIZE, OVERLAYS

pytestmark = pytest.mark.deploy

FAKE_KUBECTL = """#!/usr/bin/env bash
echo "$*" >> "$KUBECTL_LOG"
if [[ "$*" == *"wait job"* && -n "${FAIL_MIGRATION:-}" ]]; then exit 1; fi
if [[ "$*" == *"get deployment"* ]]; then printf 'deployment.apps/booking\\ndeployment.apps/gateway\\n'; fi
exit 0
"""


def roll_out(overlay: str, tmp_path: Path, **extra_env: str) -> tuple[subprocess.CompletedProcess[str], list[str]]:
    if not KUSTOMIZE.is_file():
        pytest.fail("`make kustomize` builds the kustomize the rollout uses (make test does)")
    kubectl = tmp_path / "kubectl"
    kubectl.write_text(FAKE_KUBECTL)
    kubectl.chmod(0o755)
    log = tmp_path / "calls"
    env = dict(os.environ, KUBECTL=str(kubectl), KUBECTL_LOG=str(log), **extra_env)
    done = subprocess.run(["bash", str(K8S / "rollout.sh"), overlay], env=env, capture_output=True, text=True,
                          check=False)
    return done, log.read_text().splitlines() if log.exists() else []


def position(calls: list[str], *words: str) -> int:
    matching = [i for i, call in enumerate(calls) if all(w in call for w in words)]
    assert matching, f"no call with {words}: {calls}"
    return matching[0]


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_migrations_complete_before_the_services_roll(overlay: str, tmp_path: Path) -> None:
    done, calls = roll_out(overlay, tmp_path)
    assert done.returncode == 0, done.stderr
    namespace = "eportal" if overlay == "prod" else f"eportal-{overlay}"
    platform = position(calls, "apply", "notin (migration,server)")
    ready = position(calls, "wait", "cluster.postgresql.cnpg.io/eportal-pg")
    delete_old = position(calls, "delete job", "component=migration")
    migrate = position(calls, "apply", "-l app.kubernetes.io/component=migration")
    wait = position(calls, "wait job", "condition=Complete")
    services = position(calls, "apply", "-l app.kubernetes.io/component=server")
    assert platform < ready < delete_old < migrate < wait < services
    assert position(calls, "rollout status deployment.apps/gateway") > services
    assert all(f"-n {namespace}" in call for call in calls if "apply" not in call)


def test_a_failed_migration_leaves_the_services_alone(tmp_path: Path) -> None:
    done, calls = roll_out("prod", tmp_path, FAIL_MIGRATION="1")
    assert done.returncode == 1
    assert "services were not rolled out" in done.stderr
    assert not [c for c in calls if "apply" in c and "component=server" in c and "notin" not in c]


def test_an_unknown_overlay_is_refused(tmp_path: Path) -> None:
    done, calls = roll_out("staging-that-does-not-exist", tmp_path)
    assert done.returncode == 2
    assert calls == []
