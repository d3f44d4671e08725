"""Stateful property tests (Hypothesis rule-based state machines) of booking and billing, against their real
handlers and databases: for any order of booking, cancelling (patient and staff), answering (and the answer
redelivered), frikort, payments by hand and in the bank's OCR files (with unknown KIDs, reversals and the
same file twice), the overdue job and clock moves, the invariants hold. A small model of our own predicts
each outcome; the database is then checked whole.

The clock moves in whole hours from a Monday before Easter 2026, so Maundy Thursday, Good Friday, Easter
Monday and weekends all come into play for the cancellation rule."""

from __future__ import annotations

import asyncio
import itertools
import os
import secrets
import uuid
from collections.abc import Coroutine
from datetime import date, datetime, timedelta
from typing import Any, TypeVar

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, consumes, invariant, rule, run_state_machine_as_test

from billing.bootstrap import build as build_billing
from billing.domain.kid import is_valid_kid, kid_for
from billing.domain.ocr import OcrAssignment, OcrTransaction, OcrTransmission
from billing.handlers.claims import mark_overdue_invoices
from billing.handlers.invoicing import bill_answered_econsultation, register_frikort
from billing.handlers.payments import import_ocr_file, register_payment
from billing.settings import invoice_terms
from booking import handlers as booking
from booking.bootstrap import build as build_booking
from contracts.events import EConsultAnswered
from kit.clock import OSLO, FixedClock, oslo
from kit.db import transaction
from kit.errors import DomainError
from kit.runtime import ServiceRuntime
from kit.working_days import WorkingDays
from services.billing.tests.ocr_writer import render
from tests.support.services import StackEnv

pytestmark = pytest.mark.stack

T = TypeVar("T")
START = datetime(2026, 3, 30, 10, 0, tzinfo=OSLO)  # Monday before Easter
MACHINE = settings(max_examples=int(os.environ.get("EPORTAL_STATE_EXAMPLES", "60")), stateful_step_count=20,
                   deadline=None, database=None,
                   suppress_health_check=list(HealthCheck))


class Running:
    """A service's runtime started on a loop of its own, so Hypothesis's synchronous steps can drive it."""

    def __init__(self, runtime: ServiceRuntime) -> None:
        self.runtime, self.loop = runtime, asyncio.new_event_loop()

    def __enter__(self) -> Running:
        self.loop.run_until_complete(self.runtime.start())
        return self

    def __exit__(self, *_: object) -> None:
        self.loop.run_until_complete(self.runtime.stop())
        self.loop.close()

    def run(self, work: Coroutine[Any, Any, T]) -> T:
        return self.loop.run_until_complete(work)

    def fetch(self, sql: str, *args: Any) -> list[Any]:
        async def go() -> list[Any]:
            async with self.runtime.pool.acquire() as conn:
                return list(await conn.fetch(sql, *args))
        return self.run(go())


def attempt(running: Running, work: Coroutine[Any, Any, T]) -> tuple[T | None, str | None]:
    """The outcome of a command: its result, or the code it was refused with."""
    try:
        return running.run(work), None
    except DomainError as refused:
        return None, refused.code


# --- booking ----------------------------------------------------------------------------------------

SLOT_STARTS = [datetime(2026, 3, 31, 10, 0, tzinfo=OSLO), datetime(2026, 4, 1, 10, 0, tzinfo=OSLO),
               datetime(2026, 4, 7, 10, 0, tzinfo=OSLO), datetime(2026, 4, 8, 10, 0, tzinfo=OSLO)]


def may_cancel(now: datetime, starts_at: datetime) -> str | None:
    """Our own reading of the rule: on a working day, with 24 working-day hours left before the start."""
    days = WorkingDays()
    if not days.is_working_day(oslo(now).date()):
        return "booking.cancel_not_working_day"
    hours, at = 0, now
    while at < starts_at:
        if days.is_working_day(oslo(at).date()):
            hours += 1
        at += timedelta(hours=1)
    return None if hours >= 24 else "booking.cancel_too_late"


