"""The clinic's booking rules with the clock injected, without a database."""

from __future__ import annotations

import itertools
import uuid
from datetime import UTC, date, datetime, time, timedelta, timezone

import pytest

from booking.domain.appointments import (
    Appointment,
    Slot,
    book,
    ensure_patient_may_cancel,
    patient_cancel_refusal,
    reminder_due_at,
    working_time_between,
)
from booking.domain.clinic import ClinicCalendar
from booking.domain.errors import (
    CancelNotWorkingDay,
    CancelTooLate,
    ClinicClosed,
    InvalidTemplate,
    NotOwnGp,
    SlotInPast,
    SlotUnavailable,
    TemplateTimeWithOffset,
)
from booking.domain.schedule import WeeklyTemplate, single_slot
from kit.clock import OSLO

GP = uuid.uuid4()
PATIENT = uuid.uuid4()


def at(y: int, mo: int, d: int, h: int = 9, mi: int = 0) -> datetime:
    """An Oslo wall-clock time."""
    return datetime(y, mo, d, h, mi, tzinfo=OSLO)


def appointment_at(starts: datetime) -> Appointment:
    return Appointment(id=uuid.uuid4(), slot_id=uuid.uuid4(), patient_id=PATIENT, doctor_id=GP,
                       starts_at=starts.astimezone(UTC), ends_at=(starts + timedelta(minutes=20)).astimezone(UTC),
                       reason=None, booked_at=starts - timedelta(days=10), reminder_due_at=None)


def may_cancel(now: datetime, starts: datetime, clinic: ClinicCalendar | None = None) -> None:
    ensure_patient_may_cancel(appointment_at(starts), now.astimezone(UTC), clinic or ClinicCalendar())


# --- cancelling -------------------------------------------------------------------------------

def test_friday_0900_may_cancel_monday_0900() -> None:
    may_cancel(at(2026, 3, 6, 9, 0), at(2026, 3, 9, 9, 0))


def test_friday_0901_is_too_late_for_monday_0900() -> None:
    with pytest.raises(CancelTooLate):
        may_cancel(at(2026, 3, 6, 9, 1), at(2026, 3, 9, 9, 0))


def test_an_ordinary_weekday_needs_24_hours() -> None:
    may_cancel(at(2026, 3, 10, 9, 0), at(2026, 3, 11, 9, 0))
    with pytest.raises(CancelTooLate):
        may_cancel(at(2026, 3, 10, 9, 1), at(2026, 3, 11, 9, 0))


@pytest.mark.parametrize("now", [at(2026, 3, 7, 9), at(2026, 3, 8, 9)], ids=["saturday", "sunday"])
def test_weekend_cancellations_are_refused(now: datetime) -> None:
    with pytest.raises(CancelNotWorkingDay):
        may_cancel(now, at(2026, 3, 20, 9))


def test_maundy_thursday_2026_is_not_a_working_day() -> None:
    with pytest.raises(CancelNotWorkingDay):
        may_cancel(at(2026, 4, 2, 10), at(2026, 4, 20, 9))
    may_cancel(at(2026, 4, 1, 10), at(2026, 4, 20, 9))  # the day before is


def test_the_portal_is_told_whether_a_cancel_would_be_refused_now_and_why() -> None:
    """The patient's appointment list carries the refusal the server would give, so the portal never offers
    «Avbestill» on a holiday or a closed day (which it cannot know) only to be refused."""
    monday = appointment_at(at(2026, 4, 20, 9))
    closed = ClinicCalendar(closed_days={date(2026, 4, 14)})
    assert patient_cancel_refusal(monday, at(2026, 4, 1, 10), ClinicCalendar()) is None
    assert patient_cancel_refusal(monday, at(2026, 4, 2, 10), ClinicCalendar()) == "booking.cancel_not_working_day"
    assert patient_cancel_refusal(monday, at(2026, 4, 14, 10), closed) == "booking.cancel_not_working_day"
    assert patient_cancel_refusal(monday, at(2026, 4, 14, 10), ClinicCalendar()) is None
    assert patient_cancel_refusal(monday, at(2026, 4, 17, 9, 1), ClinicCalendar()) == "booking.cancel_too_late"


