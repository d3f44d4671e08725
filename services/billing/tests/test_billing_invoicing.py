"""An answered eConsultation is billed once, by the tariff the patient was shown; exempt patients get none."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import date, timedelta
from io import BytesIO

import pytest
from pypdf import PdfReader

from kit.clock import FixedClock
from services.billing.tests.billing_support import STAFF, Billing, billing_service, oslo_at
from tests.support.eventually import eventually
from tests.support.kafka import committed_everything
from tests.support.services import StackEnv

pytestmark = pytest.mark.stack

NOW = oslo_at(2026, 3, 3, 10)


@pytest.fixture
async def billing(stack_env: StackEnv, scratch_db: str) -> AsyncIterator[Billing]:
    async with billing_service(stack_env, scratch_db, clock=FixedClock(NOW)) as service:
        yield service


async def test_an_answer_delivered_three_times_gives_exactly_one_invoice_of_259_kr(billing: Billing) -> None:
    patient = await billing.register_patient()
    event = billing.answered(patient, oslo_at(2026, 3, 2, 9), oslo_at(2026, 3, 3, 9))
    # The same event redelivered, and the same answer published again under a new event id.
    first = await billing.send(event)
    await billing.send(event, event_id=first.event_id)
    await billing.send(event)
    await billing.decided(event.econsult_id)
    await billing.published()

    invoices = await billing.invoices_of(patient)
    assert len(invoices) == 1
    invoice = invoices[0]
    assert (invoice["copayment_ore"], invoice["fee_ore"], invoice["amount_ore"]) == (20400, 5500, 25900)
    assert invoice["amount_nok"] == "259,00 kr"
    assert invoice["issued_on"] == "2026-03-03"
    assert invoice["due_date"] == "2026-03-17"
    assert invoice["status"] == "open"
    assert invoice["account_number"] == billing.settings.clinic_account_number
    issued = [e for e in await billing.events("invoices") if e["event_type"] == "InvoiceIssued"]
    assert [e["payload"]["invoice_id"] for e in issued] == [invoice["id"]]
    assert issued[0]["payload"]["kid"] == invoice["kid"]
    assert issued[0]["payload"]["amount_ore"] == 25900

    pdf = await billing.client.get(f"/internal/invoices/{invoice['id']}/pdf")
    assert pdf.status_code == 200
    assert pdf.headers["content-type"] == "application/pdf"
    assert invoice["kid"] in PdfReader(BytesIO(pdf.content)).pages[0].extract_text()
    assert (await billing.client.get(f"/internal/invoices/{uuid.uuid4()}/pdf")).status_code == 404


async def test_an_answer_that_comes_before_the_patients_registration_is_billed_when_it_comes(billing: Billing) -> None:
    """The answer (econsultations topic) and identity's snapshot (patients topic) are read side by side: on a replay
    or a restored database the answer can come first. It waits for the patient, not retried into the dead-letter
    topic (where the invoice would be lost), and is billed once the patient is known."""
    patient = uuid.uuid4()
    event = billing.answered(patient, oslo_at(2026, 3, 2, 9), oslo_at(2026, 3, 3, 9))
    sent = await billing.send(event)

    async def kept() -> bool:
        return await billing.fetchval("SELECT count(*) FROM awaiting_patient WHERE event_id = $1", sent.event_id) == 1
    await eventually(kept, what="the answer kept until the patient is known")
    assert await billing.fetchval("SELECT count(*) FROM econsult_charges") == 0
    assert await billing.fetchval("SELECT count(*) FROM dead_letters") == 0

    await billing.register_patient(patient_id=patient)
    await billing.decided(event.econsult_id)
    [invoice] = await billing.invoices_of(patient)
    assert invoice["amount_ore"] == 25900
    assert await billing.fetchval("SELECT count(*) FROM awaiting_patient") == 0
    await billing.published()
    issued = [e for e in await billing.events("invoices") if e["event_type"] == "InvoiceIssued"]
    assert [e["payload"]["invoice_id"] for e in issued] == [invoice["id"]]


async def test_a_frikort_holder_for_that_year_gets_no_invoice_and_the_reason_is_kept(billing: Billing) -> None:
    patient = await billing.register_patient()
    put = await billing.client.put(f"/internal/patients/{patient}/frikort",
                                   json={"year": 2026, "card_number": "12345678", "registered_by": str(STAFF)})
    assert put.status_code == 200, put.text
    event = billing.answered(patient, oslo_at(2026, 3, 2), oslo_at(2026, 3, 3))
    await billing.send(event)
    await billing.decided(event.econsult_id)
    assert await billing.invoices_of(patient) == []
    rows = await billing.fetch("SELECT outcome, exempt_reason, frikort_card FROM econsult_charges "
                               "WHERE econsult_id = $1", event.econsult_id)
    assert [tuple(r) for r in rows] == [("exempt", "frikort", "12345678")]


async def test_last_years_frikort_does_not_exempt(billing: Billing) -> None:
    patient = await billing.register_patient()
    await billing.client.put(f"/internal/patients/{patient}/frikort",
                             json={"year": 2025, "card_number": "12345678", "registered_by": str(STAFF)})
    event = billing.answered(patient, oslo_at(2026, 3, 2), oslo_at(2026, 3, 3))
    await billing.send(event)
    await billing.decided(event.econsult_id)
    assert [i["amount_ore"] for i in await billing.invoices_of(patient)] == [25900]


async def test_a_15_year_old_gets_no_invoice_but_a_16th_birthday_before_the_answer_does(billing: Billing) -> None:
    fifteen = await billing.register_patient(birth_date=date(2010, 3, 4))  # 16 the day after the answer
    sixteen = await billing.register_patient(birth_date=date(2010, 3, 3))  # 16 on the day of the answer
    for patient in (fifteen, sixteen):
        event = billing.answered(patient, oslo_at(2026, 3, 2), oslo_at(2026, 3, 3))
        await billing.send(event)
        await billing.decided(event.econsult_id)
    assert await billing.invoices_of(fifteen) == []
    assert await billing.fetchval("SELECT exempt_reason FROM econsult_charges WHERE patient_id = $1",
                                  fifteen) == "under_16"
    assert [i["amount_ore"] for i in await billing.invoices_of(sixteen)] == [25900]


async def test_the_tariff_is_the_one_in_force_when_the_patient_sent_it(billing: Billing) -> None:
    await billing.fetch("UPDATE tariffs SET valid_to = '2026-03-03' WHERE valid_to IS NULL")
    await billing.fetch("INSERT INTO tariffs (service, copayment_ore, fee_ore, valid_from) "
                        "VALUES ('econsultation', 21000, 6000, '2026-03-03')")
    patient = await billing.register_patient()
    # Sent on the last evening of the old tariff.
    event = billing.answered(patient, oslo_at(2026, 3, 2, 23, 30), oslo_at(2026, 3, 3, 9))
    await billing.send(event)
    await billing.decided(event.econsult_id)
    assert [i["amount_ore"] for i in await billing.invoices_of(patient)] == [25900]
    # Half past midnight in Oslo is still the 2nd in UTC: the day is Oslo's, so the new tariff applies.
    later = billing.answered(patient, oslo_at(2026, 3, 3, 0, 30), oslo_at(2026, 3, 3, 9))
    await billing.send(later)
    await billing.decided(later.econsult_id)
    assert sorted(i["amount_ore"] for i in await billing.invoices_of(patient)) == [25900, 27000]


async def test_the_price_shown_before_sending(billing: Billing) -> None:
    adult = await billing.register_patient()
    child = await billing.register_patient(birth_date=date(2015, 1, 1))
    price = await billing.client.get("/internal/prices/econsultation",
                                     params={"patient_id": str(adult), "on": "2026-03-02"})
    assert price.json() == {"copayment_ore": 20400, "fee_ore": 5500, "amount_ore": 25900, "amount_nok": "259,00 kr",
                            "exempt": False, "exempt_reason": None}
    price = await billing.client.get("/internal/prices/econsultation",
                                     params={"patient_id": str(child), "on": "2026-03-02"})
    assert price.json()["exempt_reason"] == "under_16"
    assert price.json()["amount_ore"] == 0
    too_early = await billing.client.get("/internal/prices/econsultation",
                                         params={"patient_id": str(adult), "on": "2019-06-30"})
    assert too_early.status_code == 503
    assert too_early.json()["code"] == "billing.no_tariff"
    # A frikort counts for its own year only; someone not (yet) in billing's directory pays the full price.
    await billing.client.put(f"/internal/patients/{adult}/frikort",
                             json={"year": 2026, "card_number": "12345678", "registered_by": str(STAFF)})
    for patient, on, reason in ((adult, "2026-03-02", "frikort"), (adult, "2027-01-04", None),
                                (uuid.uuid4(), "2026-03-02", None)):
        price = await billing.client.get("/internal/prices/econsultation",
                                         params={"patient_id": str(patient), "on": on})
        assert (price.json()["exempt_reason"], price.json()["amount_ore"]) == (reason, 0 if reason else 25900)


async def test_kids_of_many_invoices_are_unique_and_pass_the_luhn_check(billing: Billing) -> None:
    from stdnum import luhn
    patient = await billing.register_patient()
    events = [billing.answered(patient, oslo_at(2026, 3, 2), oslo_at(2026, 3, 3)) for _ in range(25)]
    for event in events:
        await billing.send(event)
    for event in events:
        await billing.decided(event.econsult_id)
    kids = [i["kid"] for i in await billing.invoices_of(patient)]
    assert len(kids) == len(set(kids)) == 25
    assert all(luhn.is_valid(kid) for kid in kids)


async def test_a_declined_econsultation_is_not_billed(billing: Billing) -> None:
    from contracts.events import EConsultDeclined
    patient = await billing.register_patient()
    declined = EConsultDeclined(econsult_id=uuid.uuid4(), patient_id=patient, doctor_id=uuid.uuid4())
    await billing.send(declined)
    answered = billing.answered(patient, oslo_at(2026, 3, 2), oslo_at(2026, 3, 3))
    await billing.send(answered)
    await billing.decided(answered.econsult_id)

    async def consumed_all() -> bool:
        return await committed_everything(billing.settings, billing.settings.topic("econsultations"))
    await eventually(consumed_all, what="billing to consume the declined one too")
    assert await billing.fetchval("SELECT count(*) FROM econsult_charges WHERE econsult_id = $1",
                                  declined.econsult_id) == 0
    assert len(await billing.invoices_of(patient)) == 1


async def test_the_copayment_report_counts_the_copayment_not_the_fee(billing: Billing) -> None:
    patient = await billing.register_patient(name="Rapport Pasient")
    for day in (2, 3):
        event = billing.answered(patient, oslo_at(2026, 3, day) - timedelta(days=1), oslo_at(2026, 3, day))
        await billing.send(event)
        await billing.decided(event.econsult_id)
    report = (await billing.client.get("/internal/reports/copayments", params={"year": 2026})).json()
    mine = [p for p in report["patients"] if p["patient_id"] == str(patient)]
    assert mine == [{"patient_id": str(patient), "name": "Rapport Pasient", "birth_date": "1980-05-17", "invoices": 2,
                     "copayment_ore": 40800, "copayment_nok": "408,00 kr", "frikort_card": None}]
    assert (await billing.client.get("/internal/reports/copayments", params={"year": 2025})).json()["patients"] == []
