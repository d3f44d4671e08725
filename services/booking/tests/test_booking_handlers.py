"""booking's handlers on the in-memory repositories (tests/fakes.py): every rule of a unit of work, no database,
milliseconds. test_booking_fakes_agree.py runs the same kind of scenario on PostgreSQL too; the rules that only
the database can keep under concurrency (200 patients at one slot) stay in test_booking_concurrency.py."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import pytest

from booking import handlers
from booking.domain.appointments import Appointment, Slot
from booking.domain.errors import (
    AppointmentNotFound,
    CancelNotWorkingDay,
    CancelTooLate,
    ClinicClosed,
    DayNotClosed,
    NotListed,
    NotOwnGp,
    NotOwnSchedule,
    OneFutureAppointment,
    SlotNotFound,
    SlotOverlaps,
    SlotTaken,
    SlotUnavailable,
)
from booking.domain.schedule import WeeklyTemplate
from contracts.events import (
    AppointmentBooked,
    AppointmentCancelled,
    AppointmentReminderDue,
    ClinicDayClosed,
    ClinicDayReopened,
)
from kit.clock import OSLO
from services.booking.tests.fakes import BookingStore
from tests.support.fakes import in_memory_runtime

START = datetime(2026, 3, 2, 12, 0, tzinfo=OSLO)  # a Monday; the weeks after are ordinary working days
GP, OTHER_GP = uuid.uuid4(), uuid.uuid4()


def at(month: int, day: int, hour: int = 9, minute: int = 0) -> datetime:
    """An Oslo wall-clock time in 2026."""
    return datetime(2026, month, day, hour, minute, tzinfo=OSLO)


@pytest.fixture
def store() -> BookingStore:
    return BookingStore()


@pytest.fixture
def runtime(store: BookingStore) -> Any:
    return in_memory_runtime(store, START)


def slot_at(store: BookingStore, starts: datetime, doctor: uuid.UUID = GP, *, online: bool = True) -> Slot:
    return store.slot(doctor, starts.astimezone(UTC), (starts + timedelta(minutes=20)).astimezone(UTC),
                      online=online)


async def book(runtime: Any, patient: uuid.UUID, slot: Slot, reason: str | None = None) -> Appointment:
    return await handlers.book_appointment(runtime, patient, slot.id, reason)


def template(doctor: uuid.UUID = GP, *, day_starts: time = time(8), day_ends: time = time(9),
             valid_from: date = date(2026, 3, 2)) -> WeeklyTemplate:
    return WeeklyTemplate(uuid.uuid4(), doctor, frozenset({1, 2, 3, 4, 5}), day_starts, day_ends, 20, True,
                          valid_from)


# --- booking --------------------------------------------------------------------------------------------------


async def test_a_patient_books_a_free_slot_of_their_gp_and_it_is_told_with_the_cancel_deadline(
        runtime: Any, store: BookingStore) -> None:
    kari = store.listed(GP)
    slot = slot_at(store, at(3, 5))  # Thursday 09:00
    appointment = await book(runtime, kari, slot, reason="Vondt i kneet")
    assert (appointment.patient_id, appointment.doctor_id, appointment.starts_at) == (kari, GP, slot.starts_at)
    assert store.appointments == {appointment.id: appointment}
    [event] = store.published
    assert isinstance(event, AppointmentBooked)
    assert event.patient_may_cancel_until == at(3, 4).astimezone(UTC)  # 24 working-day hours before
    assert "kneet" not in event.model_dump_json()  # the reason for the visit is health data: never in an event


async def test_a_closed_day_moves_the_cancel_deadline_the_booking_announces(runtime: Any, store: BookingStore) -> None:
    store.closed_days.add(date(2026, 3, 4))  # Wednesday: its hours do not count toward the 24
    await book(runtime, store.listed(GP), slot_at(store, at(3, 5)))
    [event] = store.published
    assert isinstance(event, AppointmentBooked)
    assert event.patient_may_cancel_until == at(3, 3).astimezone(UTC)


async def test_a_slot_is_booked_once_and_the_refused_booking_leaves_nothing(runtime: Any, store: BookingStore) -> None:
    kari, ola = store.listed(GP), store.listed(GP)
    slot = slot_at(store, at(3, 5))
    first = await book(runtime, kari, slot)
    with pytest.raises(SlotTaken):
        await book(runtime, ola, slot)
    assert list(store.appointments) == [first.id]
    assert len(store.published) == 1


async def test_a_patient_has_one_future_appointment_at_a_time(runtime: Any, store: BookingStore) -> None:
    kari = store.listed(GP)
    await book(runtime, kari, slot_at(store, at(3, 4)))
    with pytest.raises(OneFutureAppointment):
        await book(runtime, kari, slot_at(store, at(3, 5)))
    assert len(store.appointments) == 1


async def test_an_appointment_in_the_past_does_not_count_as_future(runtime: Any, store: BookingStore) -> None:
    kari = store.listed(GP)
    await book(runtime, kari, slot_at(store, at(3, 3, 8)))
    runtime.clock.set(at(3, 3, 12))  # the appointment was this morning
    await book(runtime, kari, slot_at(store, at(3, 5)))
    assert len(store.appointments) == 2


async def test_a_cancelled_appointment_frees_the_slot_and_the_patients_turn(runtime: Any, store: BookingStore) -> None:
    kari, ola = store.listed(GP), store.listed(GP)
    slot = slot_at(store, at(3, 9))
    booked = await book(runtime, kari, slot)
    await handlers.cancel_appointment(runtime, booked.id, by="patient", patient_id=kari)
    await book(runtime, ola, slot)  # the slot is free again
    await book(runtime, kari, slot_at(store, at(3, 10)))  # and Kari may book another


async def test_only_with_the_patients_own_gp(runtime: Any, store: BookingStore) -> None:
    theirs = slot_at(store, at(3, 5), OTHER_GP)
    with pytest.raises(NotOwnGp):
        await book(runtime, store.listed(GP), theirs)
    with pytest.raises(NotOwnGp):  # on no GP's list
        await book(runtime, store.listed(None), theirs)
    with pytest.raises(NotListed):  # not in the directory at all
        await book(runtime, uuid.uuid4(), theirs)
    assert store.appointments == {}
    assert store.published == []


@pytest.mark.parametrize("which", ["past", "offline", "withdrawn", "unknown"])
async def test_a_past_offline_withdrawn_or_unknown_slot_is_unavailable(runtime: Any, store: BookingStore,
                                                                        which: str) -> None:
    kari = store.listed(GP)
    slot = {
        "past": lambda: slot_at(store, at(3, 2, 8)),  # this morning
        "offline": lambda: slot_at(store, at(3, 5), online=False),
        "withdrawn": lambda: slot_at(store, at(3, 6)),
        "unknown": lambda: Slot(uuid.uuid4(), GP, at(3, 5), at(3, 5, 10), True),
    }[which]()
    if which == "withdrawn":
        await handlers.close_day(runtime, date(2026, 3, 6), "Personaldag")
        store.published.clear()
    with pytest.raises(SlotUnavailable):
        await book(runtime, kari, slot)
    assert store.appointments == {}
    assert store.published == []


# --- cancelling -----------------------------------------------------------------------------------------------


async def test_the_patient_cancels_up_to_24_working_day_hours_before(runtime: Any, store: BookingStore) -> None:
    kari = store.listed(GP)
    booked = await book(runtime, kari, slot_at(store, at(3, 9, 8)))  # Monday 9 March 08:00
    runtime.clock.set(at(3, 6, 8, 1))  # Friday 08:01: too late for Monday 08:00
    with pytest.raises(CancelTooLate):
        await handlers.cancel_appointment(runtime, booked.id, by="patient", patient_id=kari)
    runtime.clock.set(at(3, 7, 8))  # Saturday
    with pytest.raises(CancelNotWorkingDay):
        await handlers.cancel_appointment(runtime, booked.id, by="patient", patient_id=kari)
    runtime.clock.set(at(3, 6, 8))  # Friday 08:00: exactly the deadline
    cancelled = await handlers.cancel_appointment(runtime, booked.id, by="patient", patient_id=kari)
    assert (cancelled.cancelled_at, cancelled.cancelled_by) == (at(3, 6, 8).astimezone(UTC), "patient")
    assert store.appointments[booked.id] == cancelled
    assert [type(e) for e in store.published] == [AppointmentBooked, AppointmentCancelled]


async def test_a_day_the_clinic_closed_does_not_count_toward_the_24_hours(runtime: Any, store: BookingStore) -> None:
    kari = store.listed(GP)
    booked = await book(runtime, kari, slot_at(store, at(3, 5)))  # Thursday 09:00
    await handlers.close_day(runtime, date(2026, 3, 4), "Personaldag")  # Wednesday
    runtime.clock.set(at(3, 3, 9, 1))  # Tuesday 09:01: without Wednesday, 23 hours and 59 minutes
    with pytest.raises(CancelTooLate):
        await handlers.cancel_appointment(runtime, booked.id, by="patient", patient_id=kari)


async def test_a_patient_cancels_only_their_own(runtime: Any, store: BookingStore) -> None:
    kari, ola = store.listed(GP), store.listed(GP)
    booked = await book(runtime, kari, slot_at(store, at(3, 9)))
    for who in (ola, None):
        with pytest.raises(AppointmentNotFound):
            await handlers.cancel_appointment(runtime, booked.id, by="patient", patient_id=who)
    with pytest.raises(AppointmentNotFound):
        await handlers.cancel_appointment(runtime, uuid.uuid4(), by="staff")
    assert not store.appointments[booked.id].cancelled


async def test_staff_cancel_at_any_time_and_once(runtime: Any, store: BookingStore) -> None:
    kari = store.listed(GP)
    booked = await book(runtime, kari, slot_at(store, at(3, 2, 13)))
    runtime.clock.set(at(3, 2, 12, 55))  # five minutes before, which the patient may not
    cancelled = await handlers.cancel_appointment(runtime, booked.id, by="staff")
    again = await handlers.cancel_appointment(runtime, booked.id, by="staff")  # changes nothing, tells no one
    assert again == cancelled
    assert cancelled.cancelled_by == "staff"
    [_, told] = store.published
    assert isinstance(told, AppointmentCancelled)
    assert (told.cancelled_by, told.patient_id) == ("staff", kari)


# --- reminders ------------------------------------------------------------------------------------------------


async def test_the_reminder_goes_the_morning_before_and_only_once(runtime: Any, store: BookingStore) -> None:
    kari, ola = store.listed(GP), store.listed(GP)
    kept = await book(runtime, kari, slot_at(store, at(3, 5)))
    gone = await book(runtime, ola, slot_at(store, at(3, 5, 10)))
    await handlers.cancel_appointment(runtime, gone.id, by="staff")
    runtime.clock.set(at(3, 4, 9, 59))
    assert await handlers.send_due_reminders(runtime) == 0
    runtime.clock.set(at(3, 4, 10))  # 10:00 the day before
    assert await handlers.send_due_reminders(runtime) == 1
    assert await handlers.send_due_reminders(runtime) == 0
    [reminder] = [e for e in store.published if isinstance(e, AppointmentReminderDue)]
    assert reminder.appointment_id == kept.id
    assert reminder.patient_may_cancel_until == at(3, 4).astimezone(UTC)


async def test_a_reminder_job_in_batches_sends_each_reminder_once(runtime: Any, store: BookingStore) -> None:
    for hour in range(8, 13):
        await book(runtime, store.listed(GP), slot_at(store, at(3, 5, hour)))
    runtime.clock.set(at(3, 4, 12))
    assert await handlers.send_due_reminders(runtime, batch=2) == 5
    reminded = [e.appointment_id for e in store.published if isinstance(e, AppointmentReminderDue)]
    assert sorted(reminded) == sorted(store.appointments)


# --- schedules ------------------------------------------------------------------------------------------------


async def test_a_weekly_template_makes_its_slots_up_to_the_horizon_and_rolls_forward(
        runtime: Any, store: BookingStore) -> None:
    made = await handlers.add_weekly_template(runtime, template())  # 08:00-09:00: three slots a weekday
    assert made == len(store.slots) > 0
    assert await handlers.extend_schedules(runtime) == 0  # already made: nothing twice
    runtime.clock.set(START + timedelta(days=7))
    assert await handlers.extend_schedules(runtime) == 15  # one week more, five weekdays
    assert await handlers.extend_schedules(runtime) == 0


async def test_a_template_skips_public_holidays_and_closed_days(runtime: Any, store: BookingStore) -> None:
    await handlers.close_day(runtime, date(2026, 3, 4), None)
    await handlers.add_weekly_template(runtime, template())
    days = {s.slot.starts_at.astimezone(OSLO).date() for s in store.slots.values()}
    assert date(2026, 3, 3) in days
    assert date(2026, 3, 4) not in days  # closed by the clinic
    assert date(2026, 4, 2) not in days  # Maundy Thursday
    assert date(2026, 4, 6) not in days  # Easter Monday


async def test_a_single_slot_not_on_a_closed_day_nor_over_another(runtime: Any, store: BookingStore) -> None:
    slot = await handlers.open_single_slot(runtime, GP, at(3, 5), 20)
    assert store.slots[slot.id].slot == slot
    with pytest.raises(SlotOverlaps):
        await handlers.open_single_slot(runtime, GP, at(3, 5, 9, 10), 20)
    await handlers.open_single_slot(runtime, GP, at(3, 5, 9, 20), 20)  # right after it: no overlap
    await handlers.open_single_slot(runtime, OTHER_GP, at(3, 5), 20)  # another doctor at the same time
    await handlers.close_day(runtime, date(2026, 3, 6), None)
    with pytest.raises(ClinicClosed):
        await handlers.open_single_slot(runtime, GP, at(3, 6), 20)
    assert len(store.slots) == 3


async def test_a_doctor_closes_their_own_slot_for_online_booking_and_opens_it_again(
        runtime: Any, store: BookingStore) -> None:
    kari = store.listed(GP)
    slot = slot_at(store, at(3, 5))
    with pytest.raises(NotOwnSchedule):
        await handlers.set_slot_online(runtime, slot.id, False, doctor_id=OTHER_GP)
    with pytest.raises(SlotNotFound):
        await handlers.set_slot_online(runtime, uuid.uuid4(), False)
    assert not (await handlers.set_slot_online(runtime, slot.id, False, doctor_id=GP)).online
    with pytest.raises(SlotUnavailable):
        await book(runtime, kari, slot)
    assert (await handlers.set_slot_online(runtime, slot.id, True)).online
    booked = await book(runtime, kari, slot)
    await handlers.set_slot_online(runtime, slot.id, False)
    assert not store.appointments[booked.id].cancelled  # an appointment already in it stays


# --- closed days ----------------------------------------------------------------------------------------------


async def test_closing_a_day_withdraws_its_free_slots_and_leaves_the_booked_for_staff(
        runtime: Any, store: BookingStore) -> None:
    friday = date(2026, 3, 6)
    await handlers.add_weekly_template(runtime, template())
    kari = store.listed(GP)
    [booked_slot, *_] = sorted((s.slot for s in store.slots.values() if s.slot.starts_at.astimezone(OSLO).date()
                                == friday), key=lambda s: s.starts_at)
    await book(runtime, kari, booked_slot)
    closed = await handlers.close_day(runtime, friday, "Personaldag")
    assert (closed.withdrawn_slots, closed.booked_appointments) == (2, 1)
    again = await handlers.close_day(runtime, friday, "Personaldag")  # closed twice: announced once
    assert (again.withdrawn_slots, again.booked_appointments) == (0, 1)
    assert [type(e) for e in store.published] == [AppointmentBooked, ClinicDayClosed]


async def test_reopening_a_day_brings_back_its_slots_and_is_announced(runtime: Any, store: BookingStore) -> None:
    thursday, friday = date(2026, 3, 5), date(2026, 3, 6)
    await handlers.close_day(runtime, thursday, None)  # closed before the template: it skipped the day
    await handlers.add_weekly_template(runtime, template())
    await handlers.close_day(runtime, friday, None)  # closed after: its slots withdrawn
    free_before = len(store.slots)
    assert (await handlers.reopen_day(runtime, thursday)).restored_slots == 3  # made by the template now
    assert (await handlers.reopen_day(runtime, friday)).restored_slots == 3  # the same rows back
    assert len(store.slots) == free_before + 3
    assert all(s.withdrawn_at is None for s in store.slots.values())
    with pytest.raises(DayNotClosed):
        await handlers.reopen_day(runtime, friday)
    assert [type(e) for e in store.published] == [ClinicDayClosed, ClinicDayClosed, ClinicDayReopened,
                                                  ClinicDayReopened]
