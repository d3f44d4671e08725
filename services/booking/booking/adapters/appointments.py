"""Appointments in PostgreSQL. The two invariants are the database's: one active appointment per slot
(a partial unique index) and one future appointment per patient (the patient's row locked for the
length of the booking transaction)."""

from __future__ import annotations

import uuid
from datetime import datetime

import asyncpg

from booking.domain.appointments import Appointment
from booking.domain.errors import NotListed, SlotTaken

ONE_PER_SLOT = "appointments_one_per_slot"


class AppointmentRepository:
    def __init__(self, conn: asyncpg.Connection) -> None:
        self._conn = conn

    async def lock_patient(self, patient_id: uuid.UUID) -> uuid.UUID | None:
        """Lock the patient's directory row and return their GP. Two bookings by one patient take turns
        here, so the check for a future appointment that follows cannot race another insert."""
        row = await self._conn.fetchrow(
            "SELECT gp_id FROM patient_directory WHERE patient_id = $1 FOR NO KEY UPDATE", patient_id)
        if row is None:
            raise NotListed()
        gp_id: uuid.UUID | None = row["gp_id"]
        return gp_id

    async def has_future_appointment(self, patient_id: uuid.UUID, now: datetime) -> bool:
        return bool(await self._conn.fetchval(
            """SELECT EXISTS (SELECT 1 FROM appointments
                              WHERE patient_id = $1 AND cancelled_at IS NULL AND starts_at > $2)""",
            patient_id, now))

    async def add(self, appointment: Appointment) -> None:
        a = appointment
        try:
            await self._conn.execute(
                """INSERT INTO appointments (id, slot_id, patient_id, doctor_id, starts_at, ends_at, reason,
                                             booked_at, reminder_due_at, booked_by_guardian_id)
                   VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)""",
                a.id, a.slot_id, a.patient_id, a.doctor_id, a.starts_at, a.ends_at, a.reason, a.booked_at,
                a.reminder_due_at, a.booked_by_guardian_id)
        except asyncpg.UniqueViolationError as exc:
            if exc.constraint_name == ONE_PER_SLOT:
                raise SlotTaken() from exc
            raise

    async def get(self, appointment_id: uuid.UUID, *, for_update: bool = False) -> Appointment | None:
        lock = " FOR UPDATE" if for_update else ""
        row = await self._conn.fetchrow(f"SELECT * FROM appointments WHERE id = $1{lock}", appointment_id)
        return _appointment(row) if row else None

    async def save_cancellation(self, appointment: Appointment) -> None:
        await self._conn.execute(
            "UPDATE appointments SET cancelled_at = $2, cancelled_by = $3 WHERE id = $1 AND cancelled_at IS NULL",
            appointment.id, appointment.cancelled_at, appointment.cancelled_by)

    async def of_patient(self, patient_id: uuid.UUID) -> list[Appointment]:
        rows = await self._conn.fetch(
            "SELECT * FROM appointments WHERE patient_id = $1 ORDER BY starts_at DESC LIMIT 200", patient_id)
        return [_appointment(r) for r in rows]

    async def due_reminders(self, now: datetime, limit: int) -> list[Appointment]:
        """Appointments whose reminder is due and not yet sent, locked; replicas skip each other's."""
        rows = await self._conn.fetch(
            """SELECT * FROM appointments
               WHERE reminder_due_at <= $1 AND reminded_at IS NULL AND cancelled_at IS NULL
                 AND reminder_due_at IS NOT NULL AND starts_at > $1
               ORDER BY reminder_due_at LIMIT $2 FOR UPDATE SKIP LOCKED""", now, limit)
        return [_appointment(r) for r in rows]

    async def mark_reminded(self, appointment_id: uuid.UUID, at: datetime) -> None:
        await self._conn.execute("UPDATE appointments SET reminded_at = $2 WHERE id = $1", appointment_id, at)


def _appointment(row: asyncpg.Record) -> Appointment:
    return Appointment(id=row["id"], slot_id=row["slot_id"], patient_id=row["patient_id"], doctor_id=row["doctor_id"],
                       starts_at=row["starts_at"], ends_at=row["ends_at"], reason=row["reason"],
                       booked_at=row["booked_at"], reminder_due_at=row["reminder_due_at"],
                       cancelled_at=row["cancelled_at"], cancelled_by=row["cancelled_by"],
                       booked_by_guardian_id=row["booked_by_guardian_id"])
