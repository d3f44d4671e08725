"""The gateway's eConsultation routes: roles (reception never reads the text), ids from the session, the
price from billing before sending, audit, and econsult's codes passed on unchanged.

econsult and billing are a fake that records calls; the session is a monkeypatched current_principal,
so the real `patient` and `staff("doctor")` checks run."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest

from gateway.bootstrap import build
from gateway.domain.principal import Principal
from gateway.settings import GatewaySettings
from kit.errors import DomainError
from services.gateway.tests import conftest as shared
from services.gateway.tests.conftest import FakeServices, Gateway, gateway_with

PATIENT = uuid.uuid4()
DOCTOR = uuid.uuid4()
ECONSULT = uuid.uuid4()
PRICE = {"copayment_ore": 20400, "fee_ore": 5500, "amount_ore": 25900, "amount_nok": "259,00 kr",
         "exempt": False, "exempt_reason": None}
ITEM = {"id": str(ECONSULT), "patient_id": str(PATIENT), "doctor_id": str(DOCTOR), "status": "open",
        "text": "Hvilke vaksiner trenger jeg?", "due_date": "2026-03-09", "renewal_hint": None}


def a_patient(restrictions: tuple[str, ...] = ()) -> Principal:
    return shared.a_patient(PATIENT, restrictions=restrictions, gp_id=DOCTOR)


def a_staff(role: str, staff_id: uuid.UUID = DOCTOR) -> Principal:
    return shared.a_staff(role, staff_id)


@pytest.fixture
async def gateway(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Gateway]:
    fake = FakeServices()
    fake.answers[("GET", "/internal/prices/econsultation")] = PRICE
    async with gateway_with(monkeypatch, fake, a_patient()) as gateway:
        yield gateway


async def test_the_guidance_lists_what_may_be_asked_with_my_price(gateway: Gateway) -> None:
    gateway.services.answers[("GET", "/internal/guidance")] = {
        "may_ask": ["a"], "may_not_ask": ["b"], "not_acute": "...", "answer_time": "1–5 arbeidsdager",
        "open": True, "gp_id": str(DOCTOR)}
    response = await gateway.client.get("/api/v1/econsultations/guidance", params={"patient_id": str(uuid.uuid4())})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["price"] == PRICE
    assert body["may_ask"] == ["a"]
    assert body["may_not_ask"] == ["b"]
    (_, _, guidance_call), = gateway.services.to("econsult")
    assert guidance_call["params"] == {"patient_id": str(PATIENT)}
    (_, _, price_call), = gateway.services.to("billing")
    assert price_call["params"]["patient_id"] == str(PATIENT)


async def test_sending_uses_the_session_patient_shows_the_price_and_is_audited(gateway: Gateway) -> None:
    gateway.services.answers[("POST", "/internal/econsultations")] = ITEM
    gateway.services.answers[("GET", f"/internal/patients/{PATIENT}/medications")] = {"items": [
        {"id": "m1", "name": "Metformin 500 mg"}, {"id": "m2", "name": "Levaxin"}]}
    response = await gateway.client.post("/api/v1/econsultations",
                                         json={"text": "Hvilke vaksiner trenger jeg?", "accepted_terms": True})
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["price"]["amount_ore"] == 25900
    assert body["due_date"] == "2026-03-09"
    assert "patient_id" not in body
    (_, _, sent), = gateway.services.to("econsult")
    # The patient's medicine names go along, so a question naming one gets the renewal hint (domain-rules.md).
    assert sent["json"] == {"patient_id": str(PATIENT), "text": "Hvilke vaksiner trenger jeg?",
                            "accepted_terms": True, "medicine_names": ["Metformin 500 mg", "Levaxin"]}
    assert gateway.audits == [{"by": PATIENT, "patient_id": PATIENT, "object_type": "econsultation",
                               "object_id": str(ECONSULT), "action": "create"}]


async def test_a_guardian_sends_for_the_child_under_12_and_the_question_names_the_guardian(gateway: Gateway) -> None:
    """econsult keeps who sent it, so notify's SMS about the answer go to that guardian (issue 19)."""
    guardian = uuid.uuid4()
    gateway.act_as(shared.a_guardian_of_a_child_under_12(guardian, PATIENT, gp_id=DOCTOR))
    gateway.services.answers[("POST", "/internal/econsultations")] = ITEM
    gateway.services.answers[("GET", f"/internal/patients/{PATIENT}/medications")] = {"items": []}
    response = await gateway.client.post("/api/v1/econsultations", json={"text": "Hei", "accepted_terms": True})
    assert response.status_code == 201, response.text
    (_, _, sent), = gateway.services.to("econsult")
    assert sent["json"] == {"patient_id": str(PATIENT), "text": "Hei", "accepted_terms": True, "medicine_names": [],
                            "sent_by_guardian_id": str(guardian)}
    (_, _, price_call), = gateway.services.to("billing")
    assert price_call["params"]["patient_id"] == str(PATIENT)  # the child's price (free: under 16)


