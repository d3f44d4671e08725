"""Through the running system: the patient asks, the doctor answers, the patient sees the answer and a
259 kr invoice with its giro PDF; after the due date (the shared clock moved) new requests are refused
with `access.unpaid_claims` until the bank's OCR payment arrives; the mail sink holds the giro.

Everyone acts through the gateway as in the clinic: the patient logged in by SMS code, the doctor and the
billing office with staff accounts made for the test (identity's internal API, as an administrator would)."""

from __future__ import annotations

import json
import secrets
from datetime import date, datetime, timedelta
from io import BytesIO
from typing import Any

import httpx
import pytest
from pypdf import PdfReader

from billing.domain.ocr import OcrAssignment, OcrTransaction, OcrTransmission
from billing.settings import BillingSettings
from kit.clock import OSLO
from kit.demo import synthetic_national_id
from services.billing.tests.ocr_writer import render
from tests.support.eventually import eventually
from tests.support.portal import add_staff, log_in_patient, log_in_staff
from tests.support.system import System

pytestmark = pytest.mark.stack

QUESTION = "Kan jeg ta Paracet sammen med Ibux?"
ANSWER = "Ja, det går fint i vanlige doser."


async def log_in(gw: httpx.AsyncClient, national_id: str, mobile: str) -> dict[str, str]:
    """As the patient does: the newest code from the SMS sink (tests/support/portal.py)."""
    return (await log_in_patient(gw, national_id, mobile)).headers


async def pay_by_ocr(system: System, gw: httpx.AsyncClient, kid: str) -> dict[str, Any]:
    """The billing office uploads the bank's OCR file through the gateway, as in the clinic."""
    paid_on = datetime.now(OSLO).date() + timedelta(days=16)
    payment = OcrTransaction(1, 10, paid_on, 25900, kid, bank_date=paid_on - timedelta(days=1))
    account = BillingSettings.model_fields["clinic_account_number"].default
    ocr = render(OcrTransmission(f"{secrets.randbelow(10**7):07d}", (OcrAssignment("0000001", account, (payment,)),)),
                 paid_on).encode("iso-8859-1")
    office = await log_in_staff(gw, *await add_staff(system, "billing"))
    response = await gw.post("/api/v1/staff/payments/ocr", files={"file": ("OCR.txt", ocr, "text/plain")},
                             headers=office.headers)
    assert response.status_code == 200, response.text
    report: dict[str, Any] = response.json()
    return report


async def test_asked_answered_invoiced_overdue_refused_until_the_ocr_payment(live_system: System) -> None:
    try:
        async with live_system.client() as gw, httpx.AsyncClient(timeout=30) as internal:
            doctor = await log_in_staff(gw, *await add_staff(live_system, "doctor"))
            gp = doctor.subject_id
            born = date(1950, 1, 1) + timedelta(days=secrets.randbelow(20_000))
            national_id = synthetic_national_id(born, secrets.randbelow(1000))
            mobile, email = f"+4797{secrets.randbelow(10**6):06d}", f"e2e{secrets.token_hex(4)}@example.no"
            registered = await internal.post(f"{live_system.service_urls['identity']}/internal/patients", json={
                "national_id": national_id, "name": "Kari Nordmann", "birth_date": born.isoformat(),
                "mobile": mobile, "email": email, "gp_id": str(gp), "first_contact_done": True})
            assert registered.status_code == 201, registered.text
            econsult = live_system.service_urls["econsult"]
            opened = await internal.put(f"{econsult}/internal/availability/{gp}", json={"open": True})
            assert opened.status_code == 200, opened.text
            auth = await log_in(gw, national_id, mobile)

            async def sent() -> Any:
                response = await gw.post("/api/v1/econsultations", headers=auth,
                                         json={"text": QUESTION, "accepted_terms": True})
                return response.json() if response.status_code == 201 else None
            asked = await eventually(sent, "econsult to know the patient")
            assert asked["price"]["amount_nok"] == "259,00 kr"
            answered = await gw.post(f"/api/v1/staff/econsultations/{asked['id']}/answer", headers=doctor.headers,
                                     json={"text": ANSWER})
            assert answered.status_code == 200, answered.text
            mine = (await gw.get("/api/v1/econsultations", headers=auth)).json()["items"]
            assert [(m["status"], m["answer"]) for m in mine] == [("answered", ANSWER)]

            async def invoiced() -> Any:
                return (await gw.get("/api/v1/invoices", headers=auth)).json()["items"]
            [invoice] = await eventually(invoiced, "the invoice")
            assert (invoice["amount_ore"], invoice["amount_nok"], invoice["status"]) == (25900, "259,00 kr", "open")
            pdf = await gw.get(invoice["pdf_url"], headers=auth)
            assert pdf.headers["content-type"] == "application/pdf"
            assert invoice["kid"] in PdfReader(BytesIO(pdf.content)).pages[0].extract_text()

            live_system.move_clock(timedelta(days=15))  # past the due date, for every service at once
            auth = await log_in(gw, national_id, mobile)  # a session ends after 12 hours: this is a new visit

            async def refused() -> bool:
                response = await gw.post("/api/v1/econsultations", headers=auth,
                                         json={"text": QUESTION, "accepted_terms": True})
                return response.status_code == 403 and response.json()["code"] == "access.unpaid_claims"
            await eventually(refused, "new requests refused with access.unpaid_claims")
            assert (await gw.get("/api/v1/invoices", headers=auth)).json()["items"][0]["status"] == "overdue"

            report = await pay_by_ocr(live_system, gw, invoice["kid"])
            assert report["summary"]["paid"] == 1

            async def cleared() -> bool:
                me = (await gw.get("/api/v1/me", headers=auth)).json()
                return "access.unpaid_claims" not in me["restrictions"]
            await eventually(cleared, "the claim cleared after the payment")
            assert (await gw.get("/api/v1/invoices", headers=auth)).json()["items"][0]["status"] == "paid"

            async def giro_mailed() -> bool:
                body = json.dumps((await gw.get("/dev/mail", params={"to": email})).json())
                return "application/pdf" in body or ".pdf" in body
            await eventually(giro_mailed, "the giro attached to the e-mail")
    finally:
        live_system.reset_clock()
