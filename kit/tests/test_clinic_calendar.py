"""The copy of the clinic's closed days a service keeps (kit.clinic_calendar): a closed day is no working day, a
reopened one is again, and an event older than the last one applied for the day changes nothing."""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta
from pathlib import Path

import asyncpg
import pytest

from contracts.envelope import Envelope
from contracts.events import ClinicDayClosed, ClinicDayReopened
from kit.clinic_calendar import FEATURE, apply_clinic_day, working_days
from kit.clock import OSLO
from kit.migrations import migrate

pytestmark = pytest.mark.stack

FRIDAY = date(2026, 12, 4)
T0 = datetime(2026, 11, 27, 9, tzinfo=OSLO)  # a Friday: due the Friday after, 4 December


def wrapped(event: ClinicDayClosed | ClinicDayReopened, at: datetime) -> Envelope:
    return Envelope.wrap(event, occurred_at=at, correlation_id="test", event_id=uuid.uuid4())


async def test_closed_then_reopened_and_a_late_old_event_ignored(scratch_db: str, tmp_path: Path) -> None:
    conn = await asyncpg.connect(scratch_db)
    try:
        await migrate(conn, "svc", tmp_path, (FEATURE,))
        assert (await working_days(conn)).due_after(T0, 5) == FRIDAY
        closed = ClinicDayClosed(day=FRIDAY)
        assert await apply_clinic_day(conn, wrapped(closed, T0), closed)
        assert (await working_days(conn)).due_after(T0, 5) == date(2026, 12, 7)  # the Monday after
        reopened = ClinicDayReopened(day=FRIDAY)
        assert await apply_clinic_day(conn, wrapped(reopened, T0 + timedelta(hours=1)), reopened)
        assert (await working_days(conn)).due_after(T0, 5) == FRIDAY
        assert not await apply_clinic_day(conn, wrapped(closed, T0 + timedelta(minutes=30)), closed)
        assert (await working_days(conn)).is_working_day(FRIDAY)
    finally:
        await conn.close()