def test_17_may_2027_whit_monday_is_not_a_working_day() -> None:
    with pytest.raises(CancelNotWorkingDay):
        may_cancel(at(2027, 5, 17, 10), at(2027, 6, 1, 9))


def test_easter_holidays_do_not_count_toward_the_24_hours() -> None:
    # Tuesday after Easter 2026: Thursday 2 to Monday 6 April are holidays or weekend; Wednesday counts.
    may_cancel(at(2026, 4, 1, 9, 0), at(2026, 4, 7, 9, 0))
    with pytest.raises(CancelTooLate):
        may_cancel(at(2026, 4, 1, 9, 1), at(2026, 4, 7, 9, 0))


def test_a_clinic_closed_day_is_not_a_working_day() -> None:
    clinic = ClinicCalendar([date(2026, 12, 24)])
    with pytest.raises(CancelNotWorkingDay):
        may_cancel(at(2026, 12, 24, 9), at(2027, 1, 11, 9), clinic)
    may_cancel(at(2026, 12, 24, 9), at(2027, 1, 11, 9))  # a working day where the clinic has not closed it


def test_march_dst_weekend_friday_0900_for_monday_0900() -> None:
    # Summer time starts Sunday 29 March 2026: Friday 09:00 CET to Monday 09:00 CEST is 71 real hours.
    monday = at(2026, 3, 30, 9, 0)
    may_cancel(at(2026, 3, 27, 9, 0), monday)
    with pytest.raises(CancelTooLate):
        may_cancel(at(2026, 3, 27, 9, 1), monday)


def test_october_dst_weekend_friday_0900_for_monday_0900() -> None:
    # Summer time ends Sunday 25 October 2026: Friday 09:00 CEST to Monday 09:00 CET is 73 real hours.
    monday = at(2026, 10, 26, 9, 0)
    may_cancel(at(2026, 10, 23, 9, 0), monday)
    with pytest.raises(CancelTooLate):
        may_cancel(at(2026, 10, 23, 9, 1), monday)


@pytest.mark.parametrize(("day", "hours"), [(date(2026, 3, 29), 23), (date(2026, 10, 25), 25), (date(2026, 3, 28), 24)])
def test_working_time_counts_real_elapsed_hours_on_dst_days(day: date, hours: int) -> None:
    # Were a DST Sunday a working day, it would give its real 23 or 25 hours, not 24 on the clock.
    start = datetime.combine(day, time(0), tzinfo=OSLO)
    end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=OSLO)
    assert working_time_between(start, end, lambda d: True) == timedelta(hours=hours)


def test_24_real_hours_across_a_dst_change_when_every_day_counts() -> None:
    # Saturday 28 March 12:00 CET to Sunday 29 March 12:00 CEST is 23 real hours, though 24 on the clock.
    start, end = at(2026, 3, 28, 12), at(2026, 3, 29, 12)
    assert working_time_between(start, end, lambda d: True) == timedelta(hours=23)


def test_an_appointment_in_the_past_cannot_be_cancelled_by_the_patient() -> None:
    with pytest.raises(CancelTooLate):
        may_cancel(at(2026, 3, 10, 10), at(2026, 3, 10, 9))


# --- booking ----------------------------------------------------------------------------------

NOW = at(2026, 3, 2, 12).astimezone(UTC)


def slot(starts: datetime, *, online: bool = True, withdrawn: bool = False, doctor: uuid.UUID = GP) -> Slot:
    return Slot(uuid.uuid4(), doctor, starts.astimezone(UTC), (starts + timedelta(minutes=20)).astimezone(UTC),
                online, withdrawn)


