"""Who the client is, for the per-address login limit: the gateway behind the cluster's ingress must read the
address the ingress saw (one trusted X-Forwarded-For hop), or every patient would share the ingress pod's
address and its 30 login starts per 15 minutes (tests/security/test_login_abuse.py tests the limit itself)."""

from __future__ import annotations

import pytest

from tests.deploy.conftest import K8S, OVERLAYS, config_map, of_kind, render


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_the_gateway_behind_the_ingress_trusts_exactly_one_hop(overlay: str) -> None:
    manifests = render(K8S / "overlays" / overlay)
    assert of_kind(manifests, "Ingress"), "the gateway is reached through an ingress"
    assert config_map(manifests, "eportal-gateway")["EPORTAL_TRUSTED_PROXY_HOPS"] == "1"