class BookingMachine(RuleBasedStateMachine):
    running: Running
    clock: FixedClock

    appointments = Bundle("appointments")

    def __init__(self) -> None:
        super().__init__()
        self.clock.set(START)
        self.doctor = uuid.uuid4()
        self.patients = [uuid.uuid4() for _ in range(3)]
        rt = self.running.runtime

        async def set_up() -> list[uuid.UUID]:
            async with transaction(rt.pool) as conn:
                await conn.executemany(
                    """INSERT INTO patient_directory (patient_id, gp_id, name, birth_date, mobile, email,
                                                      first_contact_done, as_of)
                       VALUES ($1, $2, 'Pasient', '1980-01-01', '+4791234567', NULL, true, now())""",
                    [(p, self.doctor) for p in self.patients])
            return [(await booking.open_single_slot(rt, self.doctor, s, 20)).id for s in SLOT_STARTS]
        self.slots = self.running.run(set_up())
        self.starts = dict(zip(self.slots, SLOT_STARTS, strict=True))
        self.active: dict[uuid.UUID, tuple[uuid.UUID, uuid.UUID]] = {}  # appointment -> (patient, slot)
        self.cancelled: set[uuid.UUID] = set()

    def _future_of(self, patient: uuid.UUID) -> bool:
        return any(p == patient and self.starts[s] > self.clock.now() for p, s in self.active.values())

    @rule(target=appointments, patient=st.integers(0, 2), slot=st.integers(0, 3))
    def book(self, patient: int, slot: int) -> Any:
        who, which = self.patients[patient], self.slots[slot]
        held = any(s == which for _, s in self.active.values())
        past = self.starts[which] <= self.clock.now()
        busy = self._future_of(who)
        made, code = attempt(self.running, booking.book_appointment(self.running.runtime, who, which, None))
        if past:
            assert code == "booking.slot_unavailable"
        elif held:
            assert code in ("booking.slot_taken", "booking.one_future_appointment")
        elif busy:
            assert code == "booking.one_future_appointment"
        else:
            assert code is None, code
        if made is None:
            return None
        self.active[made.id] = (who, which)
        return made.id

    @rule(appointment=consumes(appointments))
    def patient_cancels(self, appointment: uuid.UUID | None) -> None:
        if appointment is None or appointment not in self.active:
            return
        who, slot = self.active[appointment]
        expected = may_cancel(self.clock.now(), self.starts[slot])
        _, code = attempt(self.running, booking.cancel_appointment(self.running.runtime, appointment, by="patient",
                                                                   patient_id=who))
        assert code == expected
        if code is None:
            del self.active[appointment]
            self.cancelled.add(appointment)

    @rule(appointment=consumes(appointments))
    def staff_cancel(self, appointment: uuid.UUID | None) -> None:
        if appointment is None or appointment not in self.active:
            return
        _, code = attempt(self.running, booking.cancel_appointment(self.running.runtime, appointment, by="staff"))
        assert code is None  # staff may cancel at any time
        del self.active[appointment]
        self.cancelled.add(appointment)

    @rule(hours=st.sampled_from([1, 5, 19, 23, 24, 25, 48, 72]))
    def time_passes(self, hours: int) -> None:
        self.clock.advance(timedelta(hours=hours))

    @invariant()
    def the_database_agrees(self) -> None:
        rows = self.running.fetch(
            """SELECT a.id, a.patient_id, a.slot_id, a.starts_at, a.cancelled_at IS NOT NULL AS cancelled,
                      (SELECT count(*) FROM outbox o WHERE o.message_key = a.id::text
                       AND o.envelope->>'event_type' = 'AppointmentBooked') AS booked_events,
                      (SELECT count(*) FROM outbox o WHERE o.message_key = a.id::text
                       AND o.envelope->>'event_type' = 'AppointmentCancelled') AS cancelled_events
               FROM appointments a WHERE a.doctor_id = $1""", self.doctor)
        active = [r for r in rows if not r["cancelled"]]
        assert {r["id"] for r in active} == set(self.active)
        assert {r["id"] for r in rows if r["cancelled"]} == self.cancelled
        assert len({r["slot_id"] for r in active}) == len(active)  # one appointment a slot
        for patient in self.patients:  # at most one future appointment each
            assert sum(1 for r in active if r["patient_id"] == patient and r["starts_at"] > self.clock.now()) <= 1
        for r in rows:  # exactly its events, once
            assert (r["booked_events"], r["cancelled_events"]) == (1, 1 if r["cancelled"] else 0)


def test_booking_holds_its_invariants_in_any_order(stack_env: StackEnv) -> None:
    clock = FixedClock(START)
    app = build_booking(stack_env.settings("booking", topic_prefix=stack_env.fresh_prefix()), clock=clock)
    with Running(app.state.runtime) as running:
        BookingMachine.running, BookingMachine.clock = running, clock
        run_state_machine_as_test(BookingMachine, settings=MACHINE)


# --- billing ----------------------------------------------------------------------------------------

