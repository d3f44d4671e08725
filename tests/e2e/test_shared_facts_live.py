"""Issue 15 through the running system (every service a process, real Kafka), each through the public API as the
clinic uses it: a closed day and its reopening, a change of GP, a bank reversal, the renewal hint and withdrawing
an eConsultation, and the small rules (invisible characters, a Sami name on the giro, the booking SMS's cancel
promise, a weekly template across the spring DST gap).

Every test that moves the shared clock or closes a day puts it back in `finally`, so the tests after it see the
clinic as it was."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, time, timedelta
from io import BytesIO
from typing import Any

import httpx
import pytest
from pypdf import PdfReader

from billing.domain.ocr import OcrAssignment, OcrTransaction, OcrTransmission
from billing.settings import BillingSettings
from kit.clock import OSLO, OffsetClock, oslo
from kit.working_days import WorkingDays
from services.billing.tests.ocr_writer import render
from tests.support.eventually import eventually
from tests.support.portal import Session, add_staff, log_in_patient, log_in_staff, register_patient
from tests.support.system import System

pytestmark = pytest.mark.stack

METFORMIN = {"name": "Metformin", "strength": "500 mg", "atc_code": "A10BA02", "reseptgruppe": "C", "fixed": True,
             "prescribed_by": "here"}
QUESTION = "Jeg har fått tørrhoste etter at jeg begynte på ny blodtrykksmedisin. Er det vanlig?"


@contextmanager
def clock_at(system: System, at: datetime) -> Iterator[None]:
    """Every service's clock at `at` for the block (move_clock moves relative to where the clock is now)."""
    system.move_clock(at - OffsetClock(system.clock_file).now())
    try:
        yield
    finally:
        system.reset_clock()


def now_oslo(system: System) -> datetime:
    return oslo(OffsetClock(system.clock_file).now())


async def clinic(system: System, http: httpx.AsyncClient, *, name: str = "Test Pasient"
                 ) -> tuple[Session, Session, Any, str]:
    """A doctor open for eConsultations, a patient of theirs logged in, Metformin (fixed) on the list."""
    doctor = await log_in_staff(http, *await add_staff(system, "doctor", name="Dr. Fastlege"))
    patient = await register_patient(system, doctor.subject_id, name=name)
    me = await log_in_patient(http, patient.national_id, patient.mobile)

    async def medicine() -> Any:
        added = await http.post(f"/api/v1/staff/patients/{patient.id}/medications", headers=doctor.headers,
                                json=METFORMIN)
        return added.json()["id"] if added.status_code == 201 else None  # prescription may not know them yet
    medication_id = await eventually(medicine, "prescription to know the patient")
    opened = await http.put("/api/v1/staff/econsult-availability", headers=doctor.headers, json={"open": True})
    assert opened.status_code == 200, opened.text
    return doctor, me, patient, medication_id


async def ask(http: httpx.AsyncClient, me: Session, text: str = QUESTION) -> Any:
    async def sent() -> Any:
        answer = await http.post("/api/v1/econsultations", headers=me.headers,
                                 json={"text": text, "accepted_terms": True})
        return answer.json() if answer.status_code == 201 else None  # econsult may not know the patient yet
    return await eventually(sent, "econsult to know the patient")


async def one(http: httpx.AsyncClient, me: Session, path: str, item_id: str) -> Any:
    items = (await http.get(path, headers=me.headers)).json()["items"]
    return next(i for i in items if i["id"] == item_id)


async def sms_texts(http: httpx.AsyncClient, mobile: str) -> list[str]:
    return [m["text"] for m in (await http.get("/dev/sms", params={"to": mobile})).json()["items"]]


# --- 1. closed days: one fact, one owner ------------------------------------------------------------------------


