"""What booking's handlers work with: the repositories they need, as protocols, and the unit of work that offers
them in one transaction. PostgreSQL's is here (its SQL in appointments.py and schedules.py, where the database
keeps the invariants under concurrency); the in-memory one the handler tests use is in tests/fakes.py."""

from __future__ import annotations

import functools
import uuid
from collections.abc import Iterable
from datetime import date, datetime
from typing import Protocol

import asyncpg

from booking.adapters.appointments import AppointmentRepository
from booking.adapters.schedules import ScheduleRepository
from booking.domain.appointments import Appointment, Slot
from booking.domain.schedule import SlotTimes, WeeklyTemplate
from contracts.envelope import Event
from kit.runtime import ServiceRuntime
from kit.unit_of_work import PostgresUnitOfWork, UnitOfWork, unit_of_work


class Appointments(Protocol):
    async def lock_for_booking(self, patient_id: uuid.UUID, slot_id: uuid.UUID, now: datetime
                               ) -> tuple[uuid.UUID | None, Slot | None, set[date]]:
        """The patient's GP, the slot (None: no such slot) and the closed days from now to the slot's day, the
        patient held until the work ends (their bookings take turns). NotListed if the patient is not listed."""

    async def add_unless_future(self, appointment: Appointment, now: datetime, booked: Event) -> bool:
        """Kept, and `booked` published with it, unless the patient already has a future appointment (False then,
        nothing published); SlotTaken if the slot is."""

    async def get(self, appointment_id: uuid.UUID) -> Appointment | None: ...

    async def save_cancellation(self, appointment: Appointment, cancelled: Event) -> bool | None:
        """Cancelled, and `cancelled` published with it, unless it was cancelled meanwhile (None then, nothing
        published). Atomic on its own: the work it ends needs no transaction. Whether its slot is free for the
        search now (online, not withdrawn, the same doctor and times, no one else's)."""

    async def of_patient(self, patient_id: uuid.UUID) -> list[Appointment]: ...

    async def due_reminders(self, now: datetime, limit: int) -> list[Appointment]: ...

    async def mark_reminded(self, appointment_id: uuid.UUID, at: datetime) -> None: ...


class Schedules(Protocol):
    async def closed_days(self, first: date, last: date) -> set[date]: ...

    async def add_closed_day(self, day: date, reason: str | None) -> bool:
        """False if the day was closed already."""

    async def remove_closed_day(self, day: date) -> bool:
        """False if the day was not closed."""

    async def restore_withdrawn_slots_on(self, day: date, now: datetime) -> int: ...

    async def withdraw_free_slots_on(self, day: date, at: datetime) -> int: ...

    async def appointments_on(self, day: date) -> int: ...

    async def add_template(self, template: WeeklyTemplate) -> None: ...

    async def templates_behind(self, horizon: date) -> list[tuple[WeeklyTemplate, date | None]]: ...

    async def templates_materialised_over(self, day: date) -> list[WeeklyTemplate]: ...

    async def mark_materialised(self, template_id: uuid.UUID, until: date) -> None: ...

    async def add_template_slots(self, template: WeeklyTemplate, times: Iterable[SlotTimes]) -> int:
        """How many were made: one that would overlap a slot the doctor already has is skipped."""

    async def add_single_slot(self, doctor_id: uuid.UUID, times: SlotTimes, online: bool) -> Slot:
        """SlotOverlaps if the doctor already has a slot at that time."""

    async def slot_for_change(self, slot_id: uuid.UUID) -> Slot | None: ...

    async def set_online(self, slot_id: uuid.UUID, online: bool) -> Slot: ...

    async def free_slots(self, doctor_id: uuid.UUID, start: datetime, end: datetime, limit: int) -> list[Slot]: ...


class BookingUnitOfWork(UnitOfWork, Protocol):
    @property
    def appointments(self) -> Appointments: ...

    @property
    def schedules(self) -> Schedules: ...


class PostgresBookingUnitOfWork(PostgresUnitOfWork):
    appointments: AppointmentRepository
    schedules: ScheduleRepository

    def repositories(self, conn: asyncpg.Connection) -> None:
        self.appointments = AppointmentRepository(conn, self.outbox)
        self.schedules = ScheduleRepository(conn)


def booking_unit(runtime: ServiceRuntime, *, transaction: bool = True) -> BookingUnitOfWork:
    """`transaction=False`: each statement commits alone (kit.unit_of_work.PostgresUnitOfWork)."""
    return unit_of_work(runtime, functools.partial(PostgresBookingUnitOfWork, transaction=transaction))
