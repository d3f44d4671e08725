"""The gateway's renewal routes and the doctor's inbox: roles, ids from the session, audit, the inbox's
order and a missing source, and prescription's codes passed on unchanged.

prescription and econsult are a fake that records calls; the session is a monkeypatched current_principal,
so the real `patient` and `staff(...)` checks run."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest

from gateway.domain.principal import Principal
from kit.errors import DomainError
from services.gateway.tests import conftest as shared
from services.gateway.tests.conftest import FakeServices, Gateway, gateway_with

PATIENT, DOCTOR, RECEPTION = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
RENEWAL, METFORMIN, LEVAXIN = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
MEDICATION = {"id": str(METFORMIN), "patient_id": str(PATIENT), "name": "Metformin", "strength": "500 mg",
              "atc_code": "A10BA02", "reseptgruppe": "C", "fixed": True, "prescribed_by": "here",
              "b_agreement": False, "renewable": True, "code": None, "reason": None}
RENEWAL_OUT = {"id": str(RENEWAL), "patient_id": str(PATIENT), "doctor_id": str(DOCTOR), "patient_name": "Kari",
               "channel": "portal", "status": "open", "message": None, "due_date": "2026-03-09", "overdue": False,
               "price_ore": 0, "items": [{"medication_id": str(METFORMIN), "name": "Metformin", "outcome": "rejected",
                                          "reason": "Blodprøve først", "prescription": None}]}


def a_patient(restrictions: tuple[str, ...] = ()) -> Principal:
    return shared.a_patient(PATIENT, restrictions=restrictions, gp_id=DOCTOR)


def a_staff(role: str, staff_id: uuid.UUID = DOCTOR) -> Principal:
    return shared.a_staff(role, staff_id)


@pytest.fixture
async def gateway(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Gateway]:
    async with gateway_with(monkeypatch, FakeServices(), a_patient()) as gateway:
        yield gateway


async def test_my_medicines_come_from_my_session_with_why_each_cannot_be_renewed(gateway: Gateway) -> None:
    not_renewable = {**MEDICATION, "id": str(LEVAXIN), "renewable": False, "code": "renewal.antibiotic"}
    gateway.services.answers[("prescription", "GET", f"/internal/patients/{PATIENT}/medications")] = {
        "items": [MEDICATION, not_renewable]}
    response = await gateway.client.get("/api/v1/medications", params={"patient_id": str(uuid.uuid4())})
    assert response.status_code == 200, response.text
    items = response.json()["items"]
    assert [(i["renewable"], i["code"]) for i in items] == [(True, None), (False, "renewal.antibiotic")]
    assert all("patient_id" not in i for i in items)
    assert gateway.audits == [{"by": PATIENT, "patient_id": PATIENT, "object_type": "medication_list",
                               "object_id": None, "action": "read"}]


async def test_asking_sends_my_own_id_on_the_portal_channel_is_free_and_audited(gateway: Gateway) -> None:
    gateway.services.answers[("prescription", "POST", "/internal/renewals")] = RENEWAL_OUT
    response = await gateway.client.post("/api/v1/renewals", json={"medication_ids": [str(METFORMIN)],
                                                                   "message": "Går tom"})
    assert response.status_code == 201, response.text
    assert (response.json()["due_date"], response.json()["price_ore"]) == ("2026-03-09", 0)
    assert "patient_id" not in response.json()
    [(_, _, sent)] = gateway.services.to("prescription")
    assert sent["json"] == {"patient_id": str(PATIENT), "medication_ids": [str(METFORMIN)], "message": "Går tom",
                            "channel": "portal"}
    assert gateway.services.to("billing") == []  # renewals are free: no price is asked for
    assert gateway.audits[0]["action"] == "create"
    assert gateway.audits[0]["object_id"] == str(RENEWAL)


async def test_a_guardian_asks_for_the_child_under_12_and_the_request_names_the_guardian(gateway: Gateway) -> None:
    """prescription keeps who asked, so notify's SMS about it go to that guardian (issue 19)."""
    guardian = uuid.uuid4()
    gateway.act_as(shared.a_guardian_of_a_child_under_12(guardian, PATIENT, gp_id=DOCTOR))
    gateway.services.answers[("prescription", "POST", "/internal/renewals")] = RENEWAL_OUT
    response = await gateway.client.post("/api/v1/renewals", json={"medication_ids": [str(METFORMIN)]})
    assert response.status_code == 201, response.text
    [(_, _, sent)] = gateway.services.to("prescription")
    assert sent["json"] == {"patient_id": str(PATIENT), "medication_ids": [str(METFORMIN)], "message": None,
                            "channel": "portal", "requested_by_guardian_id": str(guardian)}
    assert (gateway.audits[0]["by"], gateway.audits[0]["patient_id"]) == (guardian, PATIENT)


