"""eConsultation end to end, in-process: identity, econsult and billing on the real PostgreSQL and Kafka,
the real gateway routes in front (only the session is stood in for, until identity's login lands).

A patient registered in identity reaches econsult and billing through Kafka; the GP opens; the patient
reads the guidance with billing's price, asks; the GP reads and answers; the patient sees the answer;
`EConsultAnswered` is on Kafka with ids and dates only. The billing engineer extends this to invoices.
"""

from __future__ import annotations

import importlib
import secrets
import uuid
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import httpx
import pytest

from contracts.envelope import Envelope
from gateway import auth
from gateway.domain.principal import Principal
from gateway.settings import GatewaySettings
from kit.clock import OSLO, FixedClock
from kit.demo import synthetic_national_id
from tests.support.gateway import record_audits
from tests.support.kafka import read_topic, wait_for
from tests.support.services import InProcessServices, StackEnv, running

pytestmark = pytest.mark.stack

# Monday 2 March 2026, 12:00 in Oslo: due five working days later, Monday 9 March.
START = datetime(2026, 3, 2, 12, 0, tzinfo=OSLO)
QUESTION = "Jeg har fått tørrhoste etter at jeg begynte på ny blodtrykksmedisin. Er det vanlig?"
ANSWER = "Ja, det er en kjent bivirkning. Kontakt meg om det ikke går over, så bytter vi."


@dataclass
class Clinic:
    gateway: httpx.AsyncClient
    services: dict[str, httpx.AsyncClient]
    settings: Any
    clock: FixedClock
    audits: list[dict[str, Any]]
    who: dict[str, Principal]

    def act_as(self, principal: Principal) -> None:
        self.who["principal"] = principal


@pytest.fixture
async def clinic(stack_env: StackEnv, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Clinic]:
    prefix = stack_env.fresh_prefix()
    clock = FixedClock(START)
    who: dict[str, Principal] = {}

    async def session(request: Any) -> Principal:
        return who["principal"]

    monkeypatch.setattr(auth, "current_principal", session)
    async with AsyncExitStack() as stack:
        clients = {}
        for service in ("identity", "econsult", "billing"):
            build = importlib.import_module(f"{service}.bootstrap").build
            app = build(stack_env.settings(service, topic_prefix=prefix), clock=clock)
            clients[service] = await stack.enter_async_context(running(app, base_url=f"http://{service}"))
        from gateway.bootstrap import build as build_gateway
        gateway_app = build_gateway(GatewaySettings(env="test", database_url=stack_env.dsns["gateway"]), clock=clock)
        gateway_app.state.gateway.services = InProcessServices(clients)
        audits = record_audits(gateway_app)
        gateway = await stack.enter_async_context(
            httpx.AsyncClient(transport=httpx.ASGITransport(app=gateway_app), base_url="http://gateway"))
        yield Clinic(gateway, clients, stack_env.settings("econsult", topic_prefix=prefix), clock, audits, who)


async def register(clinic: Clinic, gp: uuid.UUID) -> uuid.UUID:
    """A new adult patient on `gp`'s list (a synthetic national ID no other test of the session uses)."""
    while True:
        born = date(1940, 1, 1) + timedelta(days=secrets.randbelow(20_000))
        response = await clinic.services["identity"].post("/internal/patients", json={
            "national_id": synthetic_national_id(born, secrets.randbelow(1000)), "name": "Kari Nordmann",
            "birth_date": born.isoformat(), "mobile": "912 34 567", "gp_id": str(gp), "first_contact_done": True})
        if response.status_code != 409:
            break
    assert response.status_code == 201, response.text
    patient_id = uuid.UUID(response.json()["id"])

    async def known_to_econsult() -> bool:
        guidance = await clinic.services["econsult"].get("/internal/guidance", params={"patient_id": str(patient_id)})
        return bool(guidance.json()["gp_id"] == str(gp))

    await wait_for(known_to_econsult, timeout=60, what="the patient in econsult's directory")
    return patient_id


async def events_of(clinic: Clinic, econsult_id: str) -> list[Envelope]:
    records = await read_topic(clinic.settings.kafka_bootstrap, clinic.settings.topic("econsultations"))
    envelopes = [Envelope.model_validate_json(r.value) for r in records]
    return [e for e in envelopes if e.aggregate_id == econsult_id]