DOCTOR = uuid.UUID("5d1e2f3a-7b8c-4d9e-8f01-23456789abcd")
TRANSMISSIONS = itertools.count(1)  # OCR transmission numbers: unique over the whole run, as the bank's are
# The machine's own data transmitter: a transmission number is unique per transmitter, and other tests import
# files as Nets into the same database ("0000042"), so a shared one made this machine's payments look like
# theirs, reported as duplicates, and made the replay of an example differ from its first run.
TRANSMITTER = f"{secrets.randbelow(10**8):08d}"
BIRTHS = [date(1980, 5, 17), date(2012, 1, 1), date(1955, 9, 9)]  # the second is under 16 in 2026


class BillingMachine(RuleBasedStateMachine):
    running: Running
    clock: FixedClock

    def __init__(self) -> None:
        super().__init__()
        self.clock.set(START)
        self.patients = [uuid.uuid4() for _ in BIRTHS]
        rt = self.running.runtime

        async def set_up() -> None:
            async with transaction(rt.pool) as conn:
                await conn.executemany(
                    """INSERT INTO patient_directory (patient_id, gp_id, name, birth_date, mobile, email,
                                                      first_contact_done, as_of)
                       VALUES ($1, $2, 'Pasient', $3, '+4791234567', NULL, true, now())""",
                    [(p, DOCTOR, b) for p, b in zip(self.patients, BIRTHS, strict=True)])
        self.running.run(set_up())
        self.answered: dict[uuid.UUID, EConsultAnswered] = {}
        self.frikort: set[uuid.UUID] = set()
        self.exempt_expected: dict[uuid.UUID, str | None] = {}
        self.job_day: date | None = None  # the day the overdue job last ran
        self.office = uuid.uuid4()  # registers this example's payments and imports
        self.files: list[bytes] = []  # OCR files imported, each may come again
        self.money_in = 0  # every øre the bank or the office reported: all of it must be kept

    def _bill(self, event: EConsultAnswered) -> None:
        rt = self.running.runtime

        async def go() -> None:
            async with transaction(rt.pool) as conn:
                await bill_answered_econsultation(rt, conn, event)
        self.running.run(go())

    @rule(patient=st.integers(0, 2))
    def answer(self, patient: int) -> None:
        now = self.clock.now()
        event = EConsultAnswered(econsult_id=uuid.uuid4(), patient_id=self.patients[patient], doctor_id=DOCTOR,
                                 submitted_at=now - timedelta(days=1), answered_at=now)
        self._bill(event)
        self.answered[event.econsult_id] = event
        who = self.patients[patient]
        self.exempt_expected[event.econsult_id] = (
            "under_16" if patient == 1 else "frikort" if who in self.frikort else None)

    @rule(data=st.data())
    def redelivered(self, data: st.DataObject) -> None:
        if self.answered:
            self._bill(data.draw(st.sampled_from(sorted(self.answered.values(), key=lambda e: str(e.econsult_id)))))

    @rule(patient=st.integers(0, 2))
    def frikort_card(self, patient: int) -> None:
        rt = self.running.runtime
        self.running.run(register_frikort(rt, patient_id=self.patients[patient],
                                          year=oslo(self.clock.now()).year, card_number="12345678",
                                          registered_by=DOCTOR))
        self.frikort.add(self.patients[patient])

    @rule(data=st.data(), part=st.sampled_from(["full", "part", "over"]))
    def pay(self, data: st.DataObject, part: str) -> None:
        invoices = self._invoices()
        if not invoices:
            return
        invoice = data.draw(st.sampled_from(invoices))
        outstanding = invoice["amount_ore"] - invoice["paid_ore"]
        amount = {"full": max(outstanding, 1), "part": max(outstanding // 2, 1), "over": outstanding + 100}[part]
        rt = self.running.runtime
        self.running.run(register_payment(rt, kid=invoice["kid"], amount_ore=amount,
                                          paid_on=oslo(self.clock.now()).date(), registered_by=self.office))
        self.money_in += amount

    @rule(data=st.data(), unknown=st.booleans(), reversal=st.booleans())
    def ocr_file(self, data: st.DataObject, unknown: bool, reversal: bool) -> None:
        """The bank's OCR file: payments of some invoices (full, part or over), perhaps one with a KID that is
        not ours and a reversal of an earlier payment; imported all or nothing."""
        invoices = self._invoices()
        chosen = data.draw(st.lists(st.sampled_from(invoices), max_size=3, unique_by=lambda i: i["kid"])) \
            if invoices else []
        today = oslo(self.clock.now()).date()
        lines: list[tuple[str, int]] = []
        for invoice in chosen:
            outstanding = invoice["amount_ore"] - invoice["paid_ore"]
            lines.append((invoice["kid"], data.draw(st.sampled_from(
                [max(outstanding, 1), max(outstanding // 2, 1), max(outstanding + 100, 100)]))))
        if unknown:
            lines.append((kid_for(10**9 - 1 - next(TRANSMISSIONS)), 25_900))  # valid KID, no invoice of ours
        if reversal and invoices:
            lines.append((data.draw(st.sampled_from(invoices))["kid"], -100))
        if not lines:
            return
        transactions = tuple(OcrTransaction(n, 18 if amount < 0 else 10, today, amount, kid)
                             for n, (kid, amount) in enumerate(lines, start=1))
        rt = self.running.runtime
        transmission = OcrTransmission(f"{next(TRANSMISSIONS):07d}", (OcrAssignment(
            "0000001", invoice_terms(rt.settings).account_number, transactions),), data_transmitter=TRANSMITTER)
        content = render(transmission, today).encode("iso-8859-1")
        report = self.running.run(import_ocr_file(rt, content=content, imported_by=self.office))
        assert not report["already_imported"]
        assert report["summary"]["transactions"] == len(lines)
        assert report["summary"]["unknown_kid"] == int(unknown)
        self.files.append(content)
        self.money_in += sum(amount for _, amount in lines)

    @rule(data=st.data())
    def the_same_ocr_file_again(self, data: st.DataObject) -> None:
        if not self.files:
            return
        rt = self.running.runtime
        report = self.running.run(import_ocr_file(rt, content=data.draw(st.sampled_from(self.files)),
                                                  imported_by=self.office))
        assert report["already_imported"]  # and the invariant sees no payment twice

    @rule(days=st.sampled_from([1, 7, 15, 30]))
    def days_pass_and_the_overdue_job_runs(self, days: int) -> None:
        self.clock.advance(timedelta(days=days))
        self.running.run(mark_overdue_invoices(self.running.runtime))
        self.job_day = oslo(self.clock.now()).date()

    def _invoices(self) -> list[Any]:
        return self.running.fetch(
            "SELECT * FROM invoices WHERE patient_id = ANY($1::uuid[]) ORDER BY kid", self.patients)

    @invariant()
    def one_decision_per_answer_and_the_books_balance(self) -> None:
        charges = {r["econsult_id"]: r for r in self.running.fetch(
            "SELECT econsult_id, exempt_reason FROM econsult_charges WHERE patient_id = ANY($1::uuid[])",
            self.patients)}
        assert set(charges) == set(self.answered)  # exactly one decision each, redelivered or not
        invoices = self._invoices()
        by_econsult = {i["econsult_id"]: i for i in invoices}
        assert len(by_econsult) == len(invoices)  # never two invoices for one eConsultation
        for econsult_id, expected in self.exempt_expected.items():
            assert charges[econsult_id]["exempt_reason"] == expected
            assert (econsult_id in by_econsult) == (expected is None)
        assert len({i["kid"] for i in invoices}) == len(invoices)
        kept = self.running.fetch("SELECT coalesce(sum(amount_ore), 0) AS total FROM payments WHERE registered_by = $1",
                                  self.office)
        assert kept[0]["total"] == self.money_in  # every payment kept once, placed or not, never lost
        for i in invoices:
            assert is_valid_kid(i["kid"])
            paid = sum(r["amount_ore"] for r in self.running.fetch(  # every payment kept, a reversal negative
                "SELECT amount_ore FROM payments WHERE invoice_id = $1", i["id"]))
            assert i["paid_ore"] == paid
            expected_status = ("open" if paid <= 0 else "part_paid" if paid < i["amount_ore"]
                               else "paid" if paid == i["amount_ore"] else "over_paid")
            assert i["status"] == expected_status
            if i["overdue_on"] is not None:  # marked only after its due date...
                assert i["overdue_on"] > i["due_date"]
            elif self.job_day is not None and i["status"] in ("open", "part_paid"):  # ...and never missed
                assert i["due_date"] >= self.job_day
        for patient in self.patients:  # identity is told exactly what is true now
            told = self.running.fetch("SELECT has_unsettled_claims FROM patient_claims WHERE patient_id = $1",
                                      patient)
            unsettled = any(i["overdue_on"] is not None and i["status"] in ("open", "part_paid")
                            for i in invoices if i["patient_id"] == patient)
            assert (bool(told) and told[0]["has_unsettled_claims"]) == unsettled


def test_billing_holds_its_invariants_in_any_order(stack_env: StackEnv) -> None:
    clock = FixedClock(START)
    settings_ = stack_env.settings("billing", topic_prefix=stack_env.fresh_prefix())
    app = build_billing(settings_, clock=clock)
    runtime: ServiceRuntime = app.state.runtime
    with Running(runtime) as running:
        BillingMachine.running, BillingMachine.clock = running, clock
        run_state_machine_as_test(BillingMachine, settings=MACHINE)