@pytest.mark.parametrize(("status", "code"), [
    (422, "renewal.empty"), (422, "renewal.too_many_medicines"), (422, "renewal.duplicate_medicine"),
    (409, "renewal.request_already_open"), (422, "renewal.group_a"), (422, "renewal.group_b_needs_agreement"),
    (422, "renewal.antibiotic"), (422, "renewal.not_prescribed_here"), (422, "renewal.not_fixed"),
])
async def test_prescriptions_refusals_reach_the_patient_with_the_same_code_and_are_audited(
        gateway: Gateway, status: int, code: str) -> None:
    gateway.services.answers[("prescription", "POST", "/internal/renewals")] = DomainError(code=code, status=status)
    response = await gateway.client.post("/api/v1/renewals", json={"medication_ids": [str(METFORMIN)]})
    assert (response.status_code, response.json()["code"]) == (status, code)
    assert response.headers["content-type"].startswith("application/problem+json")
    assert gateway.audits[0]["outcome"] == f"refused:{code}"


async def test_a_restricted_patient_may_not_ask_and_nothing_reaches_prescription(gateway: Gateway) -> None:
    gateway.act_as(a_patient(("access.unpaid_claims",)))
    response = await gateway.client.post("/api/v1/renewals", json={"medication_ids": [str(METFORMIN)]})
    assert (response.status_code, response.json()["code"]) == (403, "access.unpaid_claims")
    assert gateway.services.calls == []


async def test_unknown_fields_and_malformed_bodies_are_422_never_500(gateway: Gateway) -> None:
    for body in ({"medication_ids": [str(METFORMIN)], "patient_id": str(uuid.uuid4())},
                 {"medication_ids": "all"}, {"medication_ids": ["not-a-uuid"]}):
        response = await gateway.client.post("/api/v1/renewals", json=body)
        assert (response.status_code, response.json()["code"]) == (422, "validation.invalid"), body
    assert gateway.services.calls == []


async def test_my_renewals_show_the_doctors_reason(gateway: Gateway) -> None:
    gateway.services.answers[("prescription", "GET", "/internal/renewals")] = {"items": [RENEWAL_OUT]}
    body = (await gateway.client.get("/api/v1/renewals")).json()
    assert body["items"][0]["items"][0]["reason"] == "Blodprøve først"
    assert gateway.services.to("prescription")[0][2]["params"] == {"patient_id": str(PATIENT)}


async def test_the_doctor_decides_per_medicine_for_a_patient_on_the_list(gateway: Gateway) -> None:
    gateway.act_as(a_staff("doctor"))
    gateway.services.answers[("prescription", "GET", f"/internal/renewals/{RENEWAL}")] = RENEWAL_OUT
    gateway.services.answers[("prescription", "POST", f"/internal/renewals/{RENEWAL}/decision")] = {
        **RENEWAL_OUT, "status": "decided"}
    items = [{"medication_id": str(METFORMIN), "approve": True},
             {"medication_id": str(LEVAXIN), "approve": False, "reason": "Kontroll først"}]
    response = await gateway.client.post(f"/api/v1/staff/renewals/{RENEWAL}/decision", json={"items": items})
    assert response.status_code == 200, response.text
    [(_, _, looked), (_, _, decided)] = gateway.services.to("prescription")
    assert looked["params"] == {"doctor_id": str(DOCTOR)}
    assert decided["json"] == {"doctor_id": str(DOCTOR), "items": [{**items[0], "reason": None}, items[1]]}
    assert gateway.audits == [{"by": DOCTOR, "patient_id": PATIENT, "object_type": "renewal",
                               "object_id": str(RENEWAL), "action": "decide"}]


