"""The reminder the day before: durable, neither lost nor repeated across failures and restarts."""

from __future__ import annotations

import uuid
from datetime import datetime

import pytest

from booking import handlers
from booking.bootstrap import build
from kit.clock import OSLO, FixedClock
from services.booking.tests.conftest import Booking
from tests.support.eventually import eventually
from tests.support.services import StackEnv, running

pytestmark = pytest.mark.stack


async def booked_for_thursday(svc: Booking) -> tuple[uuid.UUID, str]:
    gp = uuid.uuid4()
    (kari,) = await svc.listed(gp)
    await svc.template(gp, day_starts="08:00", day_ends="08:40")
    slot = (await svc.free(kari, "2026-03-05", "2026-03-05"))[0]  # Thursday 08:00
    response = await svc.client.post("/internal/appointments", json={"patient_id": str(kari), "slot_id": slot["id"],
                                                                       "reason": "Hoste"})
    assert response.status_code == 201
    return kari, response.json()["id"]


def reminders(events: list[dict[str, object]]) -> list[dict[str, object]]:
    return [e for e in events if e["event_type"] == "AppointmentReminderDue"]


async def test_the_reminder_goes_the_morning_before_and_only_once(booking_service: Booking) -> None:
    svc = booking_service
    kari, appointment_id = await booked_for_thursday(svc)
    svc.clock.set(datetime(2026, 3, 4, 9, 59, tzinfo=OSLO))
    await handlers.send_due_reminders(svc.runtime)
    assert reminders(await svc.events(appointment_id)) == []
    svc.clock.set(datetime(2026, 3, 4, 10, 0, tzinfo=OSLO))
    await handlers.send_due_reminders(svc.runtime)
    await handlers.send_due_reminders(svc.runtime)
    sent = reminders(await svc.events(appointment_id))
    assert len(sent) == 1
    assert sent[0]["payload"] == {"appointment_id": appointment_id, "patient_id": str(kari),
                                  "doctor_id": sent[0]["payload"]["doctor_id"],  # type: ignore[index]
                                  "starts_at": "2026-03-05T07:00:00Z",
                                  "patient_may_cancel_until": "2026-03-04T07:00:00Z",  # 24 working-day hours
                                  "booked_by_guardian_id": None}
    assert "Hoste" not in str(sent)


async def test_every_event_of_an_appointment_a_guardian_booked_names_the_guardian(booking_service: Booking) -> None:
    """notify sends the confirmation, the reminder and the cancellation to the guardian who booked (issue 19)."""
    svc = booking_service
    gp, guardian = uuid.uuid4(), uuid.uuid4()
    (child,) = await svc.listed(gp)
    await svc.template(gp, day_starts="08:00", day_ends="08:40")
    slot = (await svc.free(child, "2026-03-05", "2026-03-05"))[0]
    response = await svc.client.post("/internal/appointments", json={
        "patient_id": str(child), "slot_id": slot["id"], "booked_by_guardian_id": str(guardian)})
    assert response.status_code == 201, response.text
    appointment_id = response.json()["id"]
    svc.clock.set(datetime(2026, 3, 4, 10, 0, tzinfo=OSLO))
    await handlers.send_due_reminders(svc.runtime)
    cancelled = await svc.client.post(f"/internal/appointments/{appointment_id}/cancel",
                                      json={"by": "staff"})
    assert cancelled.status_code == 200, cancelled.text
    events = await svc.events(appointment_id)
    assert [(e["event_type"], e["schema_version"], e["payload"]["booked_by_guardian_id"])  # type: ignore[index]
            for e in events] == [("AppointmentBooked", 3, str(guardian)), ("AppointmentReminderDue", 3, str(guardian)),
                                 ("AppointmentCancelled", 2, str(guardian))]


async def test_a_cancelled_appointment_gets_no_reminder(booking_service: Booking) -> None:
    svc = booking_service
    _, appointment_id = await booked_for_thursday(svc)
    await svc.client.post(f"/internal/appointments/{appointment_id}/cancel", json={"by": "staff"})
    svc.clock.set(datetime(2026, 3, 4, 12, 0, tzinfo=OSLO))
    await handlers.send_due_reminders(svc.runtime)
    assert reminders(await svc.events(appointment_id)) == []


async def test_a_failure_before_commit_loses_nothing(booking_service: Booking, monkeypatch: pytest.MonkeyPatch) -> None:
    svc = booking_service
    _, appointment_id = await booked_for_thursday(svc)
    svc.clock.set(datetime(2026, 3, 4, 12, 0, tzinfo=OSLO))

    from booking.adapters.appointments import AppointmentRepository
    real_mark = AppointmentRepository.mark_reminded

    async def crash(*_: object) -> None:
        raise ConnectionResetError("the process died between the event and the mark")

    monkeypatch.setattr(AppointmentRepository, "mark_reminded", crash)
    with pytest.raises(ConnectionResetError):
        await handlers.send_due_reminders(svc.runtime)
    assert reminders(await svc.events(appointment_id)) == []  # the event rolled back with the mark

    monkeypatch.setattr(AppointmentRepository, "mark_reminded", real_mark)
    await handlers.send_due_reminders(svc.runtime)
    assert len(reminders(await svc.events(appointment_id))) == 1


async def test_a_restarted_service_neither_loses_nor_repeats_a_reminder(booking_service: Booking,
                                                                        stack_env: StackEnv) -> None:
    svc = booking_service
    _, first = await booked_for_thursday(svc)
    _, second = await booked_for_thursday(svc)
    svc.clock.set(datetime(2026, 3, 4, 10, 30, tzinfo=OSLO))
    conn = await svc.db()
    try:
        # The first reminder went out before the "crash"; the second was still due.
        await conn.execute("UPDATE appointments SET reminder_due_at = reminder_due_at + interval '1 hour' "
                           "WHERE id = $1", uuid.UUID(second))
    finally:
        await conn.close()
    await handlers.send_due_reminders(svc.runtime)
    assert (len(reminders(await svc.events(first))), len(reminders(await svc.events(second)))) == (1, 0)

    # A new process on the same database, an hour later: its job runs at start.
    settings = stack_env.settings("booking", reminder_poll_seconds=0.2)
    restarted = build(settings, clock=FixedClock(datetime(2026, 3, 4, 11, 30, tzinfo=OSLO)))
    async with running(restarted):
        async def second_reminded() -> bool:
            return len(reminders(await svc.events(second))) > 0

        await eventually(second_reminded, timeout=30, what="the restarted job's reminder")
        await handlers.send_due_reminders(restarted.state.runtime)  # and once more, by hand: nothing new
    assert (len(reminders(await svc.events(first))), len(reminders(await svc.events(second)))) == (1, 1)
