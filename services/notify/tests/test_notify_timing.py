"""When messages go: a reminder due at night waits for 08:00 (Oslo), a login code never waits, a reminder
of an appointment cancelled meanwhile is withdrawn, an event that comes before the patient's contact
details waits for them."""

from __future__ import annotations

import asyncio
import uuid
from datetime import date, datetime, timedelta
from typing import Any

import pytest

from contracts.envelope import Envelope
from contracts.events import (
    AppointmentCancelled,
    AppointmentReminderDue,
    EConsultDeclined,
    LoginCodeRequested,
    PatientRegistered,
)
from contracts.registry import event_from
from kit.clock import OSLO, FixedClock
from kit.db import create_pool
from kit.patient_directory import keeping_directory
from notify.handlers import queue_for
from services.notify.tests.notify_support import Notify, notify_service
from tests.support.eventually import eventually
from tests.support.round_trips import statement_logger
from tests.support.services import StackEnv

pytestmark = pytest.mark.stack

DOCTOR = uuid.uuid4()
EVENING = datetime(2026, 3, 10, 22, 15, tzinfo=OSLO)  # Tuesday evening
APPOINTMENT_AT = datetime(2026, 3, 11, 13, 0, tzinfo=OSLO)


async def test_a_reminder_due_at_night_waits_for_eight_while_a_login_code_goes_at_once(
        stack_env: StackEnv, scratch_db: str) -> None:
    clock = FixedClock(EVENING)
    async with notify_service(stack_env, scratch_db, clock=clock) as notify:
        patient = await notify.register(mobile="+4791220001", email="kari@example.no")
        reminder = await notify.publish(AppointmentReminderDue(
            appointment_id=uuid.uuid4(), patient_id=patient, doctor_id=DOCTOR, starts_at=APPOINTMENT_AT,
            patient_may_cancel_until=APPOINTMENT_AT - timedelta(hours=24)))
        await eventually(lambda: notify.deliveries(reminder.event_id), what="the reminder queued")
        await notify.publish(LoginCodeRequested(challenge_id=uuid.uuid4(), mobile="+4791220001", code="111222",
                                                expires_at=EVENING + timedelta(minutes=5)))
        [code] = await eventually(lambda: notify.sms.to("+4791220001"), what="the login code at 22:15")
        assert "111222" in code["text"]
        rows = await notify.deliveries(reminder.event_id)
        assert {(r["channel"], r["state"], r["attempts"]) for r in rows} == {("sms", "queued", 0),
                                                                              ("email", "queued", 0)}
        assert {r["next_attempt_at"] for r in rows} == {datetime(2026, 3, 11, 8, 0, tzinfo=OSLO)}

        clock.set(datetime(2026, 3, 11, 7, 59, tzinfo=OSLO))
        await notify.sender.send_due()
        assert len(notify.sms.to("+4791220001")) == 1
        clock.set(datetime(2026, 3, 11, 8, 0, tzinfo=OSLO))
        notify.sender.wake()
        await eventually(lambda: len(notify.sms.to("+4791220001")) == 2, what="the reminder at 08:00")
        assert notify.sms.to("+4791220001")[0]["text"].startswith("Påminnelse: Du har time hos legekontoret onsdag "
                                                                   "11. mars kl. 13.00.")
        await eventually(lambda: notify.mail.to("kari@example.no"), what="the reminder e-mail")


async def test_a_reminder_of_a_cancelled_appointment_is_withdrawn(stack_env: StackEnv, scratch_db: str) -> None:
    clock = FixedClock(EVENING)
    async with notify_service(stack_env, scratch_db, clock=clock) as notify:
        patient, appointment, reminder = await reminder_queued(notify, "+4791220002")
        cancelled = await notify.publish(AppointmentCancelled(
            appointment_id=appointment, patient_id=patient, doctor_id=DOCTOR, starts_at=APPOINTMENT_AT,
            cancelled_by="staff"))
        [sms] = await eventually(lambda: notify.sms.to("+4791220002"), what="the cancellation SMS")
        assert sms["text"].startswith("Legekontoret har dessverre måttet avlyse timen din onsdag 11. mars kl. 13.00.")
        assert [(r["state"], r["last_error"]) for r in await notify.deliveries(reminder.event_id)] == [
            ("withdrawn", "appointment cancelled")]
        assert [r["state"] for r in await notify.deliveries(cancelled.event_id)] == ["sent"]
        clock.set(datetime(2026, 3, 11, 8, 0, tzinfo=OSLO))
        await notify.sender.send_due()
        assert len(notify.sms.to("+4791220002")) == 1