async def test_the_doctor_reads_the_request_with_the_patients_name_and_birth_date(gateway: Gateway) -> None:
    gateway.act_as(a_staff("doctor"))
    gateway.services.answers[("prescription", "GET", f"/internal/renewals/{RENEWAL}")] = RENEWAL_OUT
    gateway.services.answers[("identity", "GET", f"/internal/patients/{PATIENT}")] = {
        "id": str(PATIENT), "name": "Kari Nordmann", "birth_date": "1970-01-01", "mobile": "+4791234567"}
    body = (await gateway.client.get(f"/api/v1/staff/renewals/{RENEWAL}")).json()
    assert (body["patient_name"], body["patient_birth_date"]) == ("Kari Nordmann", "1970-01-01")
    assert "mobile" not in body
    assert gateway.audits[0]["action"] == "read"


async def test_a_doctor_not_the_patients_gp_is_refused_before_anything_changes(gateway: Gateway) -> None:
    gateway.act_as(a_staff("doctor", uuid.uuid4()))
    gateway.services.answers[("prescription", "GET", f"/internal/renewals/{RENEWAL}")] = DomainError(
        code="forbidden", status=403)
    response = await gateway.client.post(f"/api/v1/staff/renewals/{RENEWAL}/decision",
                                         json={"items": [{"medication_id": str(METFORMIN), "approve": True}]})
    assert (response.status_code, response.json()["code"]) == (403, "forbidden")
    assert [p for _, p, _ in gateway.services.to("prescription")] == [f"/internal/renewals/{RENEWAL}"]


@pytest.mark.parametrize(("role", "method", "path", "body"), [
    ("patient", "GET", "/api/v1/staff/inbox", None),
    ("reception", "GET", "/api/v1/staff/inbox", None),
    ("reception", "POST", f"/api/v1/staff/renewals/{RENEWAL}/decision", {"items": []}),
    ("billing", "GET", f"/api/v1/staff/patients/{PATIENT}/medications", None),
    ("doctor", "POST", "/api/v1/staff/renewals", {"patient_id": str(PATIENT), "medication_ids": []}),
    ("reception", "POST", f"/api/v1/staff/patients/{PATIENT}/medications", {}),
    ("reception", "PUT", f"/api/v1/staff/patients/{PATIENT}/b-agreements/{METFORMIN}", {}),
    ("doctor", "GET", "/api/v1/medications", None),
])
async def test_each_route_is_for_its_roles_only(gateway: Gateway, role: str, method: str, path: str,
                                                body: Any) -> None:
    gateway.act_as(a_patient() if role == "patient" else a_staff(role))
    response = await gateway.client.request(method, path, json=body)
    assert (response.status_code, response.json()["code"]) == (403, "forbidden")
    assert gateway.services.calls == []


async def test_reception_registers_a_phone_request_in_its_own_name_without_reading_reasons(gateway: Gateway) -> None:
    gateway.act_as(a_staff("reception", RECEPTION))
    gateway.services.answers[("prescription", "POST", "/internal/renewals")] = {**RENEWAL_OUT, "channel": "phone"}
    response = await gateway.client.post("/api/v1/staff/renewals", json={
        "patient_id": str(PATIENT), "medication_ids": [str(METFORMIN)]})
    assert response.status_code == 201, response.text
    assert "reason" not in response.json()["items"][0]
    [(_, _, sent)] = gateway.services.to("prescription")
    assert sent["json"]["channel"] == "phone"
    assert sent["json"]["registered_by"] == str(RECEPTION)
    assert gateway.audits[0]["patient_id"] == PATIENT


