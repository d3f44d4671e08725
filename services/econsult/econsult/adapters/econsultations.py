"""eConsultations and GP availability in PostgreSQL: the one place econsult's SQL lives."""

from __future__ import annotations

import uuid
from datetime import date, datetime

import asyncpg

from contracts.envelope import Event
from econsult.domain.econsultation import EConsultation
from kit.clinic_calendar import CLOSED_DAYS
from kit.outbox import Outbox
from kit.patient_directory import PatientUnknown
from kit.working_days import WorkingDays

_COLUMNS = ("id, patient_id, doctor_id, text, submitted_at, due_date, status, reply, handled_at, renewal_hint, "
            "opened_at, sent_by_guardian_id")


def _to_econsultation(row: asyncpg.Record) -> EConsultation:
    return EConsultation(**{key: row[key] for key in _COLUMNS.split(", ")})


class EConsultations:
    def __init__(self, conn: asyncpg.Connection, outbox: Outbox | None = None) -> None:
        """`outbox`: for the write that carries its event (the unit of work's repository); reads need none."""
        self._conn = conn
        self._outbox = outbox

    async def add(self, c: EConsultation, submitted: Event) -> None:
        """The question and its event `submitted` in one statement (`Outbox.add_with`)."""
        assert self._outbox is not None, "a write with its event: the unit of work's repository"
        await self._outbox.add_with(
            self._conn, submitted,
            f"""INSERT INTO econsultations ({_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
                RETURNING true""",
            c.id, c.patient_id, c.doctor_id, c.text, c.submitted_at, c.due_date, c.status, c.reply, c.handled_at,
            c.renewal_hint, c.opened_at, c.sent_by_guardian_id)

    async def add_if_absent(self, c: EConsultation) -> bool:
        """For fixed-id seeding: True when it was new."""
        added = await self._conn.fetchval(
            f"""INSERT INTO econsultations ({_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
                ON CONFLICT (id) DO NOTHING RETURNING true""",
            c.id, c.patient_id, c.doctor_id, c.text, c.submitted_at, c.due_date, c.status, c.reply, c.handled_at,
            c.renewal_hint, c.opened_at, c.sent_by_guardian_id)
        return bool(added)

    async def get(self, econsult_id: uuid.UUID, *, for_update: bool = False) -> EConsultation | None:
        lock = " FOR UPDATE" if for_update else ""
        row = await self._conn.fetchrow(f"SELECT {_COLUMNS} FROM econsultations WHERE id = $1{lock}", econsult_id)
        return _to_econsultation(row) if row else None

    async def save_handled(self, c: EConsultation) -> None:
        await self._conn.execute(
            "UPDATE econsultations SET status = $2, reply = $3, handled_at = $4 WHERE id = $1 AND status = 'open'",
            c.id, c.status, c.reply, c.handled_at)

    async def mark_opened(self, econsult_id: uuid.UUID, at: datetime) -> None:
        """The doctor read it: the first time counts. The row lock makes a withdrawal in flight wait, or wins."""
        await self._conn.execute(
            "UPDATE econsultations SET opened_at = $2 WHERE id = $1 AND opened_at IS NULL AND status = 'open'",
            econsult_id, at)

    async def move_open_to_gp(self, patient_id: uuid.UUID, gp_id: uuid.UUID) -> int:
        """A patient's open eConsultations follow them to their new GP."""
        result = await self._conn.execute(
            "UPDATE econsultations SET doctor_id = $2 WHERE patient_id = $1 AND status = 'open' AND doctor_id <> $2",
            patient_id, gp_id)
        return int(result.split()[-1])

    async def open_submitted_before(self, day: date) -> list[EConsultation]:
        """Open ones sent before `day` and due on or after it: the ones whose due date a change of that day moves.
        Locked, so an answer in flight and the new due date take turns."""
        rows = await self._conn.fetch(
            f"""SELECT {_COLUMNS} FROM econsultations
                WHERE status = 'open' AND due_date >= $1 AND (submitted_at AT TIME ZONE 'Europe/Oslo')::date < $1
                FOR UPDATE""", day)
        return [_to_econsultation(r) for r in rows]

    async def set_due_date(self, econsult_id: uuid.UUID, due: date) -> None:
        await self._conn.execute("UPDATE econsultations SET due_date = $2 WHERE id = $1", econsult_id, due)

    async def of_patient(self, patient_id: uuid.UUID) -> list[EConsultation]:
        rows = await self._conn.fetch(
            f"SELECT {_COLUMNS} FROM econsultations WHERE patient_id = $1 ORDER BY submitted_at DESC", patient_id)
        return [_to_econsultation(r) for r in rows]

    async def open_for_doctor(self, doctor_id: uuid.UUID) -> list[tuple[EConsultation, asyncpg.Record]]:
        """The doctor's open ones, oldest due first, with the patient's name and birth date from the directory."""
        rows = await self._conn.fetch(
            f"""SELECT {", ".join("e." + c for c in _COLUMNS.split(", "))}, d.name AS patient_name,
                       d.birth_date AS patient_birth_date
                FROM econsultations e LEFT JOIN patient_directory d ON d.patient_id = e.patient_id
                WHERE e.doctor_id = $1 AND e.status = 'open'
                ORDER BY e.due_date, e.submitted_at""", doctor_id)
        return [(_to_econsultation(r), r) for r in rows]

    async def past_due(self, today: date) -> int:
        """How many open ones are past their due date (the doctors' inbox alert), on the inbox's partial index."""
        found: int = await self._conn.fetchval(
            "SELECT count(*) FROM econsultations WHERE status = 'open' AND due_date < $1", today)
        return found


