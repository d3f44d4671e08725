"""What a booking and a cancellation ask PostgreSQL, on the real database (issue 17): a booking is two statements
between BEGIN and COMMIT (the locks and what the rules read; the appointment with its event), a cancellation two
statements and no transaction (the appointment; the cancellation with its event, checked again as it writes, and
whether its slot is free for the search, in the UPDATE's RETURNING).
And the cancellation without a transaction still tells everyone once, however many race for it."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import pytest

from booking import handlers
from services.booking.tests.conftest import Booking
from services.booking.tests.test_booking_service import book
from tests.support.round_trips import counted

pytestmark = pytest.mark.stack


async def test_a_booking_is_two_statements_in_its_transaction_and_a_cancellation_two_without_one(
        booking_service: Booking) -> None:
    svc = booking_service
    kari, slot = await svc.patient_and_slot()

    runtime, pool = counted(svc.runtime, svc.clock)
    booked = await handlers.book_appointment(runtime, kari, uuid.UUID(slot["id"]), None)
    assert pool.sent == ["BEGIN", "SELECT", "WITH", "COMMIT"]

    runtime, pool = counted(svc.runtime, svc.clock)
    search = SearchTold()
    await handlers.cancel_appointment(runtime, booked.id, by="staff", search=search)
    assert pool.sent == ["SELECT", "WITH"]  # and the slot search told whether the slot is free: no statement more
    assert search.told == [(booked.slot_id, True, (0, 7))]

    events = await svc.events(booked.id)
    assert [e["event_type"] for e in events] == ["AppointmentBooked", "AppointmentCancelled"]


class SearchTold:
    """The slot search's cache as the cancellation tells it (handlers.FreedSlots), writing down what it was told."""

    def __init__(self) -> None:
        self.told: list[tuple[uuid.UUID, bool, tuple[int, int]]] = []

    def version_of(self, doctor_id: uuid.UUID) -> tuple[int, int]:
        return (0, 7)

    def freed(self, doctor_id: uuid.UUID, appointment_id: uuid.UUID, slot_id: uuid.UUID, *args: Any,
              free_again: bool, since: tuple[int, int]) -> None:
        self.told.append((slot_id, free_again, since))


async def test_cancellations_racing_for_one_appointment_cancel_it_once_and_tell_once(
        booking_service: Booking) -> None:
    svc = booking_service
    kari, slot = await svc.patient_and_slot()
    _, appointment = await book(svc, kari, slot["id"])

    async def cancel(by: dict[str, str]) -> Any:
        return await svc.client.post(f"/internal/appointments/{appointment['id']}/cancel", json=by)
    answers = await asyncio.gather(*(cancel({"by": "patient", "patient_id": str(kari)} if i % 2 else {"by": "staff"})
                                     for i in range(12)))

    assert {a.status_code for a in answers} == {200}
    # Every answer is the one cancellation that stands, whoever made it.
    assert len({(a.json()["cancelled_at"], a.json()["cancelled_by"]) for a in answers}) == 1
    events = await svc.events(appointment["id"])
    assert [e["event_type"] for e in events] == ["AppointmentBooked", "AppointmentCancelled"]
    assert events[1]["payload"]["cancelled_by"] == answers[0].json()["cancelled_by"]