async def test_without_the_medicine_names_the_question_is_still_sent(gateway: Gateway) -> None:
    gateway.services.answers[("POST", "/internal/econsultations")] = ITEM
    gateway.services.answers[("GET", f"/internal/patients/{PATIENT}/medications")] = DomainError(
        code="upstream.unavailable", status=503)
    response = await gateway.client.post("/api/v1/econsultations", json={"text": "Hei", "accepted_terms": True})
    assert response.status_code == 201, response.text
    (_, _, sent), = gateway.services.to("econsult")
    assert sent["json"]["medicine_names"] == []


class AnsweringTogether(FakeServices):
    """billing's price answers only once prescription has been asked for the medicine names: asked one after the
    other (the price awaited first), the price would wait for ever."""

    def __init__(self) -> None:
        super().__init__()
        self.names_asked = asyncio.Event()

    async def call(self, service: str, method: str, path: str, **kwargs: Any) -> Any:
        if service == "prescription":
            self.names_asked.set()
        if service == "billing":
            await asyncio.wait_for(self.names_asked.wait(), timeout=5)
        return await super().call(service, method, path, **kwargs)


async def test_the_price_and_the_medicine_names_are_asked_for_at_the_same_time(monkeypatch: pytest.MonkeyPatch
                                                                              ) -> None:
    fake = AnsweringTogether()
    fake.answers[("GET", "/internal/prices/econsultation")] = PRICE
    fake.answers[("GET", f"/internal/patients/{PATIENT}/medications")] = {"items": [{"name": "Metformin"}]}
    fake.answers[("POST", "/internal/econsultations")] = ITEM
    async with gateway_with(monkeypatch, fake, a_patient()) as gateway:
        response = await gateway.client.post("/api/v1/econsultations", json={"text": "Hei", "accepted_terms": True})
    assert response.status_code == 201, response.text
    assert response.json()["price"] == PRICE
    (_, _, sent), = fake.to("econsult")
    assert sent["json"]["medicine_names"] == ["Metformin"]


async def test_the_renewal_hint_while_writing_asks_econsults_rule_and_reads_nothing(gateway: Gateway) -> None:
    hint = {"renewal_hint": {"code": "econsult.renewal_hint", "message": "Reseptfornyelse er gratis"}}
    gateway.services.answers[("POST", "/internal/renewal-hint")] = hint
    response = await gateway.client.post("/api/v1/econsultations/renewal-hint", json={
        "text": "Jeg trenger mer Metformin", "medicine_names": ["Metformin 500 mg"]})
    assert (response.status_code, response.json()) == (200, hint)
    assert gateway.services.calls == [("econsult", "POST", "/internal/renewal-hint", {"json": {
        "text": "Jeg trenger mer Metformin", "medicine_names": ["Metformin 500 mg"]}})]
    assert gateway.audits == []  # nothing stored was read or written


async def test_a_patient_withdraws_their_own_unopened_question_and_it_is_audited(gateway: Gateway) -> None:
    path = f"/internal/econsultations/{ECONSULT}/withdraw"
    gateway.services.answers[("POST", path)] = {**ITEM, "status": "withdrawn", "withdrawable": False}
    response = await gateway.client.post(f"/api/v1/econsultations/{ECONSULT}/withdraw")
    assert (response.status_code, response.json()["status"]) == (200, "withdrawn")
    assert "patient_id" not in response.json()
    assert gateway.services.to("econsult") == [("POST", path, {"json": {"patient_id": str(PATIENT)}})]
    assert gateway.audits[-1]["action"] == "withdraw"
    gateway.services.answers[("POST", path)] = DomainError(code="econsult.already_opened", status=409)
    refused = await gateway.client.post(f"/api/v1/econsultations/{ECONSULT}/withdraw")
    assert (refused.status_code, refused.json()["code"]) == (409, "econsult.already_opened")
    assert gateway.audits[-1]["outcome"] == "refused:econsult.already_opened"


