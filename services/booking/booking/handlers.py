"""booking's units of work: each opens one (adapters/unit_of_work.py), applies the rule, writes state and events."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Protocol

from prometheus_client import Counter

from booking.adapters.unit_of_work import Schedules, booking_unit
from booking.domain import appointments as rules
from booking.domain.appointments import Appointment, CancelledBy, Slot
from booking.domain.clinic import ClinicCalendar
from booking.domain.errors import (
    AppointmentNotFound,
    DayNotClosed,
    NotOwnSchedule,
    OneFutureAppointment,
    SlotNotFound,
    SlotTaken,
)
from booking.domain.schedule import WeeklyTemplate, single_slot
from booking.settings import DEFAULT_HORIZON_DAYS, BookingSettings
from contracts.events import (
    AppointmentBooked,
    AppointmentCancelled,
    AppointmentReminderDue,
    ClinicDayClosed,
    ClinicDayReopened,
)
from kit.clock import oslo
from kit.errors import DomainError
from kit.logging import get_logger
from kit.runtime import ServiceRuntime

log = get_logger(__name__)

BOOKINGS = Counter("eportal_booking_attempts_total", "Booking attempts by outcome (booked or the refusal code)",
                   ["outcome"])
CANCELLATIONS = Counter("eportal_booking_cancellations_total", "Appointments cancelled", ["by"])
REMINDERS = Counter("eportal_booking_reminders_total", "Reminders handed to the outbox")


def _horizon_days(runtime: ServiceRuntime) -> int:
    # The demo seeder runs booking's handlers with kit's plain settings: the default horizon then.
    settings = runtime.settings
    return settings.schedule_horizon_days if isinstance(settings, BookingSettings) else DEFAULT_HORIZON_DAYS


# --- schedules --------------------------------------------------------------------------------


async def add_weekly_template(runtime: ServiceRuntime, template: WeeklyTemplate) -> int:
    """Keep the template and make its slots up to the horizon, in one transaction (so the horizon job
    never sees it half made). Returns how many slots were made."""
    today, horizon = _horizon(runtime)
    async with booking_unit(runtime) as uow:
        repo = uow.schedules
        await repo.add_template(template)
        clinic = ClinicCalendar(await repo.closed_days(today, horizon))
        return await _materialise(repo, template, None, today, horizon, clinic)


async def extend_schedules(runtime: ServiceRuntime) -> int:
    """Materialise every template's slots up to today + the horizon (a scheduled job; idempotent)."""
    today, horizon = _horizon(runtime)
    made = 0
    async with booking_unit(runtime) as uow:
        repo = uow.schedules
        behind = await repo.templates_behind(horizon)
        if not behind:
            return 0
        clinic = ClinicCalendar(await repo.closed_days(today, horizon))
        for template, done_until in behind:
            made += await _materialise(repo, template, done_until, today, horizon, clinic)
    if made:
        log.info("schedule slots made", slots=made)
    return made


def _horizon(runtime: ServiceRuntime) -> tuple[date, date]:
    today = oslo(runtime.clock.now()).date()
    return today, today + timedelta(days=_horizon_days(runtime))


async def _materialise(repo: Schedules, template: WeeklyTemplate, done_until: date | None, today: date,
                       horizon: date, clinic: ClinicCalendar) -> int:
    first = max(today, template.valid_from if done_until is None else done_until + timedelta(days=1))
    made = await repo.add_template_slots(template, template.slots_between(first, horizon, clinic))
    await repo.mark_materialised(template.id, horizon)
    return made


async def open_single_slot(runtime: ServiceRuntime, doctor_id: uuid.UUID, start: datetime, minutes: int,
                           online: bool = True) -> Slot:
    now = runtime.clock.now()
    async with booking_unit(runtime) as uow:
        repo = uow.schedules
        day = oslo(start).date()
        times = single_slot(start, minutes, now, ClinicCalendar(await repo.closed_days(day, day)))
        return await repo.add_single_slot(doctor_id, times, online)


