"""Appointments in PostgreSQL. The two invariants are the database's: one active appointment per slot
(a partial unique index) and one future appointment per patient (the patient's row locked for the
length of the booking transaction). A booking and a cancellation are each written with their event in one
statement (`Outbox.add_with`)."""

from __future__ import annotations

import uuid
from datetime import date, datetime

import asyncpg

from booking.domain.appointments import Appointment, Slot
from booking.domain.errors import NotListed, SlotTaken
from contracts.envelope import Event
from kit.outbox import Outbox

ONE_PER_SLOT = "appointments_one_per_slot"


class AppointmentRepository:
    def __init__(self, conn: asyncpg.Connection, outbox: Outbox | None = None) -> None:
        """`outbox`: for the writes that carry their event (a unit of work's repository); reads need none."""
        self._conn = conn
        self._outbox = outbox

    def _events(self) -> Outbox:
        assert self._outbox is not None, "a write with its event: the unit of work's repository"
        return self._outbox

    async def lock_for_booking(self, patient_id: uuid.UUID, slot_id: uuid.UUID, now: datetime
                               ) -> tuple[uuid.UUID | None, Slot | None, set[date]]:
        """One round trip: the patient's directory row locked (two bookings by one patient take turns here, so
        the check for a future appointment in `add_unless_future` cannot race another insert), the slot
        share-locked (closing its day waits for this booking), and the closed days from now to the slot's day
        (for its cancel deadline). Returns the patient's GP, the slot (None: no such slot) and those days."""
        row = await self._conn.fetchrow(
            """SELECT p.gp_id, s.id, s.doctor_id, s.starts_at, s.ends_at, s.online, s.withdrawn_at,
                      ARRAY(SELECT c.day FROM closed_days c
                            WHERE c.day BETWEEN (least($3, s.starts_at) AT TIME ZONE 'Europe/Oslo')::date
                                            AND (greatest($3, s.starts_at) AT TIME ZONE 'Europe/Oslo')::date) AS closed
               FROM patient_directory p
               LEFT JOIN LATERAL (SELECT * FROM slots WHERE id = $2 FOR SHARE) s ON true
               WHERE p.patient_id = $1
               FOR NO KEY UPDATE OF p""", patient_id, slot_id, now)
        if row is None:
            raise NotListed()
        slot = Slot(row["id"], row["doctor_id"], row["starts_at"], row["ends_at"], row["online"],
                    row["withdrawn_at"] is not None) if row["id"] is not None else None
        return row["gp_id"], slot, set(row["closed"])

    async def add_unless_future(self, appointment: Appointment, now: datetime, booked: Event) -> bool:
        """Insert the appointment and its event `booked` unless the patient already has a future appointment
        (False then, and no event). A statement of its own after `lock_for_booking`: its snapshot is taken after
        the patient's lock, so it sees the other booking of the same patient that held the lock before.
        SlotTaken if another patient's booking of the slot got there first (the partial unique index)."""
        a = appointment
        try:
            return await self._events().add_with(
                self._conn, booked,
                """INSERT INTO appointments (id, slot_id, patient_id, doctor_id, starts_at, ends_at, reason,
                                             booked_at, reminder_due_at, booked_by_guardian_id)
                   SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, $11
                   WHERE NOT EXISTS (SELECT 1 FROM appointments
                                     WHERE patient_id = $3 AND cancelled_at IS NULL AND starts_at > $10)
                   RETURNING true""",
                a.id, a.slot_id, a.patient_id, a.doctor_id, a.starts_at, a.ends_at, a.reason, a.booked_at,
                a.reminder_due_at, now, a.booked_by_guardian_id)
        except asyncpg.UniqueViolationError as exc:
            if exc.constraint_name == ONE_PER_SLOT:
                raise SlotTaken() from exc
            raise

    async def get(self, appointment_id: uuid.UUID) -> Appointment | None:
        row = await self._conn.fetchrow("SELECT * FROM appointments WHERE id = $1", appointment_id)
        return _appointment(row) if row else None

    async def save_cancellation(self, appointment: Appointment, cancelled: Event) -> bool | None:
        """The cancellation and its event `cancelled` in one statement, unless the appointment was cancelled
        meanwhile (None then, and no event: the other cancellation told everyone). Needs no transaction: the
        row's lock and the check of `cancelled_at` come with the UPDATE, on the row as it is then. Gives back
        whether the slot is free for the search with it, as the cancellation's notice judges it (migration 0005:
        online, not withdrawn, the same doctor and times, no live appointment on it; this statement's snapshot
        still sees this appointment live, so it is left out by its id)."""
        row = await self._events().add_returning(
            self._conn, cancelled,
            """UPDATE appointments SET cancelled_at = $2, cancelled_by = $3
               WHERE id = $1 AND cancelled_at IS NULL
               RETURNING coalesce((
                   SELECT s.online AND s.withdrawn_at IS NULL AND s.doctor_id = appointments.doctor_id
                          AND s.starts_at = appointments.starts_at AND s.ends_at = appointments.ends_at
                          AND NOT EXISTS (SELECT 1 FROM appointments a WHERE a.slot_id = s.id
                                          AND a.cancelled_at IS NULL AND a.id <> appointments.id)
                   FROM slots s WHERE s.id = appointments.slot_id), false) AS slot_free""",
            appointment.id, appointment.cancelled_at, appointment.cancelled_by)
        return None if row is None else bool(row["slot_free"])

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
