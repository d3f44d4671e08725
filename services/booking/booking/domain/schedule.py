"""A doctor's schedule: weekly templates and single slots, turned into concrete slots.

Slot times are wall-clock times in Oslo (a template says 08:00 in both winter and summer), stored as
instants. A day on which the clinic is closed gets no slots. A slot whose wall-clock start or end does not
exist (the spring DST gap) or that would not last its length (the autumn night's repeated hour) is skipped.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache

from booking.domain.clinic import ClinicCalendar
from booking.domain.errors import ClinicClosed, InvalidTemplate, SlotInPast, TemplateTimeWithOffset
from kit.clock import OSLO, oslo

MIN_SLOT_MINUTES, MAX_SLOT_MINUTES = 5, 240


@dataclass(frozen=True)
class SlotTimes:
    starts_at: datetime  # UTC
    ends_at: datetime


@dataclass(frozen=True)
class WeeklyTemplate:
    id: uuid.UUID
    doctor_id: uuid.UUID
    weekdays: frozenset[int]  # ISO: 1 is Monday
    day_starts: time
    day_ends: time
    slot_minutes: int
    online: bool
    valid_from: date
    valid_until: date | None = None

    def __post_init__(self) -> None:
        if self.day_starts.tzinfo is not None or self.day_ends.tzinfo is not None:
            # An offset would be dropped without a word: 08:00+05:00 would open slots at 08:00 in Oslo.
            raise TemplateTimeWithOffset()
        if not self.weekdays or not self.weekdays <= set(range(1, 8)):
            raise InvalidTemplate("Ukedager er 1 (mandag) til 7 (søndag).")
        if not MIN_SLOT_MINUTES <= self.slot_minutes <= MAX_SLOT_MINUTES:
            raise InvalidTemplate(f"Timelengden må være {MIN_SLOT_MINUTES} til {MAX_SLOT_MINUTES} minutter.")
        day_minutes = _minutes(self.day_ends) - _minutes(self.day_starts)
        if day_minutes < self.slot_minutes:
            raise InvalidTemplate("Arbeidstiden må romme minst én time.")
        if self.valid_until is not None and self.valid_until < self.valid_from:
            raise InvalidTemplate("Sluttdatoen kan ikke være før startdatoen.")

    def slots_between(self, first: date, last: date, clinic: ClinicCalendar) -> Iterator[SlotTimes]:
        """The template's slots on the days from `first` to `last` (both included)."""
        day = max(first, self.valid_from)
        end = last if self.valid_until is None else min(last, self.valid_until)
        length = timedelta(minutes=self.slot_minutes)
        while day <= end:
            if day.isoweekday() in self.weekdays and clinic.has_slots_on(day):
                # Wall-clock arithmetic within one local day; each instant converted on its own.
                start = datetime.combine(day, self.day_starts)
                closing = datetime.combine(day, self.day_ends)
                while start + length <= closing:
                    times = SlotTimes(_instant(start), _instant(start + length))
                    if _exists(start) and _exists(start + length) and times.ends_at - times.starts_at == length:
                        yield times
                    start += length
            day += timedelta(days=1)


def single_slot(start: datetime, minutes: int, now: datetime, clinic: ClinicCalendar) -> SlotTimes:
    """A slot opened by hand: in the future, of a sane length, on a day the clinic is open."""
    if start.tzinfo is None:
        raise InvalidTemplate("Starttid må ha tidssone.")
    if not MIN_SLOT_MINUTES <= minutes <= MAX_SLOT_MINUTES:
        raise InvalidTemplate(f"Timelengden må være {MIN_SLOT_MINUTES} til {MAX_SLOT_MINUTES} minutter.")
    if start <= now:
        raise SlotInPast()
    if not clinic.has_slots_on(oslo(start).date()):
        raise ClinicClosed()
    starts_at = start.astimezone(UTC)
    return SlotTimes(starts_at, starts_at + timedelta(minutes=minutes))


@lru_cache(maxsize=4096)  # a day's bounds never change; every free slot's cancel deadline asks for them
def local_day_bounds(day: date) -> tuple[datetime, datetime]:
    """The instants where an Oslo day begins and ends (23 or 25 hours apart on the DST days)."""
    return _instant(datetime.combine(day, time(0))), _instant(datetime.combine(day + timedelta(days=1), time(0)))


def _instant(local: datetime) -> datetime:
    return local.replace(tzinfo=OSLO).astimezone(UTC)


def _exists(local: datetime) -> bool:
    """Whether a wall-clock time happens in Oslo at all. On the spring DST night 02:00-03:00 does not: a slot
    there would be given a made-up instant (one 02:30-03:00 would end before it starts), so it is skipped;
    so is one on the autumn night that would last an hour longer than its length."""
    return _instant(local).astimezone(OSLO).replace(tzinfo=None) == local


def _minutes(t: time) -> int:
    return t.hour * 60 + t.minute
