"""Approved e-prescriptions on their way to the intermediary, in PostgreSQL.

A dispatch is what one decision approved. Its prescriptions are written in the decision's transaction
(state "to send"), so an approval is never lost; the sender marks each one sent, and announces the
dispatch (PrescriptionSent) in the same transaction as the last mark, so it is announced once.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

import asyncpg

from kit.telemetry import trace_context
from prescription.adapters.intermediary import EPrescription
from prescription.domain.medicines import Medication

WAKE_CHANNEL = "prescription_dispatches"


@dataclass(frozen=True)
class Dispatch:
    id: uuid.UUID
    renewal_id: uuid.UUID
    patient_id: uuid.UUID
    doctor_id: uuid.UUID
    attempts: int
    trace_context: dict[str, str] | None = None  # of the decision (kit/telemetry.py)
    requested_by_guardian_id: uuid.UUID | None = None  # the renewal's: PrescriptionSent's SMS go to this guardian


class Dispatches:
    def __init__(self, conn: asyncpg.Connection) -> None:
        self._conn = conn

    async def add(self, *, renewal_id: uuid.UUID, patient_id: uuid.UUID, doctor_id: uuid.UUID,
                  medicines: list[Medication], at: datetime) -> uuid.UUID:
        dispatch_id = uuid.uuid4()
        # The row and the sender's wake-up (delivered at commit, to whichever replica listens) in one round trip.
        await self._conn.execute(
            """WITH added AS (INSERT INTO dispatches (id, renewal_id, patient_id, doctor_id, created_at,
                                                    next_attempt_at, trace_context)
                              VALUES ($1, $2, $3, $4, $5, $5, $6))
               SELECT pg_notify($7, '')""",
            dispatch_id, renewal_id, patient_id, doctor_id, at, trace_context(), WAKE_CHANNEL)
        await self._conn.executemany(
            """INSERT INTO prescriptions (id, dispatch_id, renewal_id, medication_id, patient_id, doctor_id, name,
                                          strength, atc_code, reseptgruppe, created_at)
               VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)""",
            [(uuid.uuid4(), dispatch_id, renewal_id, m.id, patient_id, doctor_id, m.name, m.strength, m.atc_code,
              m.reseptgruppe, at) for m in medicines])
        return dispatch_id

    async def next_due(self, now: datetime) -> Dispatch | None:
        """The oldest dispatch due a try, locked for this transaction; other senders skip it."""
        row = await self._conn.fetchrow(
            """SELECT d.id, d.renewal_id, d.patient_id, d.doctor_id, d.attempts, d.trace_context,
                      r.requested_by_guardian_id
               FROM dispatches d JOIN renewals r ON r.id = d.renewal_id
               WHERE d.announced_at IS NULL AND d.next_attempt_at <= $1
               ORDER BY d.next_attempt_at, d.created_at LIMIT 1 FOR UPDATE OF d SKIP LOCKED""", now)
        return Dispatch(**dict(row)) if row else None

    async def unsent(self, dispatch_id: uuid.UUID) -> list[EPrescription]:
        rows = await self._conn.fetch(
            """SELECT id AS prescription_id, patient_id, doctor_id, name, strength, atc_code, reseptgruppe,
                      created_at AS issued_at
               FROM prescriptions WHERE dispatch_id = $1 AND sent_at IS NULL ORDER BY name, id""", dispatch_id)
        return [EPrescription(**dict(r)) for r in rows]

    async def medication_ids(self, dispatch_id: uuid.UUID) -> list[uuid.UUID]:
        rows = await self._conn.fetch(
            "SELECT medication_id FROM prescriptions WHERE dispatch_id = $1 ORDER BY name, id", dispatch_id)
        return [r["medication_id"] for r in rows]

    async def mark_sent(self, prescription_id: uuid.UUID, at: datetime) -> None:
        await self._conn.execute("UPDATE prescriptions SET sent_at = $2 WHERE id = $1 AND sent_at IS NULL",
                                 prescription_id, at)

    async def failed(self, dispatch_id: uuid.UUID, error: str, retry_at: datetime) -> None:
        await self._conn.execute(
            """UPDATE dispatches SET attempts = attempts + 1, last_error = $2, next_attempt_at = $3
               WHERE id = $1""", dispatch_id, error[:500], retry_at)

    async def announced(self, dispatch_id: uuid.UUID, at: datetime) -> None:
        await self._conn.execute("UPDATE dispatches SET announced_at = $2 WHERE id = $1", dispatch_id, at)

    async def sent_at_of(self, renewal_ids: list[uuid.UUID]) -> dict[tuple[uuid.UUID, uuid.UUID], datetime | None]:
        """(renewal, medicine) -> when its e-prescription reached the intermediary (None: not yet)."""
        rows = await self._conn.fetch(
            "SELECT renewal_id, medication_id, sent_at FROM prescriptions WHERE renewal_id = ANY($1::uuid[])",
            renewal_ids)
        return {(r["renewal_id"], r["medication_id"]): r["sent_at"] for r in rows}