async def set_slot_online(runtime: ServiceRuntime, slot_id: uuid.UUID, online: bool, *,
                          doctor_id: uuid.UUID | None = None) -> Slot:
    """Open a slot for online booking or close it (kept for the phone, say). An appointment already in it
    stays. `doctor_id`: the caller is that doctor, who changes only their own schedule."""
    async with booking_unit(runtime) as uow:
        repo = uow.schedules
        slot = await repo.slot_for_change(slot_id)
        if slot is None or slot.withdrawn:
            raise SlotNotFound()
        if doctor_id is not None and slot.doctor_id != doctor_id:
            raise NotOwnSchedule()
        if slot.online == online:
            return slot
        return await repo.set_online(slot_id, online)


@dataclass(frozen=True)
class ClosedDay:
    day: date
    withdrawn_slots: int
    booked_appointments: int  # still standing: staff cancel them, and the patients are told


async def close_day(runtime: ServiceRuntime, day: date, reason: str | None) -> ClosedDay:
    """The clinic closes a day: no new slots are made for it and its free slots are withdrawn.
    Appointments already booked that day stay in the calendar for staff to cancel (the patient is told).

    Booking owns the clinic's closed days: `ClinicDayClosed` tells every other service that counts working
    days, in the same transaction as the row (a day closed twice is announced once)."""
    async with booking_unit(runtime) as uow:
        repo = uow.schedules
        if await repo.add_closed_day(day, reason):
            await uow.publish(ClinicDayClosed(day=day))
        withdrawn = await repo.withdraw_free_slots_on(day, runtime.clock.now())
        booked = await repo.appointments_on(day)
    return ClosedDay(day, withdrawn, booked)


@dataclass(frozen=True)
class ReopenedDay:
    day: date
    restored_slots: int


async def reopen_day(runtime: ServiceRuntime, day: date) -> ReopenedDay:
    """The clinic opens a closed day again: the slots its closing withdrew come back (those still ahead),
    the weekly templates make the slots they skipped, and `ClinicDayReopened` tells the other services."""
    now = runtime.clock.now()
    async with booking_unit(runtime) as uow:
        repo = uow.schedules
        if not await repo.remove_closed_day(day):
            raise DayNotClosed()
        restored = await repo.restore_withdrawn_slots_on(day, now)
        if day >= oslo(now).date():
            clinic = ClinicCalendar(await repo.closed_days(day, day))
            for template in await repo.templates_materialised_over(day):
                restored += await repo.add_template_slots(template, template.slots_between(day, day, clinic))
        await uow.publish(ClinicDayReopened(day=day))
    return ReopenedDay(day, restored)


# --- appointments -----------------------------------------------------------------------------


# Whether a patient's booking of a slot is refused as taken before the database is asked (the slot search
# cache's `known_taken`: a booking's notice named it).
KnownTaken = Callable[[uuid.UUID, uuid.UUID, datetime], bool]


async def book_appointment(runtime: ServiceRuntime, patient_id: uuid.UUID, slot_id: uuid.UUID,
                           reason: str | None, booked_by_guardian_id: uuid.UUID | None = None, *,
                           known_taken: KnownTaken | None = None) -> Appointment:
    now = runtime.clock.now()
    try:
        if known_taken is not None and known_taken(patient_id, slot_id, now):
            raise SlotTaken()  # the database's unique index would say so too, after a transaction
        async with booking_unit(runtime) as uow:
            # Two statements between BEGIN and COMMIT: the locks and what the rules read; the insert with its event.
            appointments = uow.appointments
            gp_id, slot, closed = await appointments.lock_for_booking(patient_id, slot_id, now)
            appointment = rules.book(slot, patient_id=patient_id, gp_id=gp_id, reason=reason, now=now,
                                     booked_by_guardian_id=booked_by_guardian_id)
            clinic = ClinicCalendar(closed)
            booked = AppointmentBooked(
                appointment_id=appointment.id, patient_id=patient_id, doctor_id=appointment.doctor_id,
                starts_at=appointment.starts_at, ends_at=appointment.ends_at,
                patient_may_cancel_until=rules.cancel_deadline(appointment.starts_at, clinic.is_working_day),
                booked_by_guardian_id=appointment.booked_by_guardian_id)
            if not await appointments.add_unless_future(appointment, now, booked):
                raise OneFutureAppointment()
    except DomainError as refused:
        BOOKINGS.labels(refused.code).inc()
        raise
    BOOKINGS.labels("booked").inc()
    return appointment


