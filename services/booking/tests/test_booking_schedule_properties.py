"""Whatever a template says, its slots are of its length, inside its hours, on its weekdays, never on a
day the clinic is closed, and never overlapping."""

from __future__ import annotations

import itertools
import uuid
from datetime import date, time, timedelta

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from booking.domain.clinic import ClinicCalendar
from booking.domain.errors import InvalidTemplate
from booking.domain.schedule import WeeklyTemplate
from kit.clock import OSLO
from kit.working_days import is_public_holiday

CLOSED = [date(2026, 12, 24), date(2026, 12, 31), date(2027, 7, 15)]


@settings(max_examples=150, deadline=None)
@given(weekdays=st.frozensets(st.integers(1, 7), min_size=1),
       start_minute=st.integers(0, 12 * 60), length=st.integers(5, 240), hours=st.integers(1, 9),
       first=st.dates(date(2026, 1, 1), date(2028, 12, 1)), days=st.integers(0, 45))
def test_template_slots_keep_to_the_template_and_the_clinic(weekdays: frozenset[int], start_minute: int,
                                                            length: int, hours: int, first: date,
                                                            days: int) -> None:
    end_minute = min(start_minute + hours * 60, 23 * 60)
    try:
        template = WeeklyTemplate(uuid.uuid4(), uuid.uuid4(), weekdays, time(start_minute // 60, start_minute % 60),
                                  time(end_minute // 60, end_minute % 60), length, True, first)
    except InvalidTemplate:
        assume(False)
        return
    slots = list(template.slots_between(first, first + timedelta(days=days), ClinicCalendar(CLOSED)))
    for s in slots:
        local_start, local_end = s.starts_at.astimezone(OSLO), s.ends_at.astimezone(OSLO)
        day = local_start.date()
        assert day.isoweekday() in weekdays
        assert not is_public_holiday(day)
        assert day not in CLOSED
        assert template.day_starts <= local_start.time()
        assert local_end.time() <= template.day_ends
        assert s.ends_at - s.starts_at == timedelta(minutes=length)  # also on the DST nights
        assert s.starts_at < s.ends_at
    for earlier, later in itertools.pairwise(slots):
        assert earlier.ends_at <= later.starts_at