async def test_a_patient_id_in_the_body_is_refused(gateway: Gateway) -> None:
    response = await gateway.client.post("/api/v1/econsultations", json={
        "text": "Hei", "accepted_terms": True, "patient_id": str(uuid.uuid4())})
    assert response.status_code == 422
    assert gateway.services.to("econsult") == []


async def test_a_restricted_patient_cannot_send(gateway: Gateway) -> None:
    gateway.act_as(a_patient(("access.unpaid_claims",)))
    response = await gateway.client.post("/api/v1/econsultations", json={"text": "Hei", "accepted_terms": True})
    assert (response.status_code, response.json()["code"]) == (403, "access.unpaid_claims")
    assert gateway.services.calls == []


async def test_without_a_price_nothing_is_sent(gateway: Gateway) -> None:
    gateway.services.answers[("GET", "/internal/prices/econsultation")] = DomainError(
        code="upstream.unavailable", status=502)
    response = await gateway.client.post("/api/v1/econsultations", json={"text": "Hei", "accepted_terms": True})
    assert response.status_code == 502
    assert gateway.services.to("econsult") == []


@pytest.mark.parametrize(("status", "code"), [
    (409, "econsult.closed"), (422, "econsult.empty"), (422, "econsult.too_long"),
    (422, "econsult.terms_not_accepted")])
async def test_econsults_refusals_pass_through_with_their_code_and_are_audited(gateway: Gateway, status: int,
                                                                               code: str) -> None:
    gateway.services.answers[("POST", "/internal/econsultations")] = DomainError(code=code, status=status)
    response = await gateway.client.post("/api/v1/econsultations", json={"text": "x", "accepted_terms": True})
    assert (response.status_code, response.json()["code"]) == (status, code)
    assert gateway.audits[-1]["outcome"] == f"refused:{code}"


async def test_terms_must_be_a_real_true(gateway: Gateway) -> None:
    response = await gateway.client.post("/api/v1/econsultations", json={"text": "Hei", "accepted_terms": "ja"})
    assert response.status_code == 422
    assert gateway.services.to("econsult") == []


async def test_my_econsultations_are_read_with_my_id_and_audited(gateway: Gateway) -> None:
    gateway.services.answers[("GET", "/internal/econsultations")] = {"items": [ITEM]}
    response = await gateway.client.get("/api/v1/econsultations", params={"patient_id": str(uuid.uuid4())})
    assert response.status_code == 200
    assert response.json()["items"][0]["text"] == ITEM["text"]
    (_, _, call), = gateway.services.to("econsult")
    assert call["params"] == {"patient_id": str(PATIENT)}
    assert gateway.audits[0]["action"] == "read"


@pytest.mark.parametrize("role", ["reception", "billing", "admin"])
async def test_only_doctors_reach_the_text_or_answer(gateway: Gateway, role: str) -> None:
    gateway.act_as(a_staff(role, uuid.uuid4()))
    for method, path, body in [
        ("GET", f"/api/v1/staff/econsultations/{ECONSULT}", None),
        ("POST", f"/api/v1/staff/econsultations/{ECONSULT}/answer", {"text": "Svar"}),
        ("POST", f"/api/v1/staff/econsultations/{ECONSULT}/decline", {"reason": "Bestill time"}),
        ("PUT", "/api/v1/staff/econsult-availability", {"open": True}),
        ("GET", "/api/v1/econsultations", None),
        ("POST", "/api/v1/econsultations", {"text": "Hei", "accepted_terms": True}),
        ("GET", "/api/v1/econsultations/guidance", None),
    ]:
        response = await gateway.client.request(method, path, json=body)
        assert (response.status_code, response.json()["code"]) == (403, "forbidden"), path
    assert gateway.services.calls == []


async def test_a_doctor_cannot_use_the_patient_routes(gateway: Gateway) -> None:
    gateway.act_as(a_staff("doctor"))
    response = await gateway.client.get("/api/v1/econsultations")
    assert response.status_code == 403


