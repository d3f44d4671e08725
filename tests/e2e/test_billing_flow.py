"""Giro billing end to end, in-process: identity, econsult and billing on the real PostgreSQL and Kafka,
the real gateway routes in front (only the session is stood in for, until identity's login lands).

The patient asks, the GP answers; billing hears `EConsultAnswered` through Kafka and issues one 259 kr
invoice that the patient sees with its giro PDF; after the due date the overdue job marks it and tells
identity (`ClaimsStatusChanged`); the billing office uploads the bank's OCR file through the gateway and
the payment settles it. A declined eConsultation is never billed. The same flow through the running
system (login, mail sink, refusals with `access.unpaid_claims`) is `test_billing_live.py`.
"""

from __future__ import annotations

import importlib
import secrets
import uuid
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from io import BytesIO
from typing import Any

import asyncpg
import httpx
import pytest
from pypdf import PdfReader

from billing.domain.ocr import OcrAssignment, OcrTransaction, OcrTransmission
from billing.domain.ocr_writer import render
from contracts.envelope import Envelope
from gateway import auth
from gateway.domain.principal import Principal
from gateway.settings import GatewaySettings
from kit.clock import OSLO, FixedClock
from kit.demo import synthetic_national_id
from tests.support.gateway import record_audits
from tests.support.kafka import committed_everything, read_topic, wait_for
from tests.support.services import InProcessServices, StackEnv, running

pytestmark = pytest.mark.stack

START = datetime(2026, 3, 2, 12, 0, tzinfo=OSLO)  # Monday; the answer comes Tuesday, due 14 days later


@dataclass
class Clinic:
    gateway: httpx.AsyncClient
    services: dict[str, httpx.AsyncClient]
    settings: Any
    clock: FixedClock
    billing_dsn: str
    who: dict[str, Principal]

    def act_as(self, principal: Principal) -> None:
        self.who["principal"] = principal

    async def events(self, topic: str) -> list[Envelope]:
        records = await read_topic(self.settings.kafka_bootstrap, self.settings.topic(topic))
        return [Envelope.model_validate_json(r.value) for r in records]


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
            extra = {"overdue_check_seconds": 0.2} if service == "billing" else {}
            app = build(stack_env.settings(service, topic_prefix=prefix, **extra), clock=clock)
            clients[service] = await stack.enter_async_context(running(app, base_url=f"http://{service}"))
        from gateway.bootstrap import build as build_gateway
        gateway_app = build_gateway(GatewaySettings(env="test", database_url=stack_env.dsns["gateway"]), clock=clock)
        gateway_app.state.gateway.services = InProcessServices(clients)
        record_audits(gateway_app)  # the gateway tests check the audit records; here the flow
        gateway = await stack.enter_async_context(
            httpx.AsyncClient(transport=httpx.ASGITransport(app=gateway_app), base_url="http://gateway"))
        yield Clinic(gateway, clients, stack_env.settings("billing", topic_prefix=prefix), clock,
                     stack_env.dsns["billing"], who)


async def register(clinic: Clinic, gp: uuid.UUID, born: date | None = None) -> uuid.UUID:
    while True:
        birth = born or date(1940, 1, 1) + timedelta(days=secrets.randbelow(20_000))
        response = await clinic.services["identity"].post("/internal/patients", json={
            "national_id": synthetic_national_id(birth, secrets.randbelow(1000)), "name": "Kari Nordmann",
            "birth_date": birth.isoformat(), "mobile": "912 34 567", "email": "kari@example.no",
            "gp_id": str(gp), "first_contact_done": True})
        if response.status_code != 409:
            break
    assert response.status_code == 201, response.text
    patient_id = uuid.UUID(response.json()["id"])

    async def known_to_billing() -> bool:
        conn = await asyncpg.connect(clinic.billing_dsn)
        try:
            return bool(await conn.fetchval("SELECT count(*) FROM patient_directory WHERE patient_id = $1",
                                            patient_id))
        finally:
            await conn.close()

    async def known_to_econsult() -> bool:
        guidance = await clinic.services["econsult"].get("/internal/guidance", params={"patient_id": str(patient_id)})
        return bool(guidance.json()["gp_id"] == str(gp))

    await wait_for(known_to_billing, timeout=60, what="the patient in billing's directory")
    await wait_for(known_to_econsult, timeout=60, what="the patient in econsult's directory")
    return patient_id


async def ask_and_handle(clinic: Clinic, patient: Principal, doctor: Principal, handling: str) -> str:
    clinic.act_as(doctor)
    assert (await clinic.gateway.put("/api/v1/staff/econsult-availability", json={"open": True})).status_code == 200
    clinic.act_as(patient)
    sent = await clinic.gateway.post("/api/v1/econsultations",
                                     json={"text": "Kan jeg ta Paracet sammen med Ibux?", "accepted_terms": True})
    assert sent.status_code == 201, sent.text
    assert sent.json()["price"]["amount_nok"] == "259,00 kr"
    econsult_id: str = sent.json()["id"]
    clinic.act_as(doctor)
    clinic.clock.advance(timedelta(days=1))
    body = {"text": "Ja, det går fint."} if handling == "answer" else {"reason": "Bestill time."}
    handled = await clinic.gateway.post(f"/api/v1/staff/econsultations/{econsult_id}/{handling}", json=body)
    assert handled.status_code == 200, handled.text
    return econsult_id