@pytest.mark.parametrize("candidate", [
    None,
    slot(at(2026, 3, 2, 11, 40)),                  # started already
    slot(at(2026, 3, 2, 12, 0)),                   # starts this very moment
    slot(at(2026, 3, 5, 9), online=False),         # not opened for online booking
    slot(at(2026, 3, 5, 9), withdrawn=True),       # its day was closed
], ids=["missing", "past", "now", "not_online", "withdrawn"])
def test_a_past_closed_or_missing_slot_is_unavailable(candidate: Slot | None) -> None:
    with pytest.raises(SlotUnavailable):
        book(candidate, patient_id=PATIENT, gp_id=GP, reason=None, now=NOW)


def test_only_the_patients_own_gp() -> None:
    with pytest.raises(NotOwnGp):
        book(slot(at(2026, 3, 5, 9), doctor=uuid.uuid4()), patient_id=PATIENT, gp_id=GP, reason=None, now=NOW)
    with pytest.raises(NotOwnGp):
        book(slot(at(2026, 3, 5, 9)), patient_id=PATIENT, gp_id=None, reason=None, now=NOW)


def test_a_booking_carries_the_slot_times_and_reason() -> None:
    s = slot(at(2026, 3, 5, 9))
    a = book(s, patient_id=PATIENT, gp_id=GP, reason="Vondt i kneet", now=NOW)
    assert (a.slot_id, a.doctor_id, a.starts_at, a.ends_at, a.reason) == (s.id, GP, s.starts_at, s.ends_at,
                                                                          "Vondt i kneet")


def test_the_reminder_is_due_the_morning_before() -> None:
    due = reminder_due_at(at(2026, 3, 5, 9).astimezone(UTC), booked_at=NOW)
    assert due == at(2026, 3, 4, 10, 0)


def test_no_reminder_when_booked_the_day_before_or_later() -> None:
    assert reminder_due_at(at(2026, 3, 3, 9).astimezone(UTC), booked_at=NOW) is None
    assert reminder_due_at(at(2026, 3, 2, 15).astimezone(UTC), booked_at=NOW) is None


# --- schedules --------------------------------------------------------------------------------

def template(**kw: object) -> WeeklyTemplate:
    values: dict[str, object] = dict(id=uuid.uuid4(), doctor_id=GP, weekdays=frozenset({1, 2, 3, 4, 5}),
                                     day_starts=time(8, 0), day_ends=time(11, 0), slot_minutes=20, online=True,
                                     valid_from=date(2026, 1, 1))
    values.update(kw)
    return WeeklyTemplate(**values)  # type: ignore[arg-type]


def test_a_template_makes_slots_of_its_length_on_its_weekdays() -> None:
    made = list(template(weekdays=frozenset({1, 3})).slots_between(date(2026, 3, 2), date(2026, 3, 8),
                                                                   ClinicCalendar()))
    assert len(made) == 2 * 9  # Monday and Wednesday, 08:00 to 11:00 in 20-minute slots
    assert made[0].starts_at == at(2026, 3, 2, 8, 0)
    assert made[-1].ends_at == at(2026, 3, 4, 11, 0)
    assert all(s.ends_at - s.starts_at == timedelta(minutes=20) for s in made)


def test_no_slots_on_public_holidays_or_closed_days() -> None:
    easter_week = list(template().slots_between(date(2026, 3, 30), date(2026, 4, 6),
                                                ClinicCalendar([date(2026, 3, 31)])))
    days = {s.starts_at.astimezone(OSLO).date() for s in easter_week}
    # Maundy Thursday, Good Friday and Easter Monday are holidays; 31 March the clinic closed itself.
    assert days == {date(2026, 3, 30), date(2026, 4, 1)}
    whit = list(template().slots_between(date(2027, 5, 17), date(2027, 5, 17), ClinicCalendar()))
    assert whit == []


def test_slots_keep_their_wall_clock_time_across_dst() -> None:
    made = list(template(day_ends=time(8, 20)).slots_between(date(2026, 3, 27), date(2026, 3, 30),
                                                             ClinicCalendar()))
    assert [s.starts_at.astimezone(UTC).hour for s in made] == [7, 6]  # 08:00 CET, then 08:00 CEST
    assert [s.starts_at.astimezone(OSLO).hour for s in made] == [8, 8]