async def test_an_expired_login_code_is_not_sent(stack_env: StackEnv, scratch_db: str) -> None:
    clock = FixedClock(EVENING)
    async with notify_service(stack_env, scratch_db, clock=clock) as notify:
        late = await notify.publish(LoginCodeRequested(challenge_id=uuid.uuid4(), mobile="+4791220003", code="333444",
                                                       expires_at=EVENING - timedelta(seconds=1)))

        async def given_up() -> bool:
            return [(r["state"], r["last_error"], r["body"]) for r in await notify.deliveries(late.event_id)] == [
                ("failed", "expired", None)]
        await eventually(given_up, what="the expired code given up")
        assert notify.sms.to("+4791220003") == []


async def test_an_event_before_the_patients_contact_details_waits_for_them(
        stack_env: StackEnv, scratch_db: str) -> None:
    async with notify_service(stack_env, scratch_db) as notify:
        patient = uuid.uuid4()
        declined = await notify.publish(EConsultDeclined(econsult_id=uuid.uuid4(), patient_id=patient,
                                                         doctor_id=DOCTOR))
        await eventually(lambda: notify.fetchval("SELECT count(*) FROM awaiting_patient WHERE event_id = $1",
                                            declined.event_id), what="the event kept for later")
        await notify.publish(PatientRegistered(patient_id=patient, gp_id=DOCTOR, name="Kari Nordmann",
                                               birth_date=date(1970, 1, 1), mobile="+4791220004", email=None,
                                               first_contact_done=True))
        [sms] = await eventually(lambda: notify.sms.to("+4791220004"), what="the SMS once the patient is known")
        assert sms["text"] == "Legen har sett på henvendelsen din og ber deg bestille time. Les mer i ePortalen."
        assert await notify.fetchval("SELECT count(*) FROM awaiting_patient") == 0


async def test_an_event_applied_while_the_patients_snapshot_is_neither_misses_it_nor_waits_for_ever(
        stack_env: StackEnv, scratch_db: str) -> None:
    """The patients topic and the econsultations topic are applied side by side. The snapshot's transaction takes
    what waited for the patient before it commits; an event applied meanwhile must not be kept after that taking
    (it would wait for a snapshot already applied): it waits for the snapshot's commit and is then queued."""
    clock = FixedClock(EVENING)
    async with notify_service(stack_env, scratch_db, clock=clock) as notify:
        patient = uuid.uuid4()
        registered = Envelope.wrap(PatientRegistered(
            patient_id=patient, gp_id=DOCTOR, name="Kari Nordmann", birth_date=date(1970, 1, 1),
            mobile="+4791220005", email=None, first_contact_done=True), occurred_at=EVENING, correlation_id="test")
        declined = Envelope.wrap(EConsultDeclined(econsult_id=uuid.uuid4(), patient_id=patient, doctor_id=DOCTOR),
                                 occurred_at=EVENING, correlation_id="test")
        pool = await create_pool(notify.dsn, min_size=2, max_size=2)  # the service's codecs
        snapshot, event = await pool.acquire(), await pool.acquire()
        try:
            in_snapshot = snapshot.transaction()
            await in_snapshot.start()
            await keeping_directory(notify.runtime)(snapshot, registered, event_from(registered))  # not committed yet
            in_event = event.transaction()
            await in_event.start()
            queued = asyncio.create_task(
                notify.runtime.handler_for(EConsultDeclined)(event, declined, event_from(declined)))

            async def done_or_waiting() -> bool:  # done: it ran ahead (the old way); or it waits for the snapshot
                return queued.done() or bool(await notify.fetchval(
                    "SELECT count(*) FROM pg_locks WHERE pid = $1 AND NOT granted", event.get_server_pid()))
            await eventually(done_or_waiting, what="the event's handler to finish or wait")
            await in_snapshot.commit()
            await queued
            await in_event.commit()
        finally:
            await pool.release(snapshot)
            await pool.release(event)
            await pool.close()
        assert await notify.fetchval("SELECT count(*) FROM awaiting_patient") == 0
        assert [d["channel"] for d in await notify.deliveries(declined.event_id)] == ["sms"]