async def test_a_patient_asks_the_gp_answers_and_the_answer_event_is_on_kafka(clinic: Clinic) -> None:
    gp = uuid.uuid4()
    patient_id = await register(clinic, gp)
    patient = Principal(kind="patient", subject_id=patient_id, role="patient", session_id="p", gp_id=gp)
    doctor = Principal(kind="staff", subject_id=gp, role="doctor", session_id="d")
    reception = Principal(kind="staff", subject_id=uuid.uuid4(), role="reception", session_id="r")
    gw = clinic.gateway

    clinic.act_as(patient)
    closed = await gw.post("/api/v1/econsultations", json={"text": QUESTION, "accepted_terms": True})
    assert (closed.status_code, closed.json()["code"]) == (409, "econsult.closed")

    clinic.act_as(doctor)
    opened = await gw.put("/api/v1/staff/econsult-availability", json={"open": True})
    assert opened.status_code == 200, opened.text

    clinic.act_as(patient)
    guidance = await gw.get("/api/v1/econsultations/guidance")
    assert guidance.status_code == 200, guidance.text
    shown = guidance.json()
    assert shown["open"] is True
    assert shown["price"]["amount_ore"] == 25900
    assert shown["price"]["amount_nok"] == "259,00 kr"
    assert len(shown["may_ask"]) == 4
    assert len(shown["may_not_ask"]) == 9
    assert "akutte" in shown["not_acute"]

    unconfirmed = await gw.post("/api/v1/econsultations", json={"text": QUESTION})
    assert unconfirmed.json()["code"] == "econsult.terms_not_accepted"
    too_long = await gw.post("/api/v1/econsultations", json={"text": "e\u0301" * 501, "accepted_terms": True})
    assert (too_long.status_code, too_long.json()["code"]) == (422, "econsult.too_long")
    sent = await gw.post("/api/v1/econsultations", json={"text": QUESTION, "accepted_terms": True})
    assert sent.status_code == 201, sent.text
    econsult = sent.json()
    assert econsult["due_date"] == "2026-03-09"
    assert econsult["price"] == shown["price"]

    clinic.act_as(reception)
    assert (await gw.get(f"/api/v1/staff/econsultations/{econsult['id']}")).status_code == 403

    clinic.act_as(doctor)
    read = await gw.get(f"/api/v1/staff/econsultations/{econsult['id']}")
    assert read.json()["text"] == QUESTION
    clinic.clock.advance(timedelta(days=1))
    answered = await gw.post(f"/api/v1/staff/econsultations/{econsult['id']}/answer", json={"text": ANSWER})
    assert answered.status_code == 200, answered.text
    again = await gw.post(f"/api/v1/staff/econsultations/{econsult['id']}/answer", json={"text": "Igjen"})
    assert (again.status_code, again.json()["code"]) == (409, "econsult.already_handled")

    clinic.act_as(patient)
    mine = (await gw.get("/api/v1/econsultations")).json()["items"]
    assert [(m["status"], m["answer"]) for m in mine] == [("answered", ANSWER)]

    async def answered_on_kafka() -> bool:
        return "EConsultAnswered" in [e.event_type for e in await events_of(clinic, econsult["id"])]

    await wait_for(answered_on_kafka, timeout=60, what="EConsultAnswered on Kafka")
    events = await events_of(clinic, econsult["id"])
    assert [e.event_type for e in events] == ["EConsultSubmitted", "EConsultAnswered"]
    answered_payload = events[1].payload
    assert answered_payload["patient_id"] == str(patient_id)
    assert answered_payload["doctor_id"] == str(gp)
    assert answered_payload["submitted_at"] == events[0].payload["submitted_at"]
    wire = " ".join(e.model_dump_json() for e in events)
    assert "tørrhoste" not in wire
    assert "bivirkning" not in wire
    actions = [(a["by"], a["action"], a.get("outcome", "success")) for a in clinic.audits]
    assert (patient_id, "create", "success") in actions
    assert (gp, "answer", "success") in actions
    assert (gp, "answer", "refused:econsult.already_handled") in actions
    assert (gp, "read", "success") in actions


async def test_a_declined_econsultation_advises_booking_and_is_never_answered(clinic: Clinic) -> None:
    gp = uuid.uuid4()
    patient_id = await register(clinic, gp)
    patient = Principal(kind="patient", subject_id=patient_id, role="patient", session_id="p", gp_id=gp)
    doctor = Principal(kind="staff", subject_id=gp, role="doctor", session_id="d")
    gw = clinic.gateway
    clinic.act_as(doctor)
    await gw.put("/api/v1/staff/econsult-availability", json={"open": True})
    clinic.act_as(patient)
    sent = (await gw.post("/api/v1/econsultations", json={"text": "Vondt i brystet nå", "accepted_terms": True}))
    econsult_id = sent.json()["id"]
    clinic.act_as(doctor)
    declined = await gw.post(f"/api/v1/staff/econsultations/{econsult_id}/decline",
                             json={"reason": "Dette må undersøkes i dag: ring legevakten."})
    assert declined.status_code == 200, declined.text
    clinic.act_as(patient)
    (mine,) = (await gw.get("/api/v1/econsultations")).json()["items"]
    assert (mine["status"], mine["answer"]) == ("declined", None)
    assert "Bestill" in mine["advice"]

    async def declined_on_kafka() -> bool:
        return "EConsultDeclined" in [e.event_type for e in await events_of(clinic, econsult_id)]

    await wait_for(declined_on_kafka, timeout=60, what="EConsultDeclined on Kafka")
    assert [e.event_type for e in await events_of(clinic, econsult_id)] == ["EConsultSubmitted", "EConsultDeclined"]
