"""The cancellation deadline shown to the patient agrees with the rule that is enforced, everywhere."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from booking.domain.appointments import Appointment, cancel_deadline, ensure_patient_may_cancel
from booking.domain.clinic import ClinicCalendar
from booking.domain.errors import CancelNotWorkingDay, CancelTooLate
from kit.clock import OSLO, oslo

CLINIC = ClinicCalendar([date(2026, 12, 24), date(2026, 12, 31)])


def at(y: int, mo: int, d: int, h: int = 9, mi: int = 0) -> datetime:
    return datetime(y, mo, d, h, mi, tzinfo=OSLO)


@pytest.mark.parametrize(("starts", "deadline"), [
    (at(2026, 3, 9, 9), at(2026, 3, 6, 9)),        # Monday 09:00: Friday 09:00
    (at(2026, 3, 11, 14), at(2026, 3, 10, 14)),    # an ordinary Wednesday: the day before
    (at(2026, 4, 7, 9), at(2026, 4, 1, 9)),        # the Tuesday after Easter: the Wednesday before it
    (at(2026, 3, 30, 9), at(2026, 3, 27, 9)),      # across the start of summer time
    (at(2026, 10, 26, 9), at(2026, 10, 23, 9)),    # across its end
    (at(2027, 5, 18, 9), at(2027, 5, 14, 9)),      # 17 May 2027 is Whit Monday
    (at(2027, 1, 4, 9), at(2026, 12, 30, 9)),      # New Year's Eve closed by the clinic, 1 January by law
    (at(2026, 3, 7, 11), at(2026, 3, 6, 0)),       # a Saturday appointment: all of Friday counts
])
def test_known_deadlines(starts: datetime, deadline: datetime) -> None:
    assert cancel_deadline(starts.astimezone(UTC), CLINIC.is_working_day) == deadline


def appointment(starts: datetime) -> Appointment:
    return Appointment(id=uuid.uuid4(), slot_id=uuid.uuid4(), patient_id=uuid.uuid4(), doctor_id=uuid.uuid4(),
                       starts_at=starts, ends_at=starts + timedelta(minutes=20), reason=None,
                       booked_at=starts - timedelta(days=30), reminder_due_at=None)


@settings(max_examples=400, deadline=None)
@given(start=st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2027, 12, 31)),
       before=st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=12)))
def test_the_rule_allows_exactly_up_to_the_deadline_on_working_days(start: datetime, before: timedelta) -> None:
    starts = start.replace(second=0, microsecond=0, tzinfo=OSLO).astimezone(UTC)
    now = starts - before
    deadline = cancel_deadline(starts, CLINIC.is_working_day)
    expected_ok = CLINIC.is_working_day(oslo(now).date()) and now <= deadline
    try:
        ensure_patient_may_cancel(appointment(starts), now, CLINIC)
        allowed = True
    except (CancelTooLate, CancelNotWorkingDay):
        allowed = False
    assert allowed == expected_ok
