"""When the clinic is open: days with slots, and the working days that rule cancellations.

Public holidays by law come from kit's `holidays`-based calendar; the clinic's own closed days
(Christmas Eve, New Year's Eve, a staff day) are configuration kept in the database.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from kit.working_days import WorkingDays, is_public_holiday


class ClinicCalendar:
    def __init__(self, closed_days: Iterable[date] = ()) -> None:
        self.closed_days = frozenset(closed_days)
        self.working_days = WorkingDays(self.closed_days)

    def has_slots_on(self, day: date) -> bool:
        """No slots on a public holiday or a day the clinic has closed. Weekends are the templates' call."""
        return not is_public_holiday(day) and day not in self.closed_days

    def is_working_day(self, day: date) -> bool:
        return self.working_days.is_working_day(day)