def test_a_weekly_template_across_the_spring_dst_gap_never_makes_a_slot_that_ends_before_it_starts() -> None:
    # Sunday 26 March 2028: Oslo's clocks jump from 02:00 to 03:00, so 02:00-03:00 never happens that night.
    night = template(weekdays=frozenset({7}), day_starts=time(1, 0), day_ends=time(4, 0), slot_minutes=30,
                     valid_from=date(2028, 3, 1))
    made = list(night.slots_between(date(2028, 3, 26), date(2028, 3, 26), ClinicCalendar()))
    assert all(s.ends_at - s.starts_at == timedelta(minutes=30) for s in made)
    local = [(s.starts_at.astimezone(OSLO).strftime("%H:%M"), s.ends_at.astimezone(OSLO).strftime("%H:%M"))
             for s in made]
    # 01:30-02:00 would end at a time that does not exist, 02:00-02:30 and 02:30-03:00 start in the gap: skipped.
    assert local == [("01:00", "01:30"), ("03:00", "03:30"), ("03:30", "04:00")]
    a_week_later = list(night.slots_between(date(2028, 4, 2), date(2028, 4, 2), ClinicCalendar()))
    assert len(a_week_later) == 6


def test_the_autumn_night_makes_no_slot_longer_than_its_length() -> None:
    # Sunday 29 October 2028: 02:00-03:00 happens twice; a slot 02:30-03:00 would last an hour and a half.
    night = template(weekdays=frozenset({7}), day_starts=time(1, 0), day_ends=time(4, 0), slot_minutes=30,
                     valid_from=date(2028, 10, 1))
    made = list(night.slots_between(date(2028, 10, 29), date(2028, 10, 29), ClinicCalendar()))
    assert all(s.ends_at - s.starts_at == timedelta(minutes=30) for s in made)
    assert len(made) == 5
    assert all(a.ends_at <= b.starts_at for a, b in itertools.pairwise(made))


def test_a_template_respects_its_validity() -> None:
    t = template(valid_from=date(2026, 3, 4), valid_until=date(2026, 3, 5))
    days = {s.starts_at.astimezone(OSLO).date() for s in t.slots_between(date(2026, 3, 2), date(2026, 3, 8),
                                                                          ClinicCalendar())}
    assert days == {date(2026, 3, 4), date(2026, 3, 5)}


@pytest.mark.parametrize("kw", [
    {"weekdays": frozenset()}, {"weekdays": frozenset({0})}, {"slot_minutes": 2},
    {"day_starts": time(10), "day_ends": time(10, 10)}, {"valid_until": date(2025, 1, 1)},
])
def test_an_invalid_template_is_refused(kw: dict[str, object]) -> None:
    with pytest.raises(InvalidTemplate):
        template(**kw)


@pytest.mark.parametrize("kw", [{"day_starts": time(8, tzinfo=timezone(timedelta(hours=5)))},
                                {"day_ends": time(12, tzinfo=UTC)}])
def test_a_template_time_with_an_offset_is_refused_not_dropped(kw: dict[str, object]) -> None:
    with pytest.raises(TemplateTimeWithOffset):
        template(**kw)


def test_a_single_slot_not_on_a_closed_day_nor_in_the_past() -> None:
    with pytest.raises(ClinicClosed):
        single_slot(at(2026, 4, 2, 9), 20, NOW, ClinicCalendar())
    with pytest.raises(ClinicClosed):
        single_slot(at(2026, 12, 24, 9), 20, NOW, ClinicCalendar([date(2026, 12, 24)]))
    with pytest.raises(SlotInPast):
        single_slot(at(2026, 3, 2, 11), 20, NOW, ClinicCalendar())
    made = single_slot(at(2026, 3, 3, 9), 30, NOW, ClinicCalendar())
    assert made.ends_at - made.starts_at == timedelta(minutes=30)
