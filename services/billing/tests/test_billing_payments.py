"""Payments from the bank's OCR file and by hand: matched on KID, part and over payments flagged,
unknown KIDs kept, and nothing paid twice."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from kit.clock import FixedClock
from services.billing.tests.billing_support import STAFF, Billing, billing_service, oslo_at
from tests.support.services import StackEnv

pytestmark = pytest.mark.stack

FILE = Path(__file__).parent / "data" / "ocr_giro_2026-03-12.txt"


@pytest.fixture
async def billing(stack_env: StackEnv, scratch_db: str) -> AsyncIterator[Billing]:
    async with billing_service(stack_env, scratch_db, clock=FixedClock(oslo_at(2026, 3, 12, 8))) as service:
        yield service


async def four_invoices(billing: Billing) -> list[dict[str, Any]]:
    """On a fresh database the KIDs are 0000000018, ...26, ...34, ...42: the ones the bank file pays."""
    invoices = []
    for _ in range(4):
        patient = await billing.register_patient()
        event = billing.answered(patient, oslo_at(2026, 3, 2), oslo_at(2026, 3, 3))
        await billing.send(event)
        await billing.decided(event.econsult_id)
        [invoice] = await billing.invoices_of(patient)
        invoices.append(invoice)
    assert [i["kid"] for i in invoices] == ["0000000018", "0000000026", "0000000034", "0000000042"]
    return invoices


async def upload(billing: Billing, content: bytes) -> Any:
    return await billing.client.post("/internal/payments/ocr", params={"imported_by": str(STAFF)}, content=content)


async def test_an_ocr_file_pays_the_right_invoices_and_reports_what_it_could_not(billing: Billing) -> None:
    full, part, over, untouched = await four_invoices(billing)
    response = await upload(billing, FILE.read_bytes())
    assert response.status_code == 200, response.text
    report = response.json()
    assert report["already_imported"] is False
    assert report["summary"] == {"transactions": 4, "amount_ore": 91800, "paid": 1, "part_paid": 1, "over_paid": 1,
                                 "unknown_kid": 1, "reversal": 0, "duplicate": 0}
    outcomes = {line["kid"]: (line["outcome"], line["amount_ore"]) for line in report["payments"]}
    assert outcomes == {"0000000018": ("paid", 25900), "0000000026": ("part_paid", 10000),
                        "0000047110": ("unknown_kid", 25900), "0000000034": ("over_paid", 30000)}

    after = {i["kid"]: i for p in (full, part, over, untouched) for i in await billing.invoices_of(p["patient_id"])}
    assert (after["0000000018"]["status"], after["0000000018"]["paid_ore"]) == ("paid", 25900)
    assert after["0000000018"]["settled_on"] == "2026-03-12"
    assert (after["0000000026"]["status"], after["0000000026"]["outstanding_ore"]) == ("part_paid", 15900)
    assert (after["0000000034"]["status"], after["0000000034"]["paid_ore"]) == ("over_paid", 30000)
    assert after["0000000042"]["status"] == "open"

    # The money we could not place is kept, flagged, for the billing office to sort out.
    unmatched = (await billing.client.get("/internal/payments", params={"unmatched": "true"})).json()["items"]
    assert [(p["kid"], p["amount_ore"], p["outcome"]) for p in unmatched] == [("0000047110", 25900, "unknown_kid")]

    await billing.published()
    paid = [e["payload"] for e in await billing.events("invoices") if e["event_type"] == "InvoicePaid"]
    assert sorted((p["kid"], p["paid_ore"], p["total_paid_ore"], p["status"]) for p in paid) == [
        ("0000000018", 25900, 25900, "paid"), ("0000000026", 10000, 10000, "part_paid"),
        ("0000000034", 30000, 30000, "over_paid")]


async def test_the_same_file_twice_pays_nothing_twice(billing: Billing) -> None:
    await four_invoices(billing)
    first = (await upload(billing, FILE.read_bytes())).json()
    again = await upload(billing, FILE.read_bytes())
    assert again.status_code == 200
    assert again.json()["already_imported"] is True
    assert again.json()["import_id"] == first["import_id"]
    # The same bank transactions in a file that differs in its bytes (Windows line endings) are
    # recognised by transmission and transaction number.
    rewritten = (await upload(billing, FILE.read_bytes().replace(b"\n", b"\r\n"))).json()
    assert rewritten["already_imported"] is False
    assert rewritten["summary"]["duplicate"] == 4
    assert await billing.fetchval("SELECT count(*) FROM payments") == 4
    assert await billing.fetchval("SELECT paid_ore FROM invoices WHERE kid = '0000000018'") == 25900
    await billing.published()
    paid = [e for e in await billing.events("invoices") if e["event_type"] == "InvoicePaid"]
    assert len(paid) == 3


async def test_a_damaged_file_pays_nothing(billing: Billing) -> None:
    await four_invoices(billing)
    damaged = FILE.read_bytes().replace(b"00000000000091800120326000", b"00000000000091900120326000")
    response = await upload(billing, damaged)
    assert response.status_code == 422
    assert response.json()["code"] == "validation.ocr_file"
    assert await billing.fetchval("SELECT count(*) FROM payments") == 0
    assert await billing.fetchval("SELECT count(*) FROM ocr_imports") == 0


async def test_a_file_for_another_account_is_refused(billing: Billing) -> None:
    other = FILE.read_bytes().replace(b"15030540007", b"12345678903")
    response = await upload(billing, other)
    assert response.status_code == 422
    assert response.json()["code"] == "validation.ocr_account"


async def test_a_payment_registered_by_hand(billing: Billing) -> None:
    invoices = await four_invoices(billing)
    kid = invoices[1]["kid"]
    for amount, status in ((20000, "part_paid"), (5900, "paid")):
        response = await billing.client.post("/internal/payments", json={
            "kid": kid, "amount_ore": amount, "paid_on": "2026-03-12", "registered_by": str(STAFF)})
        assert response.status_code == 201, response.text
        assert response.json()["outcome"] == status
    [invoice] = await billing.invoices_of(invoices[1]["patient_id"])
    assert (invoice["status"], invoice["paid_ore"]) == ("paid", 25900)
    unknown = await billing.client.post("/internal/payments", json={
        "kid": "0000047118", "amount_ore": 100, "paid_on": "2026-03-12", "registered_by": str(STAFF)})
    assert unknown.status_code == 404
    mistyped = await billing.client.post("/internal/payments", json={
        "kid": "0000000019", "amount_ore": 100, "paid_on": "2026-03-12", "registered_by": str(STAFF)})
    assert mistyped.status_code == 422
    assert mistyped.json()["code"] == "validation.kid"


async def test_a_payment_with_an_unknown_kid_is_placed_on_the_invoice_it_was_meant_for(billing: Billing) -> None:
    """The bank's file had a mistyped KID: the billing office puts the kept payment on the right invoice, which
    is paid and told as any payment is (InvoicePaid); the same payment cannot be placed twice."""
    invoices = await four_invoices(billing)
    await upload(billing, FILE.read_bytes())
    [unmatched] = (await billing.client.get("/internal/payments", params={"unmatched": "true"})).json()["items"]
    meant_for = invoices[3]  # the untouched one: 259 kr with KID 0000000042
    placed = await billing.client.post(f"/internal/payments/{unmatched['id']}/settle",
                                       json={"invoice_id": meant_for["id"]})
    assert placed.status_code == 200, placed.text
    assert (placed.json()["outcome"], placed.json()["outstanding_ore"]) == ("paid", 0)
    [invoice] = await billing.invoices_of(meant_for["patient_id"])
    assert (invoice["status"], invoice["paid_ore"], invoice["settled_on"]) == ("paid", 25900, "2026-03-12")
    assert (await billing.client.get("/internal/payments", params={"unmatched": "true"})).json()["items"] == []
    again = await billing.client.post(f"/internal/payments/{unmatched['id']}/settle",
                                      json={"invoice_id": invoices[1]["id"]})
    assert (again.status_code, again.json()["code"]) == (409, "billing.payment_already_placed")
    matched = await billing.fetchval("SELECT id FROM payments WHERE kid = '0000000018'")
    assert (await billing.client.post(f"/internal/payments/{matched}/settle",
                                      json={"invoice_id": meant_for["id"]})).status_code == 409
    await billing.published()
    paid = [e["payload"] for e in await billing.events("invoices") if e["event_type"] == "InvoicePaid"]
    assert ("0000000042", 25900, "paid") in {(p["kid"], p["paid_ore"], p["status"]) for p in paid}


async def test_the_invoice_list_searches_by_kid_or_name_and_totals_the_whole_filter(billing: Billing) -> None:
    invoices = await four_invoices(billing)
    await upload(billing, FILE.read_bytes())
    everything = (await billing.client.get("/internal/invoices", params={"limit": 2})).json()
    assert len(everything["items"]) == 2
    assert everything["totals"]["count"] == 4  # the filter's, not the page's
    assert everything["totals"]["amount_ore"] == 4 * 25900
    assert everything["totals"]["outstanding_ore"] == 15900 + 25900  # part paid, and untouched
    assert everything["totals"]["outstanding_nok"] == "418,00 kr"
    by_kid = (await billing.client.get("/internal/invoices", params={"query": "00000000"})).json()
    assert by_kid["totals"]["count"] == 4
    one = (await billing.client.get("/internal/invoices", params={"query": invoices[2]["kid"]})).json()
    assert [i["kid"] for i in one["items"]] == [invoices[2]["kid"]]
    assert one["items"][0]["patient_birth_date"] == "1980-05-17"
    by_name = (await billing.client.get("/internal/invoices", params={"query": "pasi", "status": "open"})).json()
    assert [i["kid"] for i in by_name["items"]] == ["0000000042"]
    assert (await billing.client.get("/internal/invoices", params={"query": "Ingen Slik"})).json()["totals"] == {
        "count": 0, "amount_ore": 0, "amount_nok": "0,00 kr", "outstanding_ore": 0, "outstanding_nok": "0,00 kr"}


@pytest.mark.parametrize("paid_on", ["0001-01-01", "2026-03-11", "2026-03-13", "9999-12-31"])
async def test_a_payment_by_hand_dated_before_its_invoice_or_after_today_is_refused(billing: Billing,
                                                                                     paid_on: str) -> None:
    """Issued and registered on 12 March (the billing clock's day): money cannot have come in before the KID
    existed or after today (issue 14, item 5). Nothing is kept."""
    [invoice, *_] = await four_invoices(billing)
    refused = await billing.client.post("/internal/payments", json={
        "kid": invoice["kid"], "amount_ore": 25900, "paid_on": paid_on, "registered_by": str(STAFF)})
    assert (refused.status_code, refused.json()["code"]) == (422, "validation.payment_date")
    assert await billing.fetchval("SELECT count(*) FROM payments") == 0
    assert invoice["issued_on"] == "2026-03-12"
    kept = await billing.client.post("/internal/payments", json={
        "kid": invoice["kid"], "amount_ore": 100, "paid_on": "2026-03-12", "registered_by": str(STAFF)})
    assert kept.status_code == 201, kept.text


async def test_a_frikort_for_a_patient_we_do_not_know_is_not_found(billing: Billing) -> None:
    answer = await billing.client.put(f"/internal/patients/{uuid.uuid4()}/frikort",
                                      json={"year": 2026, "card_number": "12345678", "registered_by": str(STAFF)})
    assert (answer.status_code, answer.json()["code"]) == (404, "not_found")
    assert await billing.fetchval("SELECT count(*) FROM frikort") == 0
