"""Working days (virkedager) in Norway: Monday to Friday, not a public holiday by law, and not a day
the clinic has closed. Holidays come from the `holidays` package (NO); Christmas Eve and New Year's Eve
are not holidays by law, so they are the clinic's to close."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta
from functools import lru_cache

import holidays

from kit.clock import oslo


@lru_cache(maxsize=64)
def _norwegian_holidays(year: int) -> frozenset[date]:
    # include_sundays=False: the package can list every Sunday as a holiday; weekends are ours to rule.
    return frozenset(holidays.country_holidays("NO", years=year, include_sundays=False).keys())


def is_public_holiday(day: date) -> bool:
    return day in _norwegian_holidays(day.year)


class WorkingDays:
    def __init__(self, closed_days: Iterable[date] = ()) -> None:
        self._closed = frozenset(closed_days)

    def is_working_day(self, day: date) -> bool:
        return day.weekday() < 5 and not is_public_holiday(day) and day not in self._closed

    def after(self, day: date, n: int) -> date:
        """The date `n` whole working days after `day` (the day itself does not count)."""
        if n < 0:
            raise ValueError("n must not be negative")
        current = day
        while n:
            current += timedelta(days=1)
            if self.is_working_day(current):
                n -= 1
        return current

    def due_after(self, at: datetime, n: int) -> date:
        """'N working days after t' (domain-rules.md): whole working days after the Oslo day of the instant
        `at`. Every due date of every service (renewals, eConsultations) is this one computation."""
        return self.after(oslo(at).date(), n)


def working_days_after(day: date, n: int, closed_days: Iterable[date] = ()) -> date:
    return WorkingDays(closed_days).after(day, n)
