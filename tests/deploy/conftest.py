"""The Kubernetes manifests as a cluster would receive them: every overlay rendered by the real kustomize
(built by `make kustomize`, which `make test` runs first), parsed once per session."""

from __future__ import annotations

import importlib
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from kit.runtime import ServiceRuntime

ROOT = Path(__file__).resolve().parents[2]
K8S = ROOT / "deploy" / "k8s"
OVERLAYS = sorted(p.name for p in (K8S / "overlays").iterdir() if (p / "kustomization.yaml").is_file())
KUSTOMIZE = ROOT / ".tools" / "bin" / "kustomize"
SERVICES = sorted(p.name for p in (ROOT / "services").iterdir() if (p / "pyproject.toml").is_file())

Manifest = dict[str, Any]


def render(path: Path) -> list[Manifest]:
    if not KUSTOMIZE.is_file():
        pytest.fail(f"{KUSTOMIZE.relative_to(ROOT)} is missing: `make kustomize` builds it (make test does)")
    done = subprocess.run([str(KUSTOMIZE), "build", str(path)], capture_output=True, text=True, check=False)
    assert done.returncode == 0, f"kustomize build {path.relative_to(ROOT)} failed:\n{done.stderr}"
    return [doc for doc in yaml.safe_load_all(done.stdout) if doc]


@pytest.fixture(scope="session")
def rendered() -> dict[str, list[Manifest]]:
    """overlay name -> its manifests."""
    return {overlay: render(K8S / "overlays" / overlay) for overlay in OVERLAYS}


def of_kind(manifests: list[Manifest], kind: str) -> list[Manifest]:
    return [m for m in manifests if m["kind"] == kind]


def named(manifests: list[Manifest], kind: str, name: str) -> Manifest:
    found = [m for m in of_kind(manifests, kind) if m["metadata"]["name"] == name]
    assert len(found) == 1, f"expected one {kind}/{name}, found {len(found)}"
    return found[0]


def pod_spec(workload: Manifest) -> dict[str, Any]:
    spec: dict[str, Any] = workload["spec"]["template"]["spec"]
    return spec


def config_map(manifests: list[Manifest], prefix: str) -> dict[str, str]:
    """A generated ConfigMap's data (its name carries a content hash)."""
    found = [m for m in of_kind(manifests, "ConfigMap") if m["metadata"]["name"].rsplit("-", 1)[0] == prefix]
    assert len(found) == 1, f"expected one ConfigMap {prefix}-<hash>"
    data: dict[str, str] = found[0]["data"]
    return data


def service_runtime(service: str) -> ServiceRuntime:
    """The service as its bootstrap wires it; building connects to nothing. Its settings need a
    database address, lent for the build only so no other test sees it."""
    saved = os.environ.get("EPORTAL_DATABASE_URL")
    os.environ["EPORTAL_DATABASE_URL"] = "postgresql://nobody@127.0.0.1:1/none"
    try:
        runtime = importlib.import_module(f"{service}.bootstrap").build().state.runtime
    finally:
        if saved is None:
            del os.environ["EPORTAL_DATABASE_URL"]
        else:
            os.environ["EPORTAL_DATABASE_URL"] = saved
    assert isinstance(runtime, ServiceRuntime)
    return runtime