async def claims_told(clinic: Clinic, patient_id: uuid.UUID) -> list[bool]:
    return [e.payload["has_unsettled_claims"] for e in await clinic.events("claims")
            if e.payload["patient_id"] == str(patient_id)]


async def test_answered_invoiced_overdue_and_paid_by_the_banks_ocr_file(clinic: Clinic) -> None:
    gp = uuid.uuid4()
    patient_id = await register(clinic, gp)
    patient = Principal(kind="patient", subject_id=patient_id, role="patient", session_id="p", gp_id=gp)
    doctor = Principal(kind="staff", subject_id=gp, role="doctor", session_id="d")
    office = Principal(kind="staff", subject_id=uuid.uuid4(), role="billing", session_id="b")
    await ask_and_handle(clinic, patient, doctor, "answer")

    clinic.act_as(patient)

    async def invoiced() -> bool:
        return bool((await clinic.gateway.get("/api/v1/invoices")).json()["items"])
    await wait_for(invoiced, timeout=60, what="the invoice in the patient's list")
    [invoice] = (await clinic.gateway.get("/api/v1/invoices")).json()["items"]
    assert (invoice["amount_ore"], invoice["amount_nok"], invoice["status"]) == (25900, "259,00 kr", "open")
    assert (invoice["issued_on"], invoice["due_date"]) == ("2026-03-03", "2026-03-17")
    pdf = await clinic.gateway.get(invoice["pdf_url"])
    assert pdf.status_code == 200
    assert pdf.headers["content-type"] == "application/pdf"
    giro = PdfReader(BytesIO(pdf.content)).pages[0].extract_text()
    assert invoice["kid"] in giro
    assert "17.03.2026" in giro

    clinic.clock.advance(timedelta(days=15))  # 18 March: the day after the due date

    async def overdue() -> bool:
        return bool((await clinic.gateway.get("/api/v1/invoices")).json()["items"][0]["status"] == "overdue")
    await wait_for(overdue, timeout=60, what="the overdue job")

    async def claims(expected: list[bool]) -> bool:
        return await claims_told(clinic, patient_id) == expected
    await wait_for(lambda: claims([True]), timeout=60, what="ClaimsStatusChanged(true) on Kafka")

    clinic.act_as(office)
    listed = (await clinic.gateway.get("/api/v1/staff/invoices", params={"status": "overdue"})).json()["items"]
    assert invoice["id"] in [i["id"] for i in listed]
    paid_on = date(2026, 3, 19)
    payment = OcrTransaction(1, 10, paid_on, 25900, invoice["kid"], bank_date=date(2026, 3, 18))
    account = clinic.settings.clinic_account_number
    ocr = render(OcrTransmission("0000042", (OcrAssignment("0000001", account, (payment,)),)), paid_on)
    uploaded = await clinic.gateway.post("/api/v1/staff/payments/ocr",
                                         files={"file": ("OCR.txt", ocr.encode("iso-8859-1"), "text/plain")})
    assert uploaded.status_code == 200, uploaded.text
    assert uploaded.json()["summary"]["paid"] == 1
    again = await clinic.gateway.post("/api/v1/staff/payments/ocr",
                                      files={"file": ("OCR.txt", ocr.encode("iso-8859-1"), "text/plain")})
    assert again.json()["already_imported"] is True

    clinic.act_as(patient)
    [settled] = (await clinic.gateway.get("/api/v1/invoices")).json()["items"]
    assert (settled["status"], settled["paid_ore"]) == ("paid", 25900)
    await wait_for(lambda: claims([True, False]), timeout=60, what="ClaimsStatusChanged(false) on Kafka")
    paid = [e for e in await clinic.events("invoices") if e.event_type == "InvoicePaid"
            and e.payload["invoice_id"] == invoice["id"]]
    assert [e.payload["status"] for e in paid] == ["paid"]


async def test_a_declined_econsultation_is_not_billed(clinic: Clinic) -> None:
    gp = uuid.uuid4()
    patient_id = await register(clinic, gp)
    patient = Principal(kind="patient", subject_id=patient_id, role="patient", session_id="p", gp_id=gp)
    doctor = Principal(kind="staff", subject_id=gp, role="doctor", session_id="d")
    econsult_id = await ask_and_handle(clinic, patient, doctor, "decline")
    await wait_for(lambda: _declined_on_kafka(clinic, econsult_id), timeout=60, what="EConsultDeclined on Kafka")
    await wait_for(lambda: committed_everything(clinic.settings, clinic.settings.topic("econsultations")),
                   timeout=60, what="billing to have read the whole topic")
    clinic.act_as(patient)
    assert (await clinic.gateway.get("/api/v1/invoices")).json()["items"] == []


async def _declined_on_kafka(clinic: Clinic, econsult_id: str) -> bool:
    return any(e.event_type == "EConsultDeclined" and e.aggregate_id == econsult_id
               for e in await clinic.events("econsultations"))