async def test_a_closed_day_moves_every_services_dates_and_reopening_moves_them_back(live_system: System) -> None:
    # Friday 28 February 2031 (a year no other test touches): due five working days later, Friday 7 March.
    friday, closed_day = datetime(2031, 2, 28, 10, 0, tzinfo=OSLO), date(2031, 3, 7)
    with clock_at(live_system, friday):
        async with live_system.client() as http:
            doctor, me, _, medication_id = await clinic(live_system, http)
            reception = await log_in_staff(http, *await add_staff(live_system, "reception"))
            renewal = (await http.post("/api/v1/renewals", headers=me.headers,
                                       json={"medication_ids": [medication_id]})).json()
            question = await ask(http, me)
            assert (renewal["due_date"], question["due_date"]) == ("2031-03-07", "2031-03-07")
            slot = await http.post("/api/v1/staff/slots", headers=doctor.headers,
                                   json={"start": "2031-03-10T09:00:00+01:00", "minutes": 20})
            assert slot.status_code == 201, slot.text
            booked = await http.post("/api/v1/appointments", headers=me.headers, json={"slot_id": slot.json()["id"]})
            assert booked.status_code == 201, booked.text
            assert booked.json()["patient_may_cancel_until"] == "2031-03-07T09:00:00+01:00"

            try:
                closed = await http.post("/api/v1/staff/closed-days", headers=reception.headers,
                                         json={"day": closed_day.isoformat(), "reason": "Personaldag"})
                assert closed.status_code == 201, closed.text

                async def moved() -> bool:
                    r = await one(http, me, "/api/v1/renewals", renewal["id"])
                    q = await one(http, me, "/api/v1/econsultations", question["id"])
                    return (r["due_date"], q["due_date"]) == ("2031-03-10", "2031-03-10")
                await eventually(moved, "open requests' due dates past the closed Friday")
                [appointment] = (await http.get("/api/v1/appointments", headers=me.headers)).json()["items"]
                assert appointment["patient_may_cancel_until"] == "2031-03-06T09:00:00+01:00"  # Thursday now
                second = await ask(http, me, "Og hvor lenge varer det?")
                assert second["due_date"] == "2031-03-10"  # a new question counts the closed day at once
            finally:
                reopened = await http.delete(f"/api/v1/staff/closed-days/{closed_day.isoformat()}",
                                             headers=reception.headers)
            assert reopened.status_code == 200, reopened.text

            async def back() -> bool:
                r = await one(http, me, "/api/v1/renewals", renewal["id"])
                q = await one(http, me, "/api/v1/econsultations", second["id"])
                return (r["due_date"], q["due_date"]) == ("2031-03-07", "2031-03-07")
            await eventually(back, "the due dates back after reopening")
            [appointment] = (await http.get("/api/v1/appointments", headers=me.headers)).json()["items"]
            assert appointment["patient_may_cancel_until"] == "2031-03-07T09:00:00+01:00"
            again = await http.delete(f"/api/v1/staff/closed-days/{closed_day.isoformat()}", headers=reception.headers)
            assert (again.status_code, again.json()["code"]) == (404, "not_found")


# --- 2. a change of GP -----------------------------------------------------------------------------------------


def next_working_morning() -> datetime:
    day = datetime.now(OSLO).date() + timedelta(days=3)
    while not WorkingDays().is_working_day(day):
        day += timedelta(days=1)
    return datetime.combine(day, time(8, secrets.randbelow(50)), tzinfo=OSLO)


