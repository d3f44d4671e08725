"""Appointments and the clinic's rules for booking, cancelling and reminding.

Every rule takes the current instant from the caller's injected clock and is judged in Oslo time.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Literal

from booking.domain.clinic import ClinicCalendar
from booking.domain.errors import CancelNotWorkingDay, CancelTooLate, NotOwnGp, SlotUnavailable
from booking.domain.schedule import local_day_bounds
from kit.clock import OSLO, oslo

CANCEL_NOTICE = timedelta(hours=24)
# The reminder goes out on the day before, in the morning (notify keeps its own quiet hours too).
REMINDER_TIME = time(10, 0)

CancelledBy = Literal["patient", "staff"]


@dataclass(frozen=True)
class Slot:
    id: uuid.UUID
    doctor_id: uuid.UUID
    starts_at: datetime
    ends_at: datetime
    online: bool
    withdrawn: bool = False


@dataclass(frozen=True)
class Appointment:
    id: uuid.UUID
    slot_id: uuid.UUID
    patient_id: uuid.UUID
    doctor_id: uuid.UUID
    starts_at: datetime
    ends_at: datetime
    reason: str | None
    booked_at: datetime
    reminder_due_at: datetime | None
    cancelled_at: datetime | None = None
    cancelled_by: CancelledBy | None = None
    booked_by_guardian_id: uuid.UUID | None = None  # a guardian booked for the child

    @property
    def cancelled(self) -> bool:
        return self.cancelled_at is not None

    def cancel(self, at: datetime, by: CancelledBy) -> Appointment:
        return replace(self, cancelled_at=at, cancelled_by=by)


def book(slot: Slot | None, *, patient_id: uuid.UUID, gp_id: uuid.UUID | None, reason: str | None,
         now: datetime, booked_by_guardian_id: uuid.UUID | None = None) -> Appointment:
    """A new appointment in `slot`, if the patient may book it. The database then guards that the slot
    is free and that the patient has no other future appointment."""
    if slot is None or not slot.online or slot.withdrawn or slot.starts_at <= now:
        raise SlotUnavailable()
    if slot.doctor_id != gp_id:
        raise NotOwnGp()
    return Appointment(id=uuid.uuid4(), slot_id=slot.id, patient_id=patient_id, doctor_id=slot.doctor_id,
                       starts_at=slot.starts_at, ends_at=slot.ends_at, reason=reason, booked_at=now,
                       reminder_due_at=reminder_due_at(slot.starts_at, booked_at=now),
                       booked_by_guardian_id=booked_by_guardian_id)


def reminder_due_at(starts_at: datetime, *, booked_at: datetime) -> datetime | None:
    """The morning of the day before. Booked on that day or later, the confirmation is the reminder."""
    day_before = oslo(starts_at).date() - timedelta(days=1)
    if oslo(booked_at).date() >= day_before:
        return None
    return datetime.combine(day_before, REMINDER_TIME, tzinfo=OSLO).astimezone(UTC)


def ensure_patient_may_cancel(appointment: Appointment, now: datetime, clinic: ClinicCalendar) -> None:
    """On a working day, and at least 24 hours of working-day time before the start.

    The clinic's page: "Avbestilling må gjøres på virkedager senest 24 timer i forveien", read so that an
    appointment on Monday at 09:00 must be cancelled by Friday at 09:00: only hours that fall on working
    days count toward the 24, and they are real elapsed hours (a 23- or 25-hour DST day counts as such).
    """
    if not clinic.is_working_day(oslo(now).date()):
        raise CancelNotWorkingDay()
    if working_time_between(now, appointment.starts_at, clinic.is_working_day) < CANCEL_NOTICE:
        raise CancelTooLate()


def patient_cancel_refusal(appointment: Appointment, now: datetime, clinic: ClinicCalendar) -> str | None:
    """What the patient would be told if they cancelled online now (the error's code), or None if they may: the
    portal offers the button only when the rule above allows it (a holiday or closed day is not for it to guess)."""
    if appointment.cancelled:
        return None
    try:
        ensure_patient_may_cancel(appointment, now, clinic)
    except (CancelNotWorkingDay, CancelTooLate) as refused:
        return refused.code
    return None


def cancel_deadline(starts_at: datetime, is_working_day: Callable[[date], bool]) -> datetime:
    """The last moment the patient may cancel: 24 hours of working-day time before the start, counted
    backwards (Monday 09:00 gives Friday 09:00). Cancelling at or before it, on a working day, is allowed."""
    needed = CANCEL_NOTICE
    day = oslo(starts_at).date()
    for _ in range(366):  # a year without 24 working hours is a broken calendar, not a rule
        if is_working_day(day):
            day_start, day_end = local_day_bounds(day)
            hi = min(day_end, starts_at).astimezone(UTC)
            available = hi - day_start.astimezone(UTC)
            if available >= needed:
                return hi - needed
            needed -= max(available, timedelta(0))
        day -= timedelta(days=1)
    raise ValueError("no working days before the appointment")


def working_time_between(start: datetime, end: datetime, is_working_day: Callable[[date], bool]) -> timedelta:
    """Real elapsed time from `start` to `end` that falls on working days in Oslo."""
    if end <= start:
        return timedelta(0)
    total = timedelta(0)
    day = oslo(start).date()
    last = oslo(end).date()
    while day <= last:
        if is_working_day(day):
            day_start, day_end = local_day_bounds(day)
            # Both sides in UTC: subtracting two Oslo datetimes would give wall-clock, not elapsed, time.
            lo, hi = max(start, day_start).astimezone(UTC), min(end, day_end).astimezone(UTC)
            if hi > lo:
                total += hi - lo
        day += timedelta(days=1)
    return total
