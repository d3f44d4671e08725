"""The one window left (README, "The one window left"): notify dies after the provider accepted a message and
before it recorded `sent`. On restart the delivery's lease runs out and it is tried again with the same
delivery id: the SMS provider, keeping idempotency keys, sends nothing new; an e-mail goes again with the
same Message-ID. And queued deliveries outlive a restart: a reminder held for the morning goes out once,
from the new process."""

from __future__ import annotations

import asyncio
import uuid
from datetime import datetime

import pytest

from contracts.events import AppointmentReminderDue, EConsultAnswered
from kit.clock import OSLO, FixedClock, SystemClock
from notify.adapters import repository
from notify.adapters.sinks import SmsSink
from services.notify.tests.notify_support import notify_service
from tests.support.eventually import eventually
from tests.support.services import StackEnv

pytestmark = pytest.mark.stack

DOCTOR = uuid.uuid4()


async def die(*_: object) -> None:
    """The process stops here, right after the provider's acceptance: nothing more is written or sent."""
    await asyncio.Event().wait()


async def test_a_crash_after_the_providers_acceptance_sends_the_sms_once_after_restart(
        stack_env: StackEnv, scratch_db: str, monkeypatch: pytest.MonkeyPatch) -> None:
    provider = SmsSink()  # the provider outlives our process, and with it the idempotency keys it has seen
    real_record_sent = repository.record_sent
    monkeypatch.setattr(repository, "record_sent", die)
    async with notify_service(stack_env, scratch_db, sms=provider, sender_lease_seconds=0.5) as notify:
        patient = await notify.register(mobile="+4791330001", email="crash@example.no")
        now = SystemClock().now()
        envelope = await notify.publish(EConsultAnswered(econsult_id=uuid.uuid4(), patient_id=patient,
                                                         doctor_id=DOCTOR, submitted_at=now, answered_at=now))
        await eventually(lambda: provider.to("+4791330001"), what="the provider's acceptance")
        await eventually(lambda: notify.mail.to("crash@example.no"), what="the SMTP server's acceptance")
        first_mail = notify.mail.to("crash@example.no")[0]
        rows = await notify.deliveries(envelope.event_id)
        assert {(r["channel"], r["state"]) for r in rows} == {("sms", "queued"), ("email", "queued")}
        assert await notify.fetchval("SELECT count(*) FROM delivery_attempts") == 0  # nothing was recorded

    monkeypatch.setattr(repository, "record_sent", real_record_sent)
    async with notify_service(stack_env, scratch_db, sms=provider, sender_lease_seconds=0.5) as restarted:
        async def recorded() -> bool:
            rows = await restarted.deliveries(envelope.event_id)
            return {(r["channel"], r["state"]) for r in rows} == {("sms", "sent"), ("email", "sent")}
        await eventually(recorded, what="the deliveries recorded after the restart")
        [sms_row] = [r for r in await restarted.deliveries(envelope.event_id) if r["channel"] == "sms"]
        assert sms_row["attempts"] >= 2  # tried again after the lease ran out...
        assert provider.requests >= 2
        assert len(provider.to("+4791330001")) == 1  # ...and the provider sent the SMS only once
        assert sms_row["provider_ref"] == provider.to("+4791330001")[0]["id"]
        # SMTP has no idempotency key: the e-mail went again, with the Message-ID of the first.
        again = restarted.mail.to("crash@example.no")
        assert [m["message_id"] for m in again] == [first_mail["message_id"]]


async def test_a_reminder_held_for_the_morning_survives_a_restart_and_goes_once(
        stack_env: StackEnv, scratch_db: str) -> None:
    evening = FixedClock(datetime(2026, 3, 10, 22, 15, tzinfo=OSLO))
    provider = SmsSink()
    async with notify_service(stack_env, scratch_db, clock=evening, sms=provider) as notify:
        patient = await notify.register(mobile="+4791330002", email=None)
        reminder = await notify.publish(AppointmentReminderDue(
            appointment_id=uuid.uuid4(), patient_id=patient, doctor_id=DOCTOR,
            starts_at=datetime(2026, 3, 11, 13, 0, tzinfo=OSLO),
            patient_may_cancel_until=datetime(2026, 3, 10, 13, 0, tzinfo=OSLO)))
        await eventually(lambda: notify.deliveries(reminder.event_id), what="the reminder queued for the morning")
        await notify.sender.send_due()
        assert provider.to("+4791330002") == []

    morning = FixedClock(datetime(2026, 3, 11, 8, 0, tzinfo=OSLO))
    async with notify_service(stack_env, scratch_db, clock=morning, sms=provider) as restarted:
        [sms] = await eventually(lambda: provider.to("+4791330002"), what="the reminder at 08:00 from the new process")
        assert sms["text"].startswith("Påminnelse:")

        async def sent() -> bool:
            return [r["state"] for r in await restarted.deliveries(reminder.event_id)] == ["sent"]
        await eventually(sent, what="the reminder recorded")
        await restarted.sender.send_due()
        assert len(provider.to("+4791330002")) == 1