async def test_a_new_gp_takes_over_open_requests_and_the_patient_must_phone_first(live_system: System) -> None:
    async with live_system.client() as http:
        old_gp, me, patient, medication_id = await clinic(live_system, http)
        new_gp = await log_in_staff(http, *await add_staff(live_system, "doctor", name="Dr. Ny Fastlege"))
        reception = await log_in_staff(http, *await add_staff(live_system, "reception"))
        renewal = (await http.post("/api/v1/renewals", headers=me.headers,
                                   json={"medication_ids": [medication_id]})).json()
        question = await ask(http, me)
        slot = await http.post("/api/v1/staff/slots", headers=old_gp.headers,
                               json={"start": next_working_morning().isoformat(), "minutes": 20})
        booked = await http.post("/api/v1/appointments", headers=me.headers, json={"slot_id": slot.json()["id"]})
        assert booked.status_code == 201, booked.text

        moved = await http.patch(f"/api/v1/staff/patients/{patient.id}", headers=reception.headers,
                                 json={"gp_id": str(new_gp.subject_id)})
        assert moved.status_code == 200, moved.text
        assert (moved.json()["gp_id"], moved.json()["first_contact_done"]) == (str(new_gp.subject_id), False)

        async def taken_over() -> bool:
            inbox = (await http.get("/api/v1/staff/inbox", headers=new_gp.headers)).json()["items"]
            return {i["id"] for i in inbox} == {renewal["id"], question["id"]}
        await eventually(taken_over, "the new GP's inbox with the open renewal and eConsultation")
        assert (await http.get("/api/v1/staff/inbox", headers=old_gp.headers)).json()["items"] == []
        for method, path, body in (
                ("GET", f"/api/v1/staff/econsultations/{question['id']}", None),
                ("POST", f"/api/v1/staff/econsultations/{question['id']}/answer", {"text": "Svar"}),
                ("POST", f"/api/v1/staff/econsultations/{question['id']}/decline", {"reason": "Bestill time"}),
                ("GET", f"/api/v1/staff/renewals/{renewal['id']}", None),
                ("POST", f"/api/v1/staff/renewals/{renewal['id']}/decision",
                 {"items": [{"medication_id": medication_id, "approve": True}]})):
            refused = await http.request(method, path, headers=old_gp.headers, json=body)
            assert refused.status_code in (403, 404), (path, refused.status_code, refused.text)
        read = await http.get(f"/api/v1/staff/econsultations/{question['id']}", headers=new_gp.headers)
        assert (read.status_code, read.json()["text"]) == (200, QUESTION)
        decided = await http.post(f"/api/v1/staff/renewals/{renewal['id']}/decision", headers=new_gp.headers,
                                  json={"items": [{"medication_id": medication_id, "approve": True}]})
        assert decided.status_code == 200, decided.text

        # The first contact with a new GP is by phone: the portal refuses new requests until reception says so.
        me = await log_in_patient(http, patient.national_id, patient.mobile)
        profile = (await http.get("/api/v1/me", headers=me.headers)).json()
        assert "access.first_contact_by_phone" in profile["restrictions"]
        refused = await http.post("/api/v1/econsultations", headers=me.headers,
                                  json={"text": "Et spørsmål til", "accepted_terms": True})
        assert (refused.status_code, refused.json()["code"]) == (403, "access.first_contact_by_phone")
        [appointment] = (await http.get("/api/v1/appointments", headers=me.headers)).json()["items"]
        assert (appointment["status"], appointment["doctor_id"]) == ("booked", str(old_gp.subject_id))

        async def told() -> list[str] | None:
            texts = [t for t in await sms_texts(http, patient.mobile) if "ny fastlege" in t]
            return texts or None
        [sms] = await eventually(told, "the SMS about the new GP")
        assert "ringe" in sms
        assert "Metformin" not in sms
        assert "tørrhoste" not in sms

        done = await http.patch(f"/api/v1/staff/patients/{patient.id}", headers=reception.headers,
                                json={"first_contact_done": True})
        assert done.status_code == 200, done.text
        assert (await http.get("/api/v1/me", headers=me.headers)).json()["restrictions"] == []


# --- 3. reversals ----------------------------------------------------------------------------------------------


async def upload_ocr(system: System, http: httpx.AsyncClient, office: Session,
                     *transactions: tuple[int, int, str], on: date) -> Any:
    lines = tuple(OcrTransaction(n, kind, on, amount, kid) for n, (kind, amount, kid) in enumerate(transactions, 1))
    account = BillingSettings.model_fields["clinic_account_number"].default
    content = render(OcrTransmission(f"{secrets.randbelow(10**7):07d}", (OcrAssignment("0000001", account, lines),)),
                     on).encode("iso-8859-1")
    answer = await http.post("/api/v1/staff/payments/ocr", files={"file": ("OCR.txt", content, "text/plain")},
                             headers=office.headers)
    assert answer.status_code == 200, answer.text
    return answer.json()