@pytest.mark.parametrize(("registered", "scope", "code"), [
    (True, "everything", None), (False, "everything", "proxy.not_guardian"),
    (True, "appointments", "proxy.child_confidential"), (True, None, "proxy.child_of_age")])
async def test_a_guardian_calling_for_a_child_renews_by_phone_as_in_the_portal_and_is_the_one_told(
        gateway: Gateway, registered: bool, scope: str | None, code: str | None) -> None:
    """The SMS about a child's renewal go to the guardian who asked (domain-rules, "Acting for a child"), also when
    the guardian asked reception by phone; and reception's request is held to the portal's rules for guardians:
    the child's own registered guardian, for a child under 12 (renewals are the child's own from 12)."""
    guardian, someone = uuid.uuid4(), uuid.uuid4()
    gateway.act_as(a_staff("reception", RECEPTION))
    gateway.services.answers[("identity", "GET", f"/internal/patients/{PATIENT}/guardians")] = {"guardians": [
        {"id": str(guardian if registered else someone), "name": "Kari Nordmann", "mobile": "+4791234567"}]}
    gateway.services.answers[("identity", "GET", f"/internal/guardians/{guardian}/children")] = {"children": [
        {"id": str(PATIENT), "first_name": "Ola", "age_band": "under_12", "scope": scope}] if scope else []}
    gateway.services.answers[("prescription", "POST", "/internal/renewals")] = {**RENEWAL_OUT, "channel": "phone"}
    response = await gateway.client.post("/api/v1/staff/renewals", json={
        "patient_id": str(PATIENT), "medication_ids": [str(METFORMIN)], "guardian_id": str(guardian)})
    if code is None:
        assert response.status_code == 201, response.text
        [(_, _, sent)] = gateway.services.to("prescription")
        assert (sent["json"]["requested_by_guardian_id"], sent["json"]["registered_by"]) == (
            str(guardian), str(RECEPTION))
        assert [(a["patient_id"], a["action"], a.get("outcome")) for a in gateway.audits] == [
            (PATIENT, "create", None)]
    else:
        assert (response.status_code, response.json()["code"]) == (403, code)
        assert gateway.services.to("prescription") == [], "nothing registered"
        assert [(a["patient_id"], a["action"], a.get("outcome")) for a in gateway.audits] == [
            (PATIENT, "create", f"refused:{code}")]


async def test_reception_sees_the_list_and_a_doctor_only_as_the_patients_gp(gateway: Gateway) -> None:
    path = f"/internal/patients/{PATIENT}/medications"
    gateway.services.answers[("prescription", "GET", path)] = {"items": [MEDICATION]}
    gateway.act_as(a_staff("reception", RECEPTION))
    assert (await gateway.client.get(f"/api/v1/staff/patients/{PATIENT}/medications")).status_code == 200
    gateway.act_as(a_staff("doctor"))
    assert (await gateway.client.get(f"/api/v1/staff/patients/{PATIENT}/medications")).status_code == 200
    assert [k["params"] for _, _, k in gateway.services.to("prescription")] == [{}, {"doctor_id": str(DOCTOR)}]


