"""A logout takes effect at once on the gateway that served it and, through identity's SessionEnded, on every
other gateway that keeps the session (EPORTAL_SESSION_CACHE_SECONDS): here two gateways that would keep it
for an hour, so only the event can make the second one forget it. A guardian's switch to a child is the same
(SessionActingForChanged): no request through another gateway acts for the child chosen before."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from contracts.envelope import Envelope
from contracts.events import ClaimsStatusChanged
from gateway.bootstrap import build as build_gateway
from identity.bootstrap import build as build_identity
from kit.clock import OSLO
from notify.bootstrap import build as build_notify
from tests.support.eventually import eventually
from tests.support.kafka import produce
from tests.support.portal import add_staff, log_in_patient, log_in_staff, register_guardian, register_patient
from tests.support.services import StackEnv, serving
from tests.support.system import System, free_port

pytestmark = pytest.mark.stack

AN_HOUR = 3600.0


@dataclass
class TwoGateways:
    system: System
    one: httpx.AsyncClient
    other: httpx.AsyncClient
    kept_by_other: Any  # the second gateway's session cache


@asynccontextmanager
async def two_gateways(stack_env: StackEnv, tmp_path: Path, refresh_seconds: float = 0.0
                       ) -> AsyncIterator[TwoGateways]:
    """identity and notify, and two gateways in front of them that would each keep a checked session an hour; with
    no refresh of the kept sessions unless `refresh_seconds` (so only the events can make them forget)."""
    prefix = stack_env.fresh_prefix()
    ports = {s: free_port() for s in ("identity", "notify", "gateway", "other_gateway")}
    urls = {s: f"http://127.0.0.1:{p}" for s, p in ports.items()}

    def settings(service: str, port: int, **extra: Any) -> Any:
        return stack_env.settings(service, topic_prefix=prefix, http_port=port, outbox_retry_seconds=0.3, **extra)

    def gateway(port: int) -> Any:
        return build_gateway(settings("gateway", port, identity_url=urls["identity"], notify_url=urls["notify"],
                                      session_cache_seconds=AN_HOUR, session_refresh_seconds=refresh_seconds))

    identity = build_identity(settings("identity", ports["identity"], login_starts_per_address=100_000))
    notify = build_notify(settings("notify", ports["notify"]))
    serving_one, serving_other = gateway(ports["gateway"]), gateway(ports["other_gateway"])
    system = System(gateway_url=urls["gateway"], service_urls=urls, dsns=stack_env.dsns, topic_prefix=prefix,
                    clock_file=tmp_path / "clock", logs=tmp_path)
    async with serving(identity, ports["identity"]), serving(notify, ports["notify"]), \
            serving(serving_one, ports["gateway"]), serving(serving_other, ports["other_gateway"]), \
            httpx.AsyncClient(base_url=urls["gateway"], timeout=30) as one, \
            httpx.AsyncClient(base_url=urls["other_gateway"], timeout=30) as other:
        yield TwoGateways(system, one, other, serving_other.state.gateway.session_cache)


async def test_a_logout_through_one_gateway_ends_the_session_on_the_other_that_kept_it(
        stack_env: StackEnv, tmp_path: Path) -> None:
    async with two_gateways(stack_env, tmp_path) as gateways:
        one, other, kept = gateways.one, gateways.other, gateways.kept_by_other
        patient = await register_patient(gateways.system, uuid.uuid4())
        session = await log_in_patient(one, patient.national_id, patient.mobile)
        for gateway_client in (one, other):  # both check it at identity once, and keep the answer
            assert (await gateway_client.get("/api/v1/me", headers=session.headers)).status_code == 200
        assert kept.get(session.token) is not None

        assert (await one.post("/api/v1/auth/logout", headers=session.headers)).status_code == 204
        assert (await one.get("/api/v1/me", headers=session.headers)).status_code == 401, "at once where served"

        async def forgotten() -> bool:
            return kept.get(session.token) is None
        await eventually(forgotten, "the other gateway to forget the ended session")
        assert (await other.get("/api/v1/me", headers=session.headers)).status_code == 401


async def test_a_switch_to_a_child_through_one_gateway_is_what_the_other_acts_on(
        stack_env: StackEnv, tmp_path: Path) -> None:
    async with two_gateways(stack_env, tmp_path) as gateways:
        one, other, kept = gateways.one, gateways.other, gateways.kept_by_other
        today = datetime.now(OSLO).date()
        reception = await log_in_staff(one, *await add_staff(gateways.system, "reception"))
        child = await register_patient(gateways.system, uuid.uuid4(), born=date(today.year - 7, 1, 15),
                                       name="Emma Hansen")
        parent = await register_guardian(one, reception, child.id)
        session = await log_in_patient(one, parent.national_id, parent.mobile)
        for gateway_client in (one, other):
            me = await gateway_client.get("/api/v1/me", headers=session.headers)
            assert (me.status_code, me.json()["acting_for"]) == (200, None)
        assert kept.get(session.token) is not None

        switched = await one.put("/api/v1/me/acting-for", json={"patient_id": str(child.id)},
                                 headers=session.headers)
        assert switched.status_code == 200, switched.text

        async def forgotten() -> bool:
            return kept.get(session.token) is None
        await eventually(forgotten, "the other gateway to forget whom the session acted for")
        me = (await other.get("/api/v1/me", headers=session.headers)).json()
        assert me["acting_for"]["id"] == str(child.id)

        back = await one.delete("/api/v1/me/acting-for", headers=session.headers)
        assert back.status_code == 204
        await eventually(forgotten, "the other gateway to forget the child again")
        assert (await other.get("/api/v1/me", headers=session.headers)).json()["acting_for"] is None


async def test_a_change_no_gateway_hears_of_reaches_a_kept_session_at_the_next_refresh(
        stack_env: StackEnv, tmp_path: Path) -> None:
    """Billing's word on unpaid claims changes what a patient may do, and only identity hears of it: a gateway that
    keeps the session (here for an hour) sees the restriction at its next refresh of the kept sessions, without a
    request asking identity."""
    async with two_gateways(stack_env, tmp_path, refresh_seconds=0.3) as gateways:
        one, kept = gateways.one, gateways.kept_by_other
        patient = await register_patient(gateways.system, uuid.uuid4())
        session = await log_in_patient(one, patient.national_id, patient.mobile)
        assert (await gateways.other.get("/api/v1/me", headers=session.headers)).json()["restrictions"] == []

        at = datetime.now(UTC)
        owes = ClaimsStatusChanged(patient_id=patient.id, has_unsettled_claims=True, changed_at=at)
        await produce(stack_env.settings("identity", topic_prefix=gateways.system.topic_prefix),
                      Envelope.wrap(owes, occurred_at=at, correlation_id="test-claims").model_dump_json().encode(),
                      key=str(patient.id).encode(), topic=owes.topic)

        async def restricted() -> bool:
            found = kept.get(session.token)
            return found is not None and "access.unpaid_claims" in found.restrictions
        await eventually(restricted, "the kept session to carry the restriction after a refresh")
        me = await gateways.other.get("/api/v1/me", headers=session.headers)
        assert me.json()["restrictions"] == ["access.unpaid_claims"]