async def test_a_reversal_opens_a_paid_invoice_again_and_the_giro_asks_for_what_is_owed(live_system: System) -> None:
    # The payer is Sami: the giro prints the name with its own letters (an embedded font), not boxes.
    sami = "Áŋŋá Čuđđi-Ŧoađđi"
    try:
        async with live_system.client() as http:
            doctor, me, patient, _ = await clinic(live_system, http, name=sami)
            office = await log_in_staff(http, *await add_staff(live_system, "billing"))
            question = await ask(http, me)
            answered = await http.post(f"/api/v1/staff/econsultations/{question['id']}/answer",
                                       headers=doctor.headers, json={"text": "Ja, det er en kjent bivirkning."})
            assert answered.status_code == 200, answered.text

            async def invoiced() -> Any:
                return (await http.get("/api/v1/invoices", headers=me.headers)).json()["items"]
            [invoice] = await eventually(invoiced, "the invoice")
            today = now_oslo(live_system).date()
            paid = await upload_ocr(live_system, http, office, (10, 25900, invoice["kid"]), on=today)
            assert paid["payments"][0]["outcome"] == "paid"

            live_system.move_clock(timedelta(days=16))  # past the due date: the bank takes part of it back
            me = await log_in_patient(http, patient.national_id, patient.mobile)
            office = await log_in_staff(http, *await add_staff(live_system, "billing"))
            later = now_oslo(live_system).date()
            reversed_ = await upload_ocr(live_system, http, office, (20, -10000, invoice["kid"]), on=later)
            assert (reversed_["payments"][0]["outcome"], reversed_["summary"]["reversal"]) == ("reversal", 1)
            [after] = (await http.get("/api/v1/invoices", headers=me.headers)).json()["items"]
            assert (after["status"], after["paid_ore"], after["outstanding_ore"]) == ("overdue", 15900, 10000)

            async def locked() -> bool:
                profile = (await http.get("/api/v1/me", headers=me.headers)).json()
                return "access.unpaid_claims" in profile["restrictions"]
            await eventually(locked, "unsettled claims after the reversal")
            pdf = await http.get(after["pdf_url"], headers=me.headers)
            assert pdf.headers["content-type"] == "application/pdf"
            text = PdfReader(BytesIO(pdf.content)).pages[0].extract_text()
            assert "Beløp: 100,00 kr" in text
            assert "Å betale" in text
            assert "100,00 kr" in text
            assert sami in text

            await upload_ocr(live_system, http, office, (10, 10000, invoice["kid"]), on=later)

            async def cleared() -> bool:
                profile = (await http.get("/api/v1/me", headers=me.headers)).json()
                return "access.unpaid_claims" not in profile["restrictions"]
            await eventually(cleared, "the claim cleared by paying the rest")
            [settled] = (await http.get("/api/v1/invoices", headers=me.headers)).json()["items"]
            assert (settled["status"], settled["outstanding_ore"]) == ("paid", 0)
    finally:
        live_system.reset_clock()


# --- 4. the renewal hint, and withdrawing an eConsultation ----------------------------------------------------------


async def test_the_renewal_hint_knows_my_medicines_and_an_unopened_question_can_be_withdrawn(
        live_system: System) -> None:
    async with live_system.client() as http:
        doctor, me, _, _ = await clinic(live_system, http)
        names = [m["name"] for m in (await http.get("/api/v1/medications", headers=me.headers)).json()["items"]]
        writing = await http.post("/api/v1/econsultations/renewal-hint", headers=me.headers,
                                  json={"text": "Jeg trenger mer Metformin", "medicine_names": names})
        assert writing.status_code == 200, writing.text
        assert writing.json()["renewal_hint"]["code"] == "econsult.renewal_hint"  # before anything is sent
        plain = await http.post("/api/v1/econsultations/renewal-hint", headers=me.headers,
                                json={"text": "Hvilke vaksiner trenger jeg?", "medicine_names": names})
        assert plain.json()["renewal_hint"] is None

        sent = await ask(http, me, "Jeg trenger mer Metformin")  # the gateway passes the names itself
        assert sent["renewal_hint"]["code"] == "econsult.renewal_hint"
        assert sent["withdrawable"] is True
        withdrawn = await http.post(f"/api/v1/econsultations/{sent['id']}/withdraw", headers=me.headers)
        assert (withdrawn.status_code, withdrawn.json()["status"]) == (200, "withdrawn")
        gone = await http.post(f"/api/v1/staff/econsultations/{sent['id']}/answer", headers=doctor.headers,
                               json={"text": "Svar"})
        assert gone.status_code in (404, 409)  # never answered, so never billed

        opened = await ask(http, me, QUESTION)
        assert (await http.get(f"/api/v1/staff/econsultations/{opened['id']}", headers=doctor.headers)).status_code \
            == 200
        refused = await http.post(f"/api/v1/econsultations/{opened['id']}/withdraw", headers=me.headers)
        assert (refused.status_code, refused.json()["code"]) == (409, "econsult.already_opened")
        entries = (await http.get("/api/v1/access-log", headers=me.headers)).json()["entries"]
        assert ("withdraw", "success") in {(e["action"], e["outcome"]) for e in entries}  # audited, both ways
        assert ("withdraw", "refused:econsult.already_opened") in {(e["action"], e["outcome"]) for e in entries}
        assert (await http.get("/api/v1/invoices", headers=me.headers)).json()["items"] == []


# --- 5. the small rules ----------------------------------------------------------------------------------------