async def test_a_cancellation_withdraws_the_reminder_in_the_statement_that_queues_its_own_message(
        stack_env: StackEnv, scratch_db: str) -> None:
    """The handler alone (no sender in hand: the deliveries queued unclaimed, the senders woken): the contact read,
    then one statement that queues the cancellation's SMS and withdraws the reminder; and with no message to queue
    (the patient's mobile gone since the reminder was queued), the withdrawal alone."""
    clock = FixedClock(EVENING)
    async with notify_service(stack_env, scratch_db, clock=clock, sender_poll_seconds=3600) as notify:
        for mobile_kept in (True, False):
            patient, appointment, reminder = await reminder_queued(
                notify, "+4791220005" if mobile_kept else "+4791220006")
            if not mobile_kept:
                await notify.fetchval("UPDATE patient_directory SET mobile = NULL WHERE patient_id = $1", patient)
            event = AppointmentCancelled(appointment_id=appointment, patient_id=patient, doctor_id=DOCTOR,
                                         starts_at=APPOINTMENT_AT, cancelled_by="patient")
            envelope = Envelope.wrap(event, occurred_at=EVENING, correlation_id="test")
            sent = await statements_sent(notify.runtime.pool, lambda conn, e=envelope, ev=event: queue_for(
                conn, e, ev, clock))
            assert [(r["state"], r["last_error"]) for r in await notify.deliveries(reminder.event_id)] == [
                ("withdrawn", "appointment cancelled")]
            queued = [r["channel"] for r in await notify.deliveries(envelope.event_id)]
            if mobile_kept:
                assert sent == ["SELECT", "WITH"]  # the contact; the SMS queued and the reminder withdrawn
                assert queued == ["sms"]
            else:
                assert sent == ["SELECT", "UPDATE"]  # the contact; nothing to queue, the withdrawal alone
                assert queued == []


async def test_a_cancellation_for_a_patient_not_known_here_yet_still_withdraws_the_reminder(
        stack_env: StackEnv, scratch_db: str) -> None:
    """The cancellation comes while notify does not know the patient (their snapshot is on its way, on another
    topic): the event waits for it, and the appointment's queued reminder is withdrawn at once all the same, not
    left to go out for an appointment that no longer is."""
    clock = FixedClock(EVENING)
    async with notify_service(stack_env, scratch_db, clock=clock, sender_poll_seconds=3600) as notify:
        patient, appointment, reminder = await reminder_queued(notify, "+4791220007")
        await notify.fetchval("DELETE FROM patient_directory WHERE patient_id = $1", patient)
        event = AppointmentCancelled(appointment_id=appointment, patient_id=patient, doctor_id=DOCTOR,
                                     starts_at=APPOINTMENT_AT, cancelled_by="patient")
        envelope = Envelope.wrap(event, occurred_at=EVENING, correlation_id="test")
        async with notify.runtime.pool.acquire() as conn, conn.transaction():
            await queue_for(conn, envelope, event, clock)
        assert [(r["state"], r["last_error"]) for r in await notify.deliveries(reminder.event_id)] == [
            ("withdrawn", "appointment cancelled")]
        assert await notify.deliveries(envelope.event_id) == []
        assert await notify.fetchval("SELECT count(*) FROM awaiting_patient WHERE patient_id = $1", patient) == 1


async def reminder_queued(notify: Notify, mobile: str) -> tuple[uuid.UUID, uuid.UUID, Envelope]:
    """A patient with `mobile` and no e-mail, and the reminder of an appointment of theirs queued: the patient, the
    appointment and the reminder's envelope."""
    patient = await notify.register(mobile=mobile, email=None)
    appointment = uuid.uuid4()
    reminder = await notify.publish(AppointmentReminderDue(
        appointment_id=appointment, patient_id=patient, doctor_id=DOCTOR, starts_at=APPOINTMENT_AT,
        patient_may_cancel_until=APPOINTMENT_AT - timedelta(hours=24)))
    await eventually(lambda: notify.deliveries(reminder.event_id), what="the reminder queued")
    return patient, appointment, reminder


async def statements_sent(pool: Any, work: Any) -> list[str]:
    """The first word of each statement `work(conn)` sent, in a transaction of its own (its BEGIN and COMMIT apart)."""
    sent: list[str] = []
    logged = statement_logger(sent)
    async with pool.acquire() as conn, conn.transaction():
        conn.add_query_logger(logged)
        try:
            await work(conn)
        finally:
            conn.remove_query_logger(logged)
    return sent
