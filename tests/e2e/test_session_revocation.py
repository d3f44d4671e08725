"""A logout takes effect at once on the gateway that served it and, through identity's SessionEnded, on every
other gateway that keeps the session (EPORTAL_SESSION_CACHE_SECONDS): here two gateways that would keep it
for an hour, so only the event can make the second one forget it."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest

from gateway.bootstrap import build as build_gateway
from identity.bootstrap import build as build_identity
from notify.bootstrap import build as build_notify
from tests.support.eventually import eventually
from tests.support.portal import log_in_patient, register_patient
from tests.support.services import StackEnv, serving
from tests.support.system import System, free_port

pytestmark = pytest.mark.stack

AN_HOUR = 3600.0


async def test_a_logout_through_one_gateway_ends_the_session_on_the_other_that_kept_it(
        stack_env: StackEnv, tmp_path: Path) -> None:
    prefix = stack_env.fresh_prefix()
    ports = {s: free_port() for s in ("identity", "notify", "gateway", "other_gateway")}
    urls = {s: f"http://127.0.0.1:{p}" for s, p in ports.items()}

    def settings(service: str, port: int, **extra: Any) -> Any:
        return stack_env.settings(service, topic_prefix=prefix, http_port=port, outbox_retry_seconds=0.3, **extra)

    def gateway(port: int) -> Any:
        return build_gateway(settings("gateway", port, identity_url=urls["identity"], notify_url=urls["notify"],
                                      session_cache_seconds=AN_HOUR))

    identity = build_identity(settings("identity", ports["identity"], login_starts_per_address=100_000))
    notify = build_notify(settings("notify", ports["notify"]))
    serving_one, serving_other = gateway(ports["gateway"]), gateway(ports["other_gateway"])
    system = System(gateway_url=urls["gateway"], service_urls=urls, dsns=stack_env.dsns, topic_prefix=prefix,
                    clock_file=tmp_path / "clock", logs=tmp_path)
    async with serving(identity, ports["identity"]), serving(notify, ports["notify"]), \
            serving(serving_one, ports["gateway"]), serving(serving_other, ports["other_gateway"]), \
            httpx.AsyncClient(base_url=urls["gateway"], timeout=30) as one, \
            httpx.AsyncClient(base_url=urls["other_gateway"], timeout=30) as other:
        patient = await register_patient(system, uuid.uuid4())
        session = await log_in_patient(one, patient.national_id, patient.mobile)
        for gateway_client in (one, other):  # both check it at identity once, and keep the answer
            assert (await gateway_client.get("/api/v1/me", headers=session.headers)).status_code == 200
        kept = serving_other.state.gateway.session_cache
        assert kept.get(session.token) is not None

        assert (await one.post("/api/v1/auth/logout", headers=session.headers)).status_code == 204
        assert (await one.get("/api/v1/me", headers=session.headers)).status_code == 401, "at once where served"

        async def forgotten() -> bool:
            return kept.get(session.token) is None
        await eventually(forgotten, "the other gateway to forget the ended session")
        assert (await other.get("/api/v1/me", headers=session.headers)).status_code == 401
