"""The age rules of acting for a child (domain-rules.md, "Acting for a child"): the band turns at the first
moment of the 12th and 16th birthday on the clinic's clock (Europe/Oslo), and a 29 February birthday counts on
1 March in years without one."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest

from identity.domain.guardianship import age_band, birthday, guardian_scope, may_log_in_alone
from kit.clock import OSLO
from kit.names import first_name


def at_oslo(day: date, clock: time = time(0, 0)) -> datetime:
    return datetime.combine(day, clock, tzinfo=OSLO)


BORN = date(2014, 6, 15)


@pytest.mark.parametrize(("now", "band", "scope", "alone"), [
    (at_oslo(date(2026, 6, 14), time(23, 59, 59)), "under_12", "everything", False),  # the day before the 12th
    (at_oslo(date(2026, 6, 15)), "12_to_15", "appointments", True),  # the first moment of the 12th birthday
    (at_oslo(date(2030, 6, 14), time(23, 59, 59)), "12_to_15", "appointments", True),  # the day before the 16th
    (at_oslo(date(2030, 6, 15)), "16_and_over", None, True),  # the 16th birthday: nothing, by itself
])
def test_the_band_turns_on_the_birthday(now: datetime, band: str, scope: str | None, alone: bool) -> None:
    assert age_band(BORN, now) == band
    assert guardian_scope(BORN, now) == scope
    assert may_log_in_alone(BORN, now) is alone


def test_the_birthday_is_the_clinics_day_not_utc() -> None:
    # 22:30 UTC on 14 June is 00:30 on 15 June in Oslo (summer time): already the 12th birthday.
    assert age_band(BORN, datetime(2026, 6, 14, 22, 30, tzinfo=UTC)) == "12_to_15"
    # 21:30 UTC is 23:30 in Oslo: still the day before.
    assert age_band(BORN, datetime(2026, 6, 14, 21, 30, tzinfo=UTC)) == "under_12"


def test_a_leap_day_child_turns_12_and_16_on_the_leap_day_itself() -> None:
    # 12 and 16 years after a leap year are leap years too (until 2100): the birthday is 29 February.
    born = date(2012, 2, 29)
    assert age_band(born, at_oslo(date(2024, 2, 28), time(23, 59, 59))) == "under_12"
    assert age_band(born, at_oslo(date(2024, 2, 29))) == "12_to_15"
    assert age_band(born, at_oslo(date(2028, 2, 28), time(23, 59, 59))) == "12_to_15"
    assert age_band(born, at_oslo(date(2028, 2, 29))) == "16_and_over"


def test_a_leap_day_birthday_counts_on_1_march_in_a_common_year() -> None:
    assert birthday(date(2012, 2, 29), 13) == date(2025, 3, 1)
    # 2100 is no leap year: a child born on 29 February 2088 turns 12 on 1 March 2100, and one born on
    # 29 February 2084 turns 16 that day.
    assert age_band(date(2088, 2, 29), at_oslo(date(2100, 2, 28), time(23, 59, 59))) == "under_12"
    assert age_band(date(2088, 2, 29), at_oslo(date(2100, 3, 1))) == "12_to_15"
    assert age_band(date(2084, 2, 29), at_oslo(date(2100, 2, 28), time(23, 59, 59))) == "12_to_15"
    assert age_band(date(2084, 2, 29), at_oslo(date(2100, 3, 1))) == "16_and_over"


@pytest.mark.parametrize(("born", "twelfth", "sixteenth"), [
    (date(2011, 2, 28), date(2023, 2, 28), date(2027, 2, 28)),
    (date(2011, 3, 1), date(2023, 3, 1), date(2027, 3, 1)),
])
def test_the_days_beside_a_leap_day_are_their_own(born: date, twelfth: date, sixteenth: date) -> None:
    assert age_band(born, at_oslo(twelfth - timedelta(days=1), time(23, 59, 59))) == "under_12"
    assert age_band(born, at_oslo(twelfth)) == "12_to_15"
    assert age_band(born, at_oslo(sixteenth - timedelta(days=1), time(23, 59, 59))) == "12_to_15"
    assert age_band(born, at_oslo(sixteenth)) == "16_and_over"


@pytest.mark.parametrize(("name", "first"), [
    ("Ola Petter Nordmann", "Ola"), ("Nordmann, Kari", "Kari"), ("Åse", "Åse"),
])
def test_a_child_is_called_by_the_first_given_name(name: str, first: str) -> None:
    assert first_name(name) == first
