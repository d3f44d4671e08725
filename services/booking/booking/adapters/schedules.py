"""Schedules in PostgreSQL: templates, closed days and the materialised slots. All of booking's
schedule SQL lives here."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from datetime import date, datetime

import asyncpg

from booking.domain.appointments import Slot
from booking.domain.errors import SlotOverlaps
from booking.domain.schedule import SlotTimes, WeeklyTemplate, local_day_bounds
from kit.clock import oslo

# Open, unbooked slots of one doctor in a range. Both sides of the anti-join are range scans of the
# same doctor and period (an appointment carries its slot's doctor and start), so the cost follows the
# range asked for, not the year of schedules and appointments around it. A test checks the plan.
FREE_SLOTS = """
    SELECT s.* FROM slots s
    WHERE s.doctor_id = $1 AND s.starts_at >= $2 AND s.starts_at < $3
      AND s.online AND s.withdrawn_at IS NULL
      AND NOT EXISTS (SELECT 1 FROM appointments a
                      WHERE a.slot_id = s.id AND a.cancelled_at IS NULL
                        AND a.doctor_id = $1 AND a.starts_at >= $2 AND a.starts_at < $3)
    ORDER BY s.starts_at LIMIT $4"""

# The same search with each slot as the API writes it (SlotOut's fields; a test holds the two equal), and its
# start: booking adds the cancel deadline the domain computes from it and passes PostgreSQL's text on without an
# object per slot. Times come out in Oslo time with their offset, the session's zone (kit.db).
FREE_SLOTS_JSON = f"""
    SELECT coalesce(array_agg(row_to_json(f)::text ORDER BY f.starts_at), '{{}}') AS slots,
           coalesce(array_agg(f.starts_at ORDER BY f.starts_at), '{{}}') AS starts
    FROM (SELECT s.id, s.doctor_id, s.starts_at, s.ends_at,
                 (extract(epoch FROM s.ends_at - s.starts_at) / 60)::int AS minutes, s.online
          FROM ({FREE_SLOTS}) s) f"""


def free_slots_document(doctor_id: uuid.UUID, slots: list[str]) -> str:
    """The search's answer (FreeSlotsOut) around the slots' JSON objects."""
    return f'{{"doctor_id":"{doctor_id}","slots":[{",".join(slots)}]}}'


def free_slot_object(slot_id: uuid.UUID, doctor_id: uuid.UUID, starts_at: datetime, ends_at: datetime,
                     cancel_until: Callable[[datetime], datetime]) -> str:
    """One free slot as free_slot_objects writes it (PostgreSQL's row_to_json of FREE_SLOTS_JSON, online), for a
    slot the search cache puts back after a cancellation without asking PostgreSQL again."""
    minutes = round((ends_at - starts_at).total_seconds() / 60)
    return (f'{{"id":"{slot_id}","doctor_id":"{doctor_id}","starts_at":"{oslo(starts_at).isoformat()}",'
            f'"ends_at":"{oslo(ends_at).isoformat()}","minutes":{minutes},"online":true,'
            f'"patient_may_cancel_until":"{oslo(cancel_until(starts_at)).isoformat()}"}}')


class ScheduleRepository:
    def __init__(self, conn: asyncpg.Connection) -> None:
        self._conn = conn

    # --- closed days ---------------------------------------------------------------------------

    async def closed_days(self, first: date, last: date) -> set[date]:
        rows = await self._conn.fetch("SELECT day FROM closed_days WHERE day BETWEEN $1 AND $2", first, last)
        return {row["day"] for row in rows}

    async def closed_days_listed(self, first: date, last: date) -> list[asyncpg.Record]:
        """Reception's list: each closed day with its reason and the appointments still booked on it (closing a day
        leaves them for staff to cancel, so the list says how many are left)."""
        rows: list[asyncpg.Record] = await self._conn.fetch(
            """SELECT c.day, c.reason,
                      (SELECT count(*) FROM appointments a
                       WHERE a.cancelled_at IS NULL AND a.starts_at >= c.day::timestamp AT TIME ZONE 'Europe/Oslo'
                         AND a.starts_at < (c.day + 1)::timestamp AT TIME ZONE 'Europe/Oslo')::int
                      AS booked_appointments
               FROM closed_days c WHERE c.day BETWEEN $1 AND $2 ORDER BY c.day""", first, last)
        return rows

    async def add_closed_day(self, day: date, reason: str | None) -> bool:
        added = await self._conn.fetchval(
            "INSERT INTO closed_days (day, reason) VALUES ($1, $2) ON CONFLICT DO NOTHING RETURNING true",
            day, reason)
        return bool(added)

    async def remove_closed_day(self, day: date) -> bool:
        removed = await self._conn.fetchval("DELETE FROM closed_days WHERE day = $1 RETURNING true", day)
        return bool(removed)

    async def restore_withdrawn_slots_on(self, day: date, now: datetime) -> int:
        """Put back the day's slots that closing it withdrew, those not yet begun. Each comes back unless another
        slot of its doctor has taken its time meanwhile (the exclusion constraint would refuse it)."""
        start, end = local_day_bounds(day)
        result = await self._conn.execute(
            """UPDATE slots s SET withdrawn_at = NULL
               WHERE s.starts_at >= $1 AND s.starts_at < $2 AND s.starts_at > $3 AND s.withdrawn_at IS NOT NULL
                 AND NOT EXISTS (SELECT 1 FROM slots o
                                 WHERE o.doctor_id = s.doctor_id AND o.withdrawn_at IS NULL
                                   AND tstzrange(o.starts_at, o.ends_at) && tstzrange(s.starts_at, s.ends_at))""",
            start, end, now)
        return int(result.split()[-1])

    async def withdraw_free_slots_on(self, day: date, at: datetime) -> int:
        """Take the day's unbooked slots off the schedule. Booked ones stay for staff to cancel.

        The slots are locked first, so a booking in flight either commits before (and its slot stays)
        or waits and then finds the slot withdrawn; the second statement sees every committed booking.
        """
        start, end = local_day_bounds(day)
        ids = [r["id"] for r in await self._conn.fetch(
            """SELECT id FROM slots WHERE starts_at >= $1 AND starts_at < $2 AND withdrawn_at IS NULL
               FOR UPDATE""", start, end)]
        result = await self._conn.execute(
            """UPDATE slots s SET withdrawn_at = $2 WHERE s.id = ANY($1::uuid[]) AND NOT EXISTS (
                   SELECT 1 FROM appointments a WHERE a.slot_id = s.id AND a.cancelled_at IS NULL)""",
            ids, at)
        return int(result.split()[-1])

    async def appointments_on(self, day: date) -> int:
        start, end = local_day_bounds(day)
        count: int = await self._conn.fetchval(
            "SELECT count(*) FROM appointments WHERE starts_at >= $1 AND starts_at < $2 AND cancelled_at IS NULL",
            start, end)
        return count

    # --- templates -----------------------------------------------------------------------------

    async def add_template(self, template: WeeklyTemplate) -> None:
        await self._conn.execute(
            """INSERT INTO weekly_templates (id, doctor_id, weekdays, day_starts, day_ends, slot_minutes, online,
                                             valid_from, valid_until)
               VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (id) DO NOTHING""",
            template.id, template.doctor_id, sorted(template.weekdays), template.day_starts, template.day_ends,
            template.slot_minutes, template.online, template.valid_from, template.valid_until)

    async def templates_behind(self, horizon: date) -> list[tuple[WeeklyTemplate, date | None]]:
        """Templates not yet materialised up to `horizon`, locked so that two replicas take turns."""
        rows = await self._conn.fetch(
            """SELECT * FROM weekly_templates
               WHERE (materialised_until IS NULL OR materialised_until < $1)
                 AND (valid_until IS NULL OR materialised_until IS NULL OR materialised_until < valid_until)
               ORDER BY created_at FOR UPDATE SKIP LOCKED""", horizon)
        return [(_template(r), r["materialised_until"]) for r in rows]

    async def templates_materialised_over(self, day: date) -> list[WeeklyTemplate]:
        """Templates valid on `day` whose slots were already made past it (so they skipped it if it was closed)."""
        rows = await self._conn.fetch(
            """SELECT * FROM weekly_templates
               WHERE materialised_until >= $1 AND valid_from <= $1 AND (valid_until IS NULL OR valid_until >= $1)
               ORDER BY created_at""", day)
        return [_template(r) for r in rows]

    async def mark_materialised(self, template_id: uuid.UUID, until: date) -> None:
        await self._conn.execute("UPDATE weekly_templates SET materialised_until = $2 WHERE id = $1",
                                 template_id, until)

    # --- slots ---------------------------------------------------------------------------------

    async def add_template_slots(self, template: WeeklyTemplate, times: Iterable[SlotTimes]) -> int:
        """Insert in one statement; a slot that would overlap one the doctor already has is skipped."""
        starts, ends = [], []
        for t in times:
            starts.append(t.starts_at)
            ends.append(t.ends_at)
        if not starts:
            return 0
        result = await self._conn.execute(
            """INSERT INTO slots (id, doctor_id, starts_at, ends_at, online, template_id)
               SELECT gen_random_uuid(), $1, s, e, $2, $3 FROM unnest($4::timestamptz[], $5::timestamptz[]) AS t(s, e)
               ON CONFLICT DO NOTHING""",
            template.doctor_id, template.online, template.id, starts, ends)
        return int(result.split()[-1])

    async def add_single_slot(self, doctor_id: uuid.UUID, times: SlotTimes, online: bool) -> Slot:
        slot = Slot(uuid.uuid4(), doctor_id, times.starts_at, times.ends_at, online)
        try:
            await self._conn.execute(
                "INSERT INTO slots (id, doctor_id, starts_at, ends_at, online) VALUES ($1, $2, $3, $4, $5)",
                slot.id, slot.doctor_id, slot.starts_at, slot.ends_at, slot.online)
        except asyncpg.ExclusionViolationError as exc:
            raise SlotOverlaps() from exc
        return slot

    async def slot_for_booking(self, slot_id: uuid.UUID) -> Slot | None:
        """The slot, share-locked: closing its day waits for this booking to commit or roll back."""
        row = await self._conn.fetchrow("SELECT * FROM slots WHERE id = $1 FOR SHARE", slot_id)
        return _slot(row) if row else None

    async def slot_for_change(self, slot_id: uuid.UUID) -> Slot | None:
        """The slot, locked against bookings in flight (they hold it FOR SHARE): a booking either commits
        first or, waiting, reads the slot as changed."""
        row = await self._conn.fetchrow("SELECT * FROM slots WHERE id = $1 FOR NO KEY UPDATE", slot_id)
        return _slot(row) if row else None

    async def set_online(self, slot_id: uuid.UUID, online: bool) -> Slot:
        row = await self._conn.fetchrow("UPDATE slots SET online = $2 WHERE id = $1 RETURNING *", slot_id, online)
        return _slot(row)

    async def free_slots(self, doctor_id: uuid.UUID, start: datetime, end: datetime, limit: int) -> list[Slot]:
        """Open, unbooked slots starting in [start, end)."""
        rows = await self._conn.fetch(FREE_SLOTS, doctor_id, start, end, limit)
        return [_slot(r) for r in rows]

    async def free_slot_objects(self, doctor_id: uuid.UUID, start: datetime, end: datetime, limit: int,
                                cancel_until: Callable[[datetime], datetime]) -> tuple[list[datetime], list[str]]:
        """free_slots as the API writes them: each slot's start and its JSON object as PostgreSQL writes it, with
        `patient_may_cancel_until` from `cancel_until` (the domain's rule) added."""
        row = await self._conn.fetchrow(FREE_SLOTS_JSON, doctor_id, start, end, limit)
        starts: list[datetime] = list(row["starts"])
        return starts, [f'{text[:-1]},"patient_may_cancel_until":"{oslo(cancel_until(at)).isoformat()}"}}'
                        for text, at in zip(row["slots"], starts, strict=True)]

    async def free_slots_json(self, doctor_id: uuid.UUID, start: datetime, end: datetime, limit: int,
                              cancel_until: Callable[[datetime], datetime]) -> str:
        """free_slots as the API's JSON answer (FreeSlotsOut)."""
        _, slots = await self.free_slot_objects(doctor_id, start, end, limit, cancel_until)
        return free_slots_document(doctor_id, slots)


    async def calendar(self, doctor_id: uuid.UUID, start: datetime, end: datetime) -> list[asyncpg.Record]:
        """Every slot of the doctor in the range, with its active appointment and patient, if any."""
        rows: list[asyncpg.Record] = await self._conn.fetch(
            """SELECT s.id AS slot_id, s.starts_at, s.ends_at, s.online, a.id AS appointment_id, a.patient_id,
                      a.reason, a.booked_at, p.name AS patient_name, p.birth_date AS patient_birth_date
               FROM slots s
               LEFT JOIN appointments a ON a.slot_id = s.id AND a.cancelled_at IS NULL
               LEFT JOIN patient_directory p ON p.patient_id = a.patient_id
               WHERE s.doctor_id = $1 AND s.starts_at >= $2 AND s.starts_at < $3
                 AND (s.withdrawn_at IS NULL OR a.id IS NOT NULL)
               ORDER BY s.starts_at""", doctor_id, start, end)
        return rows


def _slot(row: asyncpg.Record) -> Slot:
    return Slot(row["id"], row["doctor_id"], row["starts_at"], row["ends_at"], row["online"],
                row["withdrawn_at"] is not None)


def _template(row: asyncpg.Record) -> WeeklyTemplate:
    return WeeklyTemplate(row["id"], row["doctor_id"], frozenset(row["weekdays"]), row["day_starts"],
                          row["day_ends"], row["slot_minutes"], row["online"], row["valid_from"], row["valid_until"])
