"""The in-memory repositories the handler tests run on (tests/fakes.py) and PostgreSQL's agree: one scenario of
every handler, its refusals and its events, run on each, gives the same transcript. PostgreSQL's side runs on a
database of its own: closing a day there is the whole clinic's, and other tests' schedules would be in the
counts."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Awaitable
from datetime import date, datetime, time, timedelta
from typing import Any

import pytest

from booking import handlers
from booking.adapters.unit_of_work import booking_unit
from booking.bootstrap import build
from booking.domain.appointments import Appointment, Slot
from booking.domain.schedule import WeeklyTemplate, local_day_bounds
from kit.clock import OSLO, FixedClock
from services.booking.tests.conftest import START, Booking
from services.booking.tests.fakes import BookingStore
from tests.support.fakes import Listed, Published, Transcript, both_transcripts
from tests.support.services import StackEnv, running

pytestmark = pytest.mark.stack

THURSDAY, FRIDAY, NEXT_MONDAY = date(2026, 3, 5), date(2026, 3, 6), date(2026, 3, 9)


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=OSLO)


async def scenario(runtime: Any, listed: Listed, events: Published) -> list[str]:
    gp, other_gp = uuid.uuid4(), uuid.uuid4()
    names = {str(gp): "gp", str(other_gp): "other gp"}

    def shown(result: Any) -> str:
        if isinstance(result, Appointment):
            cancelled = f", cancelled by {result.cancelled_by}" if result.cancelled else ""
            return (f"{names[str(result.patient_id)]} at {result.starts_at.astimezone(OSLO):%a %H:%M} with "
                    f"{names[str(result.doctor_id)]}, reminder {result.reminder_due_at}{cancelled}")
        if isinstance(result, Slot):
            return (f"{names[str(result.doctor_id)]} {result.starts_at.astimezone(OSLO):%a %H:%M}-"
                    f"{result.ends_at.astimezone(OSLO):%H:%M}, online: {result.online}")
        return str(result)
    transcript = Transcript(shown)
    attempt = transcript.attempt
    runtime.clock.set(START)

    async def free(day: date) -> list[Slot]:
        async with booking_unit(runtime) as uow:
            return await uow.schedules.free_slots(gp, *local_day_bounds(day), 100)

    async def free_on(day: date) -> None:
        transcript.lines.append(f"free {day}: {[shown(s) for s in await free(day)]}")

    async def book(who: uuid.UUID, slot_id: uuid.UUID, what: str) -> Appointment | None:
        async def booked() -> Appointment:
            appointment = await handlers.book_appointment(runtime, who, slot_id, "Vondt i kneet")
            names[str(appointment.id)] = what
            return appointment
        return await attempt(f"book {what}", booked())  # type: ignore[no-any-return]

    told: list[str] = []

    class Search:
        """The slot search's cache as a cancellation tells it (handlers.FreedSlots): whether its slot is free."""

        def version_of(self, doctor_id: uuid.UUID) -> tuple[int, int]:
            return (0, 0)

        def freed(self, doctor_id: uuid.UUID, appointment_id: uuid.UUID, slot_id: uuid.UUID, *args: Any,
                  free_again: bool, since: tuple[int, int]) -> None:
            told.append(f"{names[str(appointment_id)]}: {free_again}")

    def cancel(appointment: Appointment, by: Any, who: uuid.UUID | None = None) -> Awaitable[Any]:
        return handlers.cancel_appointment(runtime, appointment.id, by=by, patient_id=who, search=Search())

    template = WeeklyTemplate(uuid.uuid4(), gp, frozenset({1, 2, 3, 4, 5}), time(8), time(9), 20, True, START.date())
    await attempt("a weekly template", handlers.add_weekly_template(runtime, template))
    await attempt("extend the schedules", handlers.extend_schedules(runtime))
    await attempt("a single slot", handlers.open_single_slot(runtime, gp, at(THURSDAY, 9), 20))
    await attempt("a single slot over another", handlers.open_single_slot(runtime, gp, at(THURSDAY, 8, 50), 20))
    await attempt("a single slot in the past", handlers.open_single_slot(runtime, gp, at(START.date(), 8), 20))
    await free_on(THURSDAY)

    kari, ola, olga, nobody = await listed(gp), await listed(gp), await listed(other_gp), uuid.uuid4()
    names.update({str(kari): "kari", str(ola): "ola", str(olga): "olga"})
    thursday = await free(THURSDAY)
    kari_thursday = await book(kari, thursday[0].id, "kari thursday")
    await book(ola, thursday[0].id, "ola the same slot")
    await book(kari, thursday[1].id, "kari a second")
    await book(olga, thursday[1].id, "olga not her gp")
    await book(nobody, thursday[1].id, "not listed")
    await book(ola, uuid.uuid4(), "ola no such slot")

    await attempt("close a slot, not the doctor's own",
                  handlers.set_slot_online(runtime, thursday[1].id, False, doctor_id=other_gp))
    await attempt("close a slot", handlers.set_slot_online(runtime, thursday[1].id, False, doctor_id=gp))
    await book(ola, thursday[1].id, "ola a slot closed")
    await attempt("open it again", handlers.set_slot_online(runtime, thursday[1].id, True))
    await attempt("open it again, once more", handlers.set_slot_online(runtime, thursday[1].id, True))
    await attempt("change no slot", handlers.set_slot_online(runtime, uuid.uuid4(), True))

    friday = await free(FRIDAY)
    ola_friday = await book(ola, friday[0].id, "ola friday")
    await attempt("close friday", handlers.close_day(runtime, FRIDAY, "Personaldag"))
    await attempt("close friday again", handlers.close_day(runtime, FRIDAY, "Personaldag"))
    await book(kari, friday[1].id, "kari a slot on a closed day")
    await attempt("a single slot on a closed day", handlers.open_single_slot(runtime, gp, at(FRIDAY, 12), 20))
    await free_on(FRIDAY)
    assert kari_thursday is not None
    assert ola_friday is not None
    await attempt("staff cancel ola friday", cancel(ola_friday, "staff"))
    await attempt("reopen friday", handlers.reopen_day(runtime, FRIDAY))
    await attempt("reopen friday again", handlers.reopen_day(runtime, FRIDAY))
    await free_on(FRIDAY)

    runtime.clock.set(at(date(2026, 3, 4), 8, 1))  # Wednesday 08:01: too late for Thursday 08:00
    await attempt("kari cancels too late", cancel(kari_thursday, "patient", kari))
    await attempt("ola cancels kari's", cancel(kari_thursday, "patient", ola))
    await attempt("close kari's slot for online booking", handlers.set_slot_online(runtime, thursday[0].id, False))
    await attempt("staff cancel kari thursday", cancel(kari_thursday, "staff"))  # not free for the search: closed
    await attempt("staff cancel kari thursday again", cancel(kari_thursday, "staff"))
    await book(kari, friday[1].id, "kari friday")
    ola_monday = await book(ola, (await free(NEXT_MONDAY))[0].id, "ola monday")
    assert ola_monday is not None

    runtime.clock.set(at(THURSDAY, 10))
    await attempt("reminders thursday", handlers.send_due_reminders(runtime))
    await attempt("reminders thursday again", handlers.send_due_reminders(runtime))
    runtime.clock.set(at(date(2026, 3, 7), 10))  # Saturday
    await attempt("ola cancels on a saturday", cancel(ola_monday, "patient", ola))
    runtime.clock.set(at(FRIDAY, 7, 59))
    await attempt("ola cancels in time", cancel(ola_monday, "patient", ola))
    runtime.clock.set(at(date(2026, 3, 8), 10))
    await attempt("reminders sunday", handlers.send_due_reminders(runtime))
    extended = START + timedelta(days=7)
    runtime.clock.set(extended)
    await attempt("extend the schedules a week on", handlers.extend_schedules(runtime))

    async with booking_unit(runtime) as uow:
        for who in (kari, ola):
            kept = await uow.appointments.of_patient(who)
            transcript.lines.append(f"kept for {names[str(who)]}: {[shown(a) for a in kept]}")
    transcript.lines.append(f"the slot free for the search after each cancellation: {told}")
    keys = [*(k for k in names if k not in {str(gp), str(other_gp), str(kari), str(ola), str(olga)}), str(FRIDAY)]
    published = await events(keys)
    transcript.lines.append(f"events: {[(names.get(key, key), event_type) for key, event_type in published]}")
    return transcript.lines


@pytest.fixture
async def booking_alone(stack_env: StackEnv, scratch_db: str) -> AsyncIterator[Booking]:
    """booking on a database of its own, with a short horizon (fewer slots to make)."""
    clock = FixedClock(START)
    settings = stack_env.settings("booking", database_url=scratch_db, schedule_horizon_days=14,
                                  reminder_poll_seconds=3600, topic_prefix=stack_env.fresh_prefix())
    app = build(settings, clock=clock)
    async with running(app) as client:
        yield Booking(client, clock, app.state.runtime, scratch_db)


async def test_the_fake_and_postgresql_give_the_same_transcript(booking_alone: Booking) -> None:
    async def listed(gp_id: uuid.UUID | None) -> uuid.UUID:
        assert gp_id is not None
        return (await booking_alone.listed(gp_id))[0]
    in_postgres, in_memory_ = await both_transcripts(scenario, runtime=booking_alone.runtime, listed=listed,
                                                     dsn=booking_alone.dsn, store=BookingStore(), now=START)
    assert in_memory_ == in_postgres
    assert "book ola the same slot: booking.slot_taken" in in_postgres  # it did real work
    assert "reminders thursday: 1" in in_postgres