class FreedSlots(Protocol):
    """The slot search's cache (adapters/slot_cache.py), as a cancellation tells it its slot is free again."""

    def version_of(self, doctor_id: uuid.UUID) -> tuple[int, int]: ...

    def freed(self, doctor_id: uuid.UUID, appointment_id: uuid.UUID, slot_id: uuid.UUID, starts_at: datetime,
              ends_at: datetime, *, free_again: bool, since: tuple[int, int]) -> None: ...


async def cancel_appointment(runtime: ServiceRuntime, appointment_id: uuid.UUID, *, by: CancelledBy,
                             patient_id: uuid.UUID | None = None, clinic: ClinicCalendar | None = None,
                             search: FreedSlots | None = None) -> Appointment:
    """Cancel, by the patient (under the clinic's rules, only their own) or by staff (any time).
    Cancelling an already cancelled appointment changes nothing and tells no one again. `clinic`: the clinic's
    calendar as the slot search keeps it, the one the patient was shown the deadline by (its closed days from a
    year back to 400 days ahead: days past that cannot bring a later appointment under 24 working hours); without
    it the closed days between now and the start are read first. `search`: this process's slot search, told of
    the slot it frees (its next search shows it) with what the cancellation's own statement said of the slot."""
    now = runtime.clock.now()
    # No transaction: two statements, each committing alone. What the rules read (the patient, the start, the
    # slot's days) never changes on an appointment; whether it is still booked, the cancellation's own statement
    # checks again on the row it locks, and writes the event with it.
    async with booking_unit(runtime, transaction=False) as uow:
        repo = uow.appointments
        appointment = await repo.get(appointment_id)
        if appointment is None or (by == "patient" and appointment.patient_id != patient_id):
            raise AppointmentNotFound()
        if appointment.cancelled:
            return appointment
        if by == "patient":
            if clinic is None:
                clinic = await _clinic_around(uow.schedules, now, appointment.starts_at)
            rules.ensure_patient_may_cancel(appointment, now, clinic)
        cancelled = appointment.cancel(now, by)
        # The doctor's version before the statement that says whether the slot is free: a change the search
        # hears of after it may have come after that answer (then the list is read again).
        since = search.version_of(cancelled.doctor_id) if search is not None else None
        # The slot is free again once this commits: the unique index is partial.
        slot_free = await repo.save_cancellation(cancelled, AppointmentCancelled(
            appointment_id=cancelled.id, patient_id=cancelled.patient_id, doctor_id=cancelled.doctor_id,
            starts_at=cancelled.starts_at, cancelled_by=by, booked_by_guardian_id=cancelled.booked_by_guardian_id))
        if slot_free is None:
            # Cancelled meanwhile (by staff, or a second tap): that cancellation stands and told everyone.
            return await repo.get(appointment_id) or cancelled
    CANCELLATIONS.labels(by).inc()
    if search is not None and since is not None:
        search.freed(cancelled.doctor_id, cancelled.id, cancelled.slot_id, cancelled.starts_at, cancelled.ends_at,
                     free_again=slot_free, since=since)
    return cancelled


async def _clinic_around(repo: Schedules, now: datetime, starts_at: datetime) -> ClinicCalendar:
    first, last = oslo(min(now, starts_at)).date(), oslo(max(now, starts_at)).date()
    return ClinicCalendar(await repo.closed_days(first, last))


async def send_due_reminders(runtime: ServiceRuntime, batch: int = 200) -> int:
    """A scheduled job. Each reminder's event and its `reminded_at` mark commit together: after a crash
    either both exist (never sent twice) or neither (sent on the next run), so none is lost or repeated."""
    sent = 0
    while True:
        async with booking_unit(runtime) as uow:
            repo = uow.appointments
            now = runtime.clock.now()
            due = await repo.due_reminders(now, batch)
            if due:
                clinic = await _clinic_around(uow.schedules, now, max(a.starts_at for a in due))
            for a in due:
                await uow.publish(AppointmentReminderDue(
                    appointment_id=a.id, patient_id=a.patient_id, doctor_id=a.doctor_id, starts_at=a.starts_at,
                    patient_may_cancel_until=rules.cancel_deadline(a.starts_at, clinic.is_working_day),
                    booked_by_guardian_id=a.booked_by_guardian_id))
                await repo.mark_reminded(a.id, now)
        sent += len(due)
        REMINDERS.inc(len(due))
        if len(due) < batch:
            return sent