async def test_a_question_of_invisible_characters_is_empty_and_never_sent(live_system: System) -> None:
    async with live_system.client() as http:
        _, me, _, _ = await clinic(live_system, http)
        await ask(http, me, "Hei")  # econsult knows the patient
        for invisible in ("\u200b", " \u200b\ufeff\u2060 "):
            refused = await http.post("/api/v1/econsultations", headers=me.headers,
                                      json={"text": invisible, "accepted_terms": True})
            assert (refused.status_code, refused.json()["code"]) == (422, "econsult.empty")
        assert len((await http.get("/api/v1/econsultations", headers=me.headers)).json()["items"]) == 1


async def test_a_booking_sms_promises_an_online_cancel_only_while_it_can_be_done(live_system: System) -> None:
    # Monday 10:00 of a week without holidays: tomorrow 09:00 is 23 working hours away (too late to cancel
    # online), next Monday 09:00 is days away.
    monday = datetime.now(OSLO).date() + timedelta(days=7 - datetime.now(OSLO).weekday())
    while not all(WorkingDays().is_working_day(monday + timedelta(days=n)) for n in (0, 1, 2, 3, 4, 7)):
        monday += timedelta(days=7)
    with clock_at(live_system, datetime.combine(monday, time(10, 0), tzinfo=OSLO)):
        async with live_system.client() as http:
            doctor, me, patient, _ = await clinic(live_system, http)
            tomorrow = datetime.combine(monday + timedelta(days=1), time(9, 0), tzinfo=OSLO)
            later = datetime.combine(monday + timedelta(days=7), time(9, 0), tzinfo=OSLO)
            slots = []
            for start in (tomorrow, later):
                made = await http.post("/api/v1/staff/slots", headers=doctor.headers,
                                       json={"start": start.isoformat(), "minutes": 20})
                assert made.status_code == 201, made.text
                slots.append(made.json()["id"])

            async def confirmations(count: int) -> list[str] | None:
                texts = [t for t in await sms_texts(http, patient.mobile) if "er bestilt" in t]
                return texts if len(texts) >= count else None
            booked = await http.post("/api/v1/appointments", headers=me.headers, json={"slot_id": slots[0]})
            assert booked.status_code == 201, booked.text
            [too_late] = await eventually(lambda: confirmations(1), "the confirmation of tomorrow's appointment")
            assert "kan ikke avbestilles på nett" in too_late
            assert "Avbestill i ePortalen" not in too_late
            cancelled = await http.delete(f"/api/v1/staff/appointments/{booked.json()['id']}", headers=doctor.headers)
            assert cancelled.status_code == 204, cancelled.text
            booked = await http.post("/api/v1/appointments", headers=me.headers, json={"slot_id": slots[1]})
            assert booked.status_code == 201, booked.text
            in_time = (await eventually(lambda: confirmations(2), "the confirmation of next week's"))[0]
            # Monday 09:00 may be cancelled online until the Friday before, 09:00 (24 working-day hours).
            assert "Avbestill i ePortalen på en virkedag, senest fredag" in in_time
            assert "kl. 09.00." in in_time


async def test_a_weekly_template_across_the_spring_dst_gap_makes_no_slot_that_ends_before_it_starts(
        live_system: System) -> None:
    # Sunday 26 March 2028: the clocks jump from 02:00 to 03:00.
    with clock_at(live_system, datetime(2028, 3, 20, 10, 0, tzinfo=OSLO)):
        async with live_system.client() as http:
            doctor = await log_in_staff(http, *await add_staff(live_system, "doctor", name="Dr. Natt"))
            made = await http.post("/api/v1/staff/slots", headers=doctor.headers, json={"weekly": {
                "weekdays": [7], "day_starts": "01:00", "day_ends": "04:00", "slot_minutes": 30,
                "valid_from": "2028-03-20", "valid_until": "2028-04-02"}})
            assert made.status_code == 201, made.text
            night = (await http.get("/api/v1/staff/appointments", headers=doctor.headers,
                                    params={"from": "2028-03-26", "to": "2028-03-26"})).json()["items"]
            times = [(datetime.fromisoformat(s["starts_at"]), datetime.fromisoformat(s["ends_at"])) for s in night]
            assert all(end - start == timedelta(minutes=30) for start, end in times)
            assert [(f"{oslo(s):%H:%M}", f"{oslo(e):%H:%M}") for s, e in times] == [
                ("01:00", "01:30"), ("03:00", "03:30"), ("03:30", "04:00")]
            a_week_later = (await http.get("/api/v1/staff/appointments", headers=doctor.headers,
                                           params={"from": "2028-04-02", "to": "2028-04-02"})).json()["items"]
            assert len(a_week_later) == 6
