"""The clinic's calendar every service that counts working days keeps: a copy of booking's closed days.

A closed day is one fact with one owner (booking, where reception closes and reopens it); the others apply
`ClinicDayClosed` / `ClinicDayReopened` to their own table, each in the transaction of its inbox row, so a
redelivery changes nothing. An event older than the one already applied for that day is ignored, so an
out-of-order replay never undoes a later word. A service whose open requests carry due dates passes
`on_change`, which computes them again in the same transaction.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date

import asyncpg

from contracts.envelope import Envelope
from contracts.events import ClinicDayClosed, ClinicDayReopened
from kit.runtime import ServiceRuntime
from kit.working_days import WorkingDays

FEATURE = "clinic_calendar"

# (conn, the day that changed, the clinic's working days as they are now) -> None
CalendarChanged = Callable[[asyncpg.Connection, date, WorkingDays], Awaitable[None]]


# The clinic's closed days as this service knows them: a query of its own, or a subquery of a read that needs them
# with other facts in one round trip (econsult's question: `ARRAY(CLOSED_DAYS)`).
CLOSED_DAYS = "SELECT day FROM clinic_closed_days WHERE closed"


async def working_days(conn: asyncpg.Connection) -> WorkingDays:
    """Working days by law and by the clinic's own closed days, as this service knows them now."""
    return WorkingDays(r["day"] for r in await conn.fetch(CLOSED_DAYS))


async def apply_clinic_day(conn: asyncpg.Connection, envelope: Envelope,
                           event: ClinicDayClosed | ClinicDayReopened) -> bool:
    """Record the day as closed or open. False when a later event about the day was applied already."""
    applied = await conn.fetchval(
        """INSERT INTO clinic_closed_days (day, closed, as_of) VALUES ($1, $2, $3)
           ON CONFLICT (day) DO UPDATE SET closed = EXCLUDED.closed, as_of = EXCLUDED.as_of
           WHERE clinic_closed_days.as_of <= EXCLUDED.as_of
           RETURNING true""",
        event.day, isinstance(event, ClinicDayClosed), envelope.occurred_at)
    return bool(applied)


def keep_clinic_calendar(runtime: ServiceRuntime, on_change: CalendarChanged | None = None) -> None:
    runtime.use_feature(FEATURE)

    async def handle(conn: asyncpg.Connection, envelope: Envelope, event: ClinicDayClosed | ClinicDayReopened) -> None:
        if await apply_clinic_day(conn, envelope, event) and on_change is not None:
            await on_change(conn, event.day, await working_days(conn))

    runtime.on(ClinicDayClosed)(handle)
    runtime.on(ClinicDayReopened)(handle)