class Availability:
    def __init__(self, conn: asyncpg.Connection) -> None:
        self._conn = conn

    async def is_open(self, doctor_id: uuid.UUID) -> bool:
        value = await self._conn.fetchval("SELECT open FROM gp_availability WHERE doctor_id = $1", doctor_id)
        return bool(value)

    async def for_question(self, patient_id: uuid.UUID) -> tuple[uuid.UUID | None, bool, WorkingDays]:
        """What a patient's question is decided on, in one round trip: their GP (None: on no list), whether that GP
        is open for eConsultations, and the working days (by law and the clinic's closed days) its due date is
        counted in. The patient's row and the GP's availability are share-locked until the transaction ends: a
        change of GP waits for the question being sent and then moves it with the patient's others, and a GP who
        closes meanwhile waits too (or, closed first, is seen closed). PatientUnknown if not in the directory."""
        row = await self._conn.fetchrow(
            f"""SELECT p.gp_id, coalesce(a.open, false) AS open, ARRAY({CLOSED_DAYS}) AS closed
               FROM patient_directory p
               LEFT JOIN LATERAL (SELECT open FROM gp_availability WHERE doctor_id = p.gp_id FOR SHARE) a ON true
               WHERE p.patient_id = $1
               FOR SHARE OF p""", patient_id)
        if row is None:
            raise PatientUnknown()
        return row["gp_id"], row["open"], WorkingDays(row["closed"])

    async def set(self, doctor_id: uuid.UUID, open_: bool, at: datetime) -> bool:
        """Record the GP's choice; True when it changed (only a change is an event)."""
        previous = await self._conn.fetchval(
            "SELECT open FROM gp_availability WHERE doctor_id = $1 FOR UPDATE", doctor_id)
        if previous is not None and previous == open_:
            return False
        await self._conn.execute(
            """INSERT INTO gp_availability (doctor_id, open, changed_at) VALUES ($1, $2, $3)
               ON CONFLICT (doctor_id) DO UPDATE SET open = EXCLUDED.open, changed_at = EXCLUDED.changed_at""",
            doctor_id, open_, at)
        return previous is not None or open_
