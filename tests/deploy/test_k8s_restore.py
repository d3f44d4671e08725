"""Point-in-time recovery in the manifests (issue 21, item 3): deploy/k8s/restore/<overlay> renders the overlay
with its PostgreSQL cluster bootstrapped from the overlay's own object-store archive up to a target time,
archiving under a new server name, and valid against CloudNativePG's Cluster schema. Everything but the
Cluster is the overlay as it is, so a restore changes nothing else."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest

from tests.deploy.conftest import K8S, OVERLAYS, Manifest, of_kind, render
from tests.deploy.test_k8s_manifests import validate_custom

pytestmark = pytest.mark.deploy


def as_api_server_reads(value: Any) -> Any:
    """kustomize writes the target time unquoted; the API server keeps it a string (YAML's timestamps are not
    types to it), where PyYAML would make a datetime of it."""
    if isinstance(value, dict):
        return {k: as_api_server_reads(v) for k, v in value.items()}
    if isinstance(value, list):
        return [as_api_server_reads(v) for v in value]
    return value.isoformat(sep=" ") if isinstance(value, datetime) else value


@pytest.fixture(scope="module")
def restores() -> dict[str, list[Manifest]]:
    return {overlay: [as_api_server_reads(m) for m in render(K8S / "restore" / overlay)] for overlay in OVERLAYS}


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_the_restore_recovers_the_overlays_archive_to_a_point_in_time(
        rendered: dict[str, list[Manifest]], restores: dict[str, list[Manifest]], overlay: str) -> None:
    (live,) = of_kind(rendered[overlay], "Cluster")
    (cluster,) = of_kind(restores[overlay], "Cluster")
    validate_custom(cluster)
    recovery = cluster["spec"]["bootstrap"]["recovery"]
    (archive,) = cluster["spec"]["externalClusters"]
    assert recovery["source"] == archive["name"]
    datetime.fromisoformat(recovery["recoveryTarget"]["targetTime"])
    store = archive["barmanObjectStore"]
    live_store = live["spec"]["backup"]["barmanObjectStore"]
    assert store["destinationPath"] == live_store["destinationPath"], "recovers from the overlay's own bucket"
    assert store["serverName"] == live_store.get("serverName", live["metadata"]["name"])
    assert store["s3Credentials"] == live_store["s3Credentials"]
    new_archive = cluster["spec"]["backup"]["barmanObjectStore"]
    assert new_archive["serverName"] != store["serverName"], "the old archive must stay as it was"
    assert new_archive["destinationPath"] == live_store["destinationPath"]


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_a_restore_changes_nothing_but_the_cluster(rendered: dict[str, list[Manifest]],
                                                   restores: dict[str, list[Manifest]], overlay: str) -> None:
    def others(manifests: list[Manifest]) -> list[Manifest]:
        return sorted((m for m in manifests if m["kind"] != "Cluster"),
                      key=lambda m: (m["kind"], m["metadata"]["name"]))
    assert others(restores[overlay]) == [as_api_server_reads(m) for m in others(rendered[overlay])]