async def test_the_doctor_answers_as_themselves_and_it_is_audited(gateway: Gateway) -> None:
    gateway.act_as(a_staff("doctor"))
    path = f"/internal/econsultations/{ECONSULT}"
    gateway.services.answers[("GET", path)] = ITEM
    gateway.services.answers[("POST", f"{path}/answer")] = {**ITEM, "status": "answered", "answer": "Ingen"}
    response = await gateway.client.post(f"/api/v1/staff/econsultations/{ECONSULT}/answer",
                                         json={"text": "Ingen", "doctor_id": str(uuid.uuid4())})
    assert response.status_code == 422  # nobody chooses whose name an answer goes out in
    response = await gateway.client.post(f"/api/v1/staff/econsultations/{ECONSULT}/answer", json={"text": "Ingen"})
    assert response.status_code == 200, response.text
    (_, _, check), (_, _, answered) = gateway.services.to("econsult")
    assert check["params"] == {"doctor_id": str(DOCTOR)}
    assert answered["json"] == {"doctor_id": str(DOCTOR), "text": "Ingen"}
    assert gateway.audits == [{"by": DOCTOR, "patient_id": PATIENT, "object_type": "econsultation",
                               "object_id": str(ECONSULT), "action": "answer"}]


async def test_a_second_answer_is_refused_and_audited(gateway: Gateway) -> None:
    gateway.act_as(a_staff("doctor"))
    path = f"/internal/econsultations/{ECONSULT}"
    gateway.services.answers[("GET", path)] = {**ITEM, "status": "answered"}
    gateway.services.answers[("POST", f"{path}/decline")] = DomainError(code="econsult.already_handled", status=409)
    response = await gateway.client.post(f"/api/v1/staff/econsultations/{ECONSULT}/decline",
                                         json={"reason": "Bestill time"})
    assert (response.status_code, response.json()["code"]) == (409, "econsult.already_handled")
    assert gateway.audits[0]["outcome"] == "refused:econsult.already_handled"
    assert gateway.audits[0]["action"] == "decline"


async def test_another_doctors_econsultation_is_refused_before_anything_happens(gateway: Gateway) -> None:
    gateway.act_as(a_staff("doctor", uuid.uuid4()))
    gateway.services.answers[("GET", f"/internal/econsultations/{ECONSULT}")] = DomainError(code="forbidden",
                                                                                            status=403)
    response = await gateway.client.post(f"/api/v1/staff/econsultations/{ECONSULT}/answer", json={"text": "Hei"})
    assert response.status_code == 403
    assert [m for m, _, _ in gateway.services.to("econsult")] == ["GET"]


async def test_the_doctor_reads_the_question_and_whose_it_is_and_it_is_audited(gateway: Gateway) -> None:
    gateway.act_as(a_staff("doctor"))
    gateway.services.answers[("GET", f"/internal/econsultations/{ECONSULT}")] = ITEM
    gateway.services.answers[("GET", f"/internal/patients/{PATIENT}")] = {
        "id": str(PATIENT), "name": "Kari Nordmann", "birth_date": "1970-01-01", "mobile": "+4791234567"}
    response = await gateway.client.get(f"/api/v1/staff/econsultations/{ECONSULT}")
    assert response.json()["text"] == ITEM["text"]
    # Whose question it is, by name and birth date: never the national ID, nor contact details.
    assert (response.json()["patient_name"], response.json()["patient_birth_date"]) == ("Kari Nordmann", "1970-01-01")
    assert "mobile" not in response.json()
    assert gateway.audits[0]["action"] == "read"
    assert gateway.audits[0]["patient_id"] == PATIENT


async def test_a_doctor_opens_and_closes_their_own_list_only(gateway: Gateway) -> None:
    gateway.act_as(a_staff("doctor"))
    gateway.services.answers[("PUT", f"/internal/availability/{DOCTOR}")] = {"doctor_id": str(DOCTOR), "open": True,
                                                                             "changed": True}
    response = await gateway.client.put("/api/v1/staff/econsult-availability", json={"open": True})
    assert response.status_code == 200
    refused = await gateway.client.put("/api/v1/staff/econsult-availability",
                                       json={"open": True, "doctor_id": str(uuid.uuid4())})
    assert refused.status_code == 422
    (method, path, call), = gateway.services.to("econsult")
    assert (method, path, call["json"]) == ("PUT", f"/internal/availability/{DOCTOR}", {"open": True})


def test_the_routes_are_in_the_public_api() -> None:
    app = build(GatewaySettings(env="test", database_url="postgresql://nobody@127.0.0.1:1/none"))
    paths = app.openapi()["paths"]
    for path in ("/api/v1/econsultations", "/api/v1/econsultations/guidance",
                 "/api/v1/staff/econsultations/{econsult_id}/answer",
                 "/api/v1/staff/econsultations/{econsult_id}/decline", "/api/v1/staff/econsult-availability"):
        assert path in paths
