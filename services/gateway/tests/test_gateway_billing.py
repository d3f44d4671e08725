"""The gateway's billing routes: patients see only their own invoices and giros (also with unsettled
claims), only the billing office reaches invoices and payments, reception and billing register frikort;
ids come from the session, every read or change is audited, billing's codes are passed on unchanged.

billing is a fake that records calls; the session is a monkeypatched current_principal, so the real
`patient` and `staff(...)` checks run."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from gateway import auth
from gateway.bootstrap import build
from gateway.domain.principal import Principal
from gateway.settings import GatewaySettings
from kit.errors import DomainError
from tests.support.gateway import record_audits

PATIENT = uuid.uuid4()
OTHER_PATIENT = uuid.uuid4()
STAFF_ID = uuid.uuid4()
INVOICE_ID = uuid.uuid4()
INVOICE = {"id": str(INVOICE_ID), "econsult_id": str(uuid.uuid4()), "patient_id": str(PATIENT),
           "patient_name": "Kari Nordmann", "kid": "0000000018", "account_number": "15030540007",
           "copayment_ore": 20400, "fee_ore": 5500, "amount_ore": 25900, "amount_nok": "259,00 kr", "paid_ore": 0,
           "outstanding_ore": 25900, "issued_on": "2026-03-03", "due_date": "2026-03-17", "status": "open",
           "overdue_on": None, "settled_on": None}
PDF = b"%PDF-1.4 giro"


@dataclass
class FakeBilling:
    calls: list[tuple[str, str, str, dict[str, Any]]] = field(default_factory=list)
    answers: dict[tuple[str, str], Any] = field(default_factory=dict)

    async def call(self, service: str, method: str, path: str, **kwargs: Any) -> Any:
        self.calls.append((service, method, path, kwargs))
        answer = self.answers.get((method, path))
        if isinstance(answer, DomainError):
            raise answer
        return answer

    async def request(self, service: str, method: str, path: str, **kwargs: Any) -> httpx.Response:
        self.calls.append((service, method, path, kwargs))
        return httpx.Response(200, content=PDF, headers={"content-type": "application/pdf",
                                                          "content-disposition": 'inline; filename="f.pdf"'})

    def paths(self) -> list[tuple[str, str]]:
        return [(m, p) for _, m, p, _ in self.calls]


@dataclass
class Gateway:
    client: httpx.AsyncClient
    billing: FakeBilling
    audits: list[dict[str, Any]]
    who: dict[str, Principal]

    def act_as(self, principal: Principal) -> None:
        self.who["principal"] = principal


def a_patient(patient_id: uuid.UUID = PATIENT, restrictions: tuple[str, ...] = ()) -> Principal:
    return Principal(kind="patient", subject_id=patient_id, role="patient", session_id="s",
                     restrictions=restrictions)


def a_staff(role: str) -> Principal:
    return Principal(kind="staff", subject_id=STAFF_ID, role=role, session_id="s")  # type: ignore[arg-type]


@pytest.fixture
async def gateway(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Gateway]:
    app = build(GatewaySettings(env="test", database_url="postgresql://nobody@127.0.0.1:1/none"))
    fake = FakeBilling()
    fake.answers[("GET", "/internal/invoices")] = {"items": [INVOICE]}
    fake.answers[("GET", f"/internal/invoices/{INVOICE_ID}")] = INVOICE
    app.state.gateway.services = fake
    audits = record_audits(app)
    who: dict[str, Principal] = {"principal": a_patient()}

    async def session(request: Any) -> Principal:
        return who["principal"]

    monkeypatch.setattr(auth, "current_principal", session)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://gw") as client:
        yield Gateway(client, fake, audits, who)


async def test_a_patient_sees_their_own_invoices_even_with_unsettled_claims(gateway: Gateway) -> None:
    gateway.act_as(a_patient(restrictions=("access.unpaid_claims",)))
    response = await gateway.client.get("/api/v1/invoices", params={"patient_id": str(OTHER_PATIENT)})
    assert response.status_code == 200, response.text
    [item] = response.json()["items"]
    assert (item["kid"], item["amount_ore"], item["due_date"], item["status"]) == ("0000000018", 25900,
                                                                                   "2026-03-17", "open")
    assert item["pdf_url"] == f"/api/v1/invoices/{INVOICE_ID}/pdf"
    assert "patient_id" not in item
    [(_, _, _, kwargs)] = gateway.billing.calls
    assert kwargs["params"] == {"patient_id": str(PATIENT)}  # from the session, never from the request
    assert gateway.audits == [{"by": PATIENT, "patient_id": PATIENT, "object_type": "invoice", "object_id": None,
                               "action": "list"}]


async def test_a_patient_fetches_their_giro_as_pdf(gateway: Gateway) -> None:
    response = await gateway.client.get(f"/api/v1/invoices/{INVOICE_ID}/pdf")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/pdf"
    assert response.headers["cache-control"] == "no-store"
    assert response.content == PDF
    assert gateway.audits[-1]["action"] == "read"
    assert gateway.audits[-1]["object_id"] == str(INVOICE_ID)


async def test_another_patients_giro_is_not_found_and_the_attempt_is_audited(gateway: Gateway) -> None:
    gateway.act_as(a_patient(OTHER_PATIENT))
    response = await gateway.client.get(f"/api/v1/invoices/{INVOICE_ID}/pdf")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    assert ("GET", f"/internal/invoices/{INVOICE_ID}/pdf") not in gateway.billing.paths()
    assert gateway.audits == [{"by": OTHER_PATIENT, "patient_id": OTHER_PATIENT, "object_type": "invoice",
                               "object_id": str(INVOICE_ID), "action": "read", "outcome": "refused:not_found"}]


@pytest.mark.parametrize(("method", "path"), [
    ("GET", "/api/v1/staff/invoices"), ("POST", "/api/v1/staff/payments"), ("GET", "/api/v1/staff/payments"),
    ("GET", f"/api/v1/staff/invoices/{INVOICE_ID}/pdf"), ("POST", f"/api/v1/staff/payments/{INVOICE_ID}/settle")])
@pytest.mark.parametrize("role", ["doctor", "reception", "admin"])
async def test_only_the_billing_office_reaches_invoices_and_payments(gateway: Gateway, role: str, method: str,
                                                                      path: str) -> None:
    gateway.act_as(a_staff(role))
    response = await gateway.client.request(method, path, json={"kid": "0000000018", "amount_ore": 100,
                                                                "paid_on": "2026-03-12"})
    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"
    assert gateway.billing.calls == []


async def test_patients_reach_no_staff_route(gateway: Gateway) -> None:
    for method, path in (("GET", "/api/v1/staff/invoices"), ("GET", "/api/v1/staff/reports/copayments?year=2026"),
                         ("PUT", f"/api/v1/staff/patients/{PATIENT}/frikort")):
        response = await gateway.client.request(method, path, json={"year": 2026, "card_number": "12345678"})
        assert response.status_code == 403, path
    assert gateway.billing.calls == []


async def test_the_billing_office_lists_invoices_by_status_and_each_patient_is_audited(gateway: Gateway) -> None:
    gateway.act_as(a_staff("billing"))
    response = await gateway.client.get("/api/v1/staff/invoices", params={"status": "overdue"})
    assert response.status_code == 200, response.text
    [(_, _, _, kwargs)] = gateway.billing.calls
    assert kwargs["params"]["status"] == "overdue"
    assert [(a["patient_id"], a["action"]) for a in gateway.audits] == [(PATIENT, "list")]
    bad = await gateway.client.get("/api/v1/staff/invoices", params={"status": "lost"})
    assert bad.status_code == 422


async def test_an_ocr_file_is_uploaded_as_multipart_and_forwarded_whole(gateway: Gateway) -> None:
    gateway.act_as(a_staff("billing"))
    payment_id = str(uuid.uuid4())
    gateway.billing.answers[("POST", "/internal/payments/ocr")] = {
        "already_imported": False, "summary": {"transactions": 2},
        "payments": [{"payment_id": payment_id, "patient_id": str(PATIENT), "outcome": "paid"},
                     {"payment_id": str(uuid.uuid4()), "patient_id": None, "outcome": "unknown_kid"}]}
    content = b"NY000010" + b"0" * 72 + b"\n"
    response = await gateway.client.post("/api/v1/staff/payments/ocr",
                                         files={"file": ("OCR.20260312.txt", content, "text/plain")})
    assert response.status_code == 200, response.text
    assert response.json()["summary"] == {"transactions": 2}
    [(_, method, path, kwargs)] = gateway.billing.calls
    assert (method, path) == ("POST", "/internal/payments/ocr")
    assert kwargs["content"] == content
    assert kwargs["params"] == {"imported_by": str(STAFF_ID)}
    assert gateway.audits == [{"by": STAFF_ID, "patient_id": PATIENT, "object_type": "payment",
                               "object_id": payment_id, "action": "create"}]


async def test_a_damaged_ocr_file_is_refused_with_billings_code(gateway: Gateway) -> None:
    gateway.act_as(a_staff("billing"))
    gateway.billing.answers[("POST", "/internal/payments/ocr")] = DomainError(
        "Linje 3: ...", code="validation.ocr_file", status=422)
    response = await gateway.client.post("/api/v1/staff/payments/ocr", files={"file": ("x.txt", b"NY", "text/plain")})
    assert response.status_code == 422
    assert response.json()["code"] == "validation.ocr_file"
    missing = await gateway.client.post("/api/v1/staff/payments/ocr")
    assert missing.status_code == 422


async def test_a_payment_by_hand_is_registered_by_the_session_staff_member(gateway: Gateway) -> None:
    gateway.act_as(a_staff("billing"))
    payment_id = str(uuid.uuid4())
    gateway.billing.answers[("POST", "/internal/payments")] = {
        "payment_id": payment_id, "patient_id": str(PATIENT), "outcome": "paid", "kid": "0000000018"}
    response = await gateway.client.post("/api/v1/staff/payments",
                                         json={"kid": "0000000018", "amount_ore": 25900, "paid_on": "2026-03-12"})
    assert response.status_code == 201, response.text
    [(_, _, _, kwargs)] = gateway.billing.calls
    assert kwargs["json"] == {"kid": "0000000018", "amount_ore": 25900, "paid_on": "2026-03-12",
                              "registered_by": str(STAFF_ID)}
    assert gateway.audits[-1]["object_id"] == payment_id
    for bad in ({"kid": "0000000018", "amount_ore": 0, "paid_on": "2026-03-12"},
                {"kid": "KID", "amount_ore": 100, "paid_on": "2026-03-12"},
                {"kid": "0000000018", "amount_ore": 100, "paid_on": "2026-03-12", "registered_by": str(PATIENT)}):
        assert (await gateway.client.post("/api/v1/staff/payments", json=bad)).status_code == 422


@pytest.mark.parametrize("role", ["reception", "billing"])
async def test_reception_or_billing_registers_a_frikort(gateway: Gateway, role: str) -> None:
    gateway.act_as(a_staff(role))
    gateway.billing.answers[("PUT", f"/internal/patients/{PATIENT}/frikort")] = {
        "patient_id": str(PATIENT), "year": 2026, "card_number": "12345678"}
    response = await gateway.client.put(f"/api/v1/staff/patients/{PATIENT}/frikort",
                                        json={"year": 2026, "card_number": "12345678"})
    assert response.status_code == 200, response.text
    [(_, _, _, kwargs)] = gateway.billing.calls
    assert kwargs["json"] == {"year": 2026, "card_number": "12345678", "registered_by": str(STAFF_ID)}
    assert gateway.audits == [{"by": STAFF_ID, "patient_id": PATIENT, "object_type": "frikort", "object_id": "2026",
                               "action": "update"}]


async def test_a_doctor_registers_no_frikort(gateway: Gateway) -> None:
    gateway.act_as(a_staff("doctor"))
    response = await gateway.client.put(f"/api/v1/staff/patients/{PATIENT}/frikort",
                                        json={"year": 2026, "card_number": "12345678"})
    assert response.status_code == 403


async def test_the_yearly_copayment_report(gateway: Gateway) -> None:
    gateway.act_as(a_staff("billing"))
    gateway.billing.answers[("GET", "/internal/reports/copayments")] = {"year": 2026, "patients": [
        {"patient_id": str(PATIENT), "name": "Kari Nordmann", "invoices": 2, "copayment_ore": 40800,
         "copayment_nok": "408,00 kr", "frikort_card": None}]}
    response = await gateway.client.get("/api/v1/staff/reports/copayments", params={"year": 2026})
    assert response.status_code == 200, response.text
    assert response.json()["patients"][0]["copayment_ore"] == 40800
    assert [(a["patient_id"], a["action"]) for a in gateway.audits] == [(PATIENT, "report")]
    assert (await gateway.client.get("/api/v1/staff/reports/copayments")).status_code == 422


async def test_the_billing_office_searches_invoices_by_kid_or_name(gateway: Gateway) -> None:
    gateway.act_as(a_staff("billing"))
    response = await gateway.client.get("/api/v1/staff/invoices", params={"query": " Nordmann ", "status": "open"})
    assert response.status_code == 200, response.text
    [(_, _, _, kwargs)] = gateway.billing.calls
    assert (kwargs["params"]["query"], kwargs["params"]["status"]) == ("Nordmann", "open")
    assert (await gateway.client.get("/api/v1/staff/invoices", params={"query": "x" * 101})).status_code == 422


async def test_a_payment_with_an_unknown_kid_is_settled_against_an_invoice_and_audited(gateway: Gateway) -> None:
    gateway.act_as(a_staff("billing"))
    payment_id = uuid.uuid4()
    gateway.billing.answers[("POST", f"/internal/payments/{payment_id}/settle")] = {
        "payment_id": str(payment_id), "invoice_id": str(INVOICE_ID), "patient_id": str(PATIENT), "outcome": "paid"}
    response = await gateway.client.post(f"/api/v1/staff/payments/{payment_id}/settle",
                                         json={"invoice_id": str(INVOICE_ID)})
    assert response.status_code == 200, response.text
    [(_, _, _, kwargs)] = gateway.billing.calls
    assert kwargs["json"] == {"invoice_id": str(INVOICE_ID)}
    assert gateway.audits == [{"by": STAFF_ID, "patient_id": PATIENT, "object_type": "payment",
                               "object_id": str(payment_id), "action": "settle"}]
    gateway.billing.answers[("POST", f"/internal/payments/{payment_id}/settle")] = DomainError(
        code="billing.payment_already_placed", status=409)
    again = await gateway.client.post(f"/api/v1/staff/payments/{payment_id}/settle",
                                      json={"invoice_id": str(INVOICE_ID)})
    assert (again.status_code, again.json()["code"]) == (409, "billing.payment_already_placed")


@pytest.mark.parametrize(("role", "status"), [("billing", 200), ("admin", 200), ("reception", 403), ("doctor", 403)])
async def test_only_the_billing_office_and_admin_read_who_was_billed_for_econsultations(
        gateway: Gateway, role: str, status: int) -> None:
    """The report counts each patient's billed eConsultations, which tells who consulted (issue 14, item 7)."""
    gateway.act_as(a_staff(role))
    gateway.billing.answers[("GET", "/internal/reports/copayments")] = {"year": 2026, "patients": []}
    response = await gateway.client.get("/api/v1/staff/reports/copayments", params={"year": 2026})
    assert response.status_code == status, response.text
    if status == 403:
        assert response.json()["code"] == "forbidden"
        assert gateway.billing.calls == []


async def test_the_giro_is_never_sniffed_nor_kept(gateway: Gateway) -> None:
    for path in (f"/api/v1/invoices/{INVOICE_ID}/pdf", "/api/v1/invoices"):
        response = await gateway.client.get(path)
        assert response.status_code == 200
        assert (response.headers["x-content-type-options"], response.headers["cache-control"]) == (
            "nosniff", "no-store"), path
