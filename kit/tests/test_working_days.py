"""Working days by lov om helligdager, from the holidays package, checked against known dates."""

from __future__ import annotations

from datetime import date

import pytest

from kit.working_days import WorkingDays, is_public_holiday, working_days_after


@pytest.mark.parametrize("day", [
    date(2026, 1, 1), date(2026, 4, 2), date(2026, 4, 3), date(2026, 4, 5), date(2026, 4, 6),
    date(2026, 5, 1), date(2026, 5, 14), date(2026, 5, 17), date(2026, 5, 24), date(2026, 5, 25),
    date(2026, 12, 25), date(2026, 12, 26), date(2027, 5, 17),
])
def test_public_holidays_by_law(day: date) -> None:
    assert is_public_holiday(day)
    assert not WorkingDays().is_working_day(day)


@pytest.mark.parametrize("day", [date(2026, 12, 24), date(2026, 12, 31), date(2026, 4, 1), date(2026, 5, 13)])
def test_christmas_eve_and_new_years_eve_are_not_holidays_by_law(day: date) -> None:
    assert not is_public_holiday(day)
    assert WorkingDays().is_working_day(day)


def test_the_clinic_may_close_christmas_eve_itself() -> None:
    assert not WorkingDays(closed_days=[date(2026, 12, 24)]).is_working_day(date(2026, 12, 24))


def test_weekends_are_not_working_days() -> None:
    assert not WorkingDays().is_working_day(date(2026, 11, 28))  # Saturday
    assert not WorkingDays().is_working_day(date(2026, 11, 29))  # Sunday
    assert WorkingDays().is_working_day(date(2026, 11, 30))


def test_working_days_after_counts_whole_days_after_the_day() -> None:
    assert working_days_after(date(2026, 11, 27), 5) == date(2026, 12, 4)  # Friday -> next Friday
    assert working_days_after(date(2026, 11, 28), 1) == date(2026, 11, 30)  # Saturday -> Monday
    # Across Easter 2026: Wed 1 April + 1 = Tue 7 April (Thursday, Friday, weekend, Monday are off).
    assert working_days_after(date(2026, 4, 1), 1) == date(2026, 4, 7)
    assert working_days_after(date(2026, 4, 1), 0) == date(2026, 4, 1)


def test_n_working_days_after_an_instant_count_from_its_day_in_oslo() -> None:
    from datetime import UTC, datetime

    # Friday 27 November 23:30 UTC is already Saturday in Oslo: five working days after Saturday is Friday.
    assert WorkingDays().due_after(datetime(2026, 11, 27, 23, 30, tzinfo=UTC), 5) == date(2026, 12, 4)
    assert WorkingDays().due_after(datetime(2026, 11, 27, 22, 30, tzinfo=UTC), 5) == date(2026, 12, 4)
    # The clinic closes Friday 4 December: a request from Friday 27 November is due Monday 7 December.
    closed = WorkingDays(closed_days=[date(2026, 12, 4)])
    assert closed.due_after(datetime(2026, 11, 27, 12, 0, tzinfo=UTC), 5) == date(2026, 12, 7)