async def test_the_doctor_adds_medicines_and_agreements_in_their_own_name(gateway: Gateway) -> None:
    gateway.act_as(a_staff("doctor"))
    gateway.services.answers[("prescription", "POST", f"/internal/patients/{PATIENT}/medications")] = MEDICATION
    gateway.services.answers[("prescription", "PUT", f"/internal/patients/{PATIENT}/b-agreements/{METFORMIN}")] = (
        DomainError(code="medication.not_group_b", status=422))
    added = await gateway.client.post(f"/api/v1/staff/patients/{PATIENT}/medications", json={
        "name": "Metformin", "strength": "500 mg", "atc_code": "A10BA02", "reseptgruppe": "C", "fixed": True,
        "prescribed_by": "here"})
    assert added.status_code == 201, added.text
    bad = await gateway.client.post(f"/api/v1/staff/patients/{PATIENT}/medications", json={
        "name": "X", "atc_code": "J01", "reseptgruppe": "C", "fixed": True, "prescribed_by": "here"})
    assert bad.status_code == 422
    refused = await gateway.client.put(f"/api/v1/staff/patients/{PATIENT}/b-agreements/{METFORMIN}")
    assert (refused.status_code, refused.json()["code"]) == (422, "medication.not_group_b")
    [(_, _, add), (_, _, agree)] = gateway.services.to("prescription")
    assert add["json"]["doctor_id"] == str(DOCTOR)
    assert agree["json"] == {"doctor_id": str(DOCTOR), "active": True}
    assert [a["action"] for a in gateway.audits] == ["create", "agree"]
    assert gateway.audits[1]["outcome"] == "refused:medication.not_group_b"


def inbox_item(kind: str, channel: str, created: str, due: str, overdue: bool = False) -> dict[str, Any]:
    return {"kind": kind, "id": str(uuid.uuid4()), "patient_id": str(uuid.uuid4()), "patient_name": "P",
            "channel": channel, "created_at": created, "due_date": due, "overdue": overdue}


async def test_the_inbox_merges_portal_before_phone_then_due_date_then_age(gateway: Gateway) -> None:
    gateway.act_as(a_staff("doctor"))
    old_phone = inbox_item("renewal", "phone", "2026-03-01T08:00:00+01:00", "2026-03-06", overdue=True)
    new_portal = inbox_item("renewal", "portal", "2026-03-04T08:00:00+01:00", "2026-03-11")
    econsult = inbox_item("econsult", "portal", "2026-03-03T08:00:00+01:00", "2026-03-10")
    # The same instant's order holds across offsets: 06:30Z is before 08:00+01:00 (07:00Z).
    same_due_older = inbox_item("econsult", "portal", "2026-03-03T06:30:00+00:00", "2026-03-10")
    gateway.services.answers[("prescription", "GET", "/internal/inbox")] = {"items": [old_phone, new_portal]}
    gateway.services.answers[("econsult", "GET", "/internal/inbox")] = {"items": [econsult, same_due_older]}
    body = (await gateway.client.get("/api/v1/staff/inbox")).json()
    assert [i["id"] for i in body["items"]] == [same_due_older["id"], econsult["id"], new_portal["id"],
                                                old_phone["id"]]
    assert body["items"][-1]["overdue"] is True
    assert body["unavailable"] == []
    for _, _, _, kwargs in gateway.services.calls:
        assert kwargs["params"] == {"doctor_id": str(DOCTOR)}
    assert {(a["object_type"], a["action"]) for a in gateway.audits} == {("renewal", "list"),
                                                                         ("econsultation", "list")}


async def test_the_inbox_shows_renewals_when_econsult_does_not_answer(gateway: Gateway) -> None:
    gateway.act_as(a_staff("doctor"))
    mine = inbox_item("renewal", "portal", "2026-03-04T08:00:00+01:00", "2026-03-11")
    gateway.services.answers[("prescription", "GET", "/internal/inbox")] = {"items": [mine]}
    # What Services.call raises when econsult cannot be reached (a refused connection, a timeout).
    gateway.services.answers[("econsult", "GET", "/internal/inbox")] = DomainError(
        code="upstream.unavailable", status=503)
    response = await gateway.client.get("/api/v1/staff/inbox")
    assert response.status_code == 200, response.text
    assert [i["id"] for i in response.json()["items"]] == [mine["id"]]
    assert response.json()["unavailable"] == ["econsult"]
    gateway.services.answers[("econsult", "GET", "/internal/inbox")] = DomainError(
        code="upstream.unavailable", status=502)
    assert (await gateway.client.get("/api/v1/staff/inbox")).json()["unavailable"] == ["econsult"]
