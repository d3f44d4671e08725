"""Exactly once per event and channel, through real Kafka, PostgreSQL, HTTP and SMTP: redeliveries send
nothing new, a failing provider is retried with backoff and its tries kept, a provider that never accepts
ends in `failed` with a dead-letter record while the next message still goes out."""

from __future__ import annotations

import asyncio
import uuid
from datetime import date, timedelta
from typing import Any

import pytest

from contracts.envelope import Envelope, Event
from contracts.events import (
    AppointmentBooked,
    EConsultAnswered,
    GuardianRegistered,
    LoginCodeRequested,
    PatientRegistered,
    PrescriptionSent,
)
from kit.clock import FixedClock, SystemClock
from notify.adapters import repository
from notify.adapters.sinks import SmsSink
from notify.handlers import queue_for
from notify.sender import Sender
from services.notify.tests.notify_support import Notify, notify_service
from tests.support.eventually import eventually
from tests.support.kafka import committed_everything
from tests.support.services import StackEnv

pytestmark = pytest.mark.stack

DOCTOR = uuid.uuid4()


def answered(patient_id: uuid.UUID) -> EConsultAnswered:
    now = SystemClock().now()
    return EConsultAnswered(econsult_id=uuid.uuid4(), patient_id=patient_id, doctor_id=DOCTOR, submitted_at=now,
                            answered_at=now)


async def states(notify: Notify, event_id: uuid.UUID) -> dict[str, tuple[str, int]]:
    return {r["channel"]: (r["state"], r["attempts"]) for r in await notify.deliveries(event_id)}


def count_claims(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How many deliveries each of the sender's claims took, one entry a claim, from now on."""
    claims: list[int] = []
    real_claim = repository.claim_due

    async def counted_claim(*args: Any) -> Any:
        rows = await real_claim(*args)
        claims.append(len(rows))
        return rows
    monkeypatch.setattr(repository, "claim_due", counted_claim)
    return claims


def hold_sends(monkeypatch: pytest.MonkeyPatch, release: asyncio.Event, in_flight: asyncio.Event | None = None) -> None:
    """Every send waits for `release` before the provider is called (a slow provider); `in_flight` is set when the
    first send has begun waiting."""
    real_traced = Sender._traced

    async def slow_provider(self: Sender, row: Any) -> None:
        if in_flight is not None:
            in_flight.set()
        await release.wait()
        await real_traced(self, row)
    monkeypatch.setattr(Sender, "_traced", slow_provider)


async def test_an_event_delivered_three_times_gives_one_sms_and_one_email(stack_env: StackEnv, scratch_db: str) -> None:
    async with notify_service(stack_env, scratch_db) as notify:
        patient = await notify.register(mobile="+4791110001", email="ola@example.no")
        envelope = await notify.publish(answered(patient), times=3)
        topic = notify.settings.topic("econsultations")
        await eventually(lambda: committed_everything(notify.settings, topic), what="all three copies consumed")

        async def both_sent() -> bool:
            return await states(notify, envelope.event_id) == {"sms": ("sent", 1), "email": ("sent", 1)}
        await eventually(both_sent, what="the event sent")
        assert [m["text"] for m in notify.sms.to("+4791110001")] == ["Du har fått svar fra legen i ePortalen."]
        assert len(notify.mail.to("ola@example.no")) == 1
        assert notify.sms.requests == 1


async def test_a_delivery_due_now_goes_to_the_sender_at_the_consumers_commit_without_a_claim_or_a_poll(
        stack_env: StackEnv, scratch_db: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """The consumer queues the delivery already claimed (its first try counted, leased) and hands it to this
    process's sender as its transaction commits: the SMS goes out at once, though the sender would look by itself
    only in an hour, and no claim is made for it."""
    claims = count_claims(monkeypatch)
    async with notify_service(stack_env, scratch_db, sender_poll_seconds=3600) as notify:
        patient = await notify.register(mobile="+4791110005", email=None)
        claimed_before = sum(claims)
        envelope = await notify.publish(PrescriptionSent(renewal_id=uuid.uuid4(), patient_id=patient, doctor_id=DOCTOR,
                                                         medication_ids=[uuid.uuid4()], sent_at=SystemClock().now()))

        async def sent() -> bool:
            return await states(notify, envelope.event_id) == {"sms": ("sent", 1)}
        await eventually(sent, what="the SMS sent at the commit", timeout=20)
        assert sum(claims) == claimed_before  # nothing claimed it: it was queued claimed
        assert len(notify.sms.to("+4791110005")) == 1


async def test_a_sender_with_its_hands_full_takes_no_more_at_commit_and_the_rest_wait_for_a_claim(
        stack_env: StackEnv, scratch_db: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """A backlog applied in batches must not pile claimed deliveries up in one process, their leases running out
    while they wait to be sent: once the sender holds as many as it sends at once (`sender_batch`), the next are
    queued unclaimed and a claim takes them as it can send them. All go once."""
    release = asyncio.Event()
    hold_sends(monkeypatch, release)
    async with notify_service(stack_env, scratch_db, sender_batch=1) as notify:
        patient = await notify.register(mobile="+4791110008", email=None)
        envelopes = [await notify.publish(answered(patient)) for _ in range(4)]

        async def queued() -> bool:
            return await notify.fetchval("SELECT count(*) FROM deliveries WHERE patient_id = $1", patient) == 4
        await eventually(queued, what="the four events queued")
        assert len(notify.sender._handed) <= 1
        release.set()

        async def all_sent() -> bool:
            return all([await states(notify, e.event_id) == {"sms": ("sent", 1)} for e in envelopes])
        await eventually(all_sent, what="the four SMS sent", timeout=20)
        assert len(notify.sms.to("+4791110008")) == 4


async def test_a_delivery_queued_where_no_sender_runs_wakes_a_sender_at_commit(
        stack_env: StackEnv, scratch_db: str) -> None:
    """Queued by a process whose sender is not running (starting, stopping: here the handler applied alone), the
    delivery waits unclaimed and the statement NOTIFYs the senders at commit: one claims it at once, though it
    would look by itself only in an hour."""
    async with notify_service(stack_env, scratch_db, sender_poll_seconds=3600) as notify:
        patient = await notify.register(mobile="+4791110006", email=None)
        event = PrescriptionSent(renewal_id=uuid.uuid4(), patient_id=patient, doctor_id=DOCTOR,
                                 medication_ids=[uuid.uuid4()], sent_at=SystemClock().now())
        envelope = Envelope.wrap(event, occurred_at=SystemClock().now(), correlation_id="test")
        pool = notify.runtime.pool
        async with pool.acquire() as conn, conn.transaction():
            await queue_for(conn, envelope, event, SystemClock())  # no sender: queued unclaimed

        async def sent() -> bool:
            return await states(notify, envelope.event_id) == {"sms": ("sent", 1)}
        await eventually(sent, what="the SMS sent on the wake-up", timeout=20)


async def test_a_process_dying_after_the_commit_and_before_the_send_leaves_the_delivery_to_its_lease(
        stack_env: StackEnv, scratch_db: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Queued claimed and never sent (the process died as the consumer's transaction committed): the lease runs
    out, a sender claims it, and the SMS goes once, on its second try."""
    monkeypatch.setattr(Sender, "hand_over", lambda self, rows: None)  # gone before the send
    async with notify_service(stack_env, scratch_db, sender_lease_seconds=0.5) as notify:
        patient = await notify.register(mobile="+4791110007", email=None)
        envelope = await notify.publish(answered(patient))

        async def sent() -> bool:
            return await states(notify, envelope.event_id) == {"sms": ("sent", 2)}
        await eventually(sent, what="the SMS sent once its lease ran out", timeout=20)
        assert len(notify.sms.to("+4791110007")) == 1


async def test_a_clock_moved_forward_does_not_end_the_lease_of_a_message_being_sent(
        stack_env: StackEnv, scratch_db: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """A lease measures real seconds on the database's clock, not the clinic's: the clock moved two weeks on (as tests
    and demos move it past a due date) while the provider is still taking a message must not let a claim take it
    again and send it twice. Seen in the live test as an invoice e-mail sent twice when the clock passed its due
    date while billing's giro was still being fetched."""
    clock = FixedClock(SystemClock().now())
    release, in_flight = asyncio.Event(), asyncio.Event()
    hold_sends(monkeypatch, release, in_flight)
    claims = count_claims(monkeypatch)
    async with notify_service(stack_env, scratch_db, clock=clock, sender_lease_seconds=60) as notify:
        patient = await notify.register(mobile="+4791110010", email=None)
        envelope = await notify.publish(answered(patient))
        await asyncio.wait_for(in_flight.wait(), timeout=20)
        clock.advance(timedelta(days=14))
        polls = len(claims)

        async def polled() -> bool:  # the sender looked again on the moved clock, several times, or took it again
            return len(claims) >= polls + 5 or sum(claims) > 0
        await eventually(polled, what="the sender's polls on the moved clock", timeout=20)
        assert sum(claims) == 0  # no claim took it again
        release.set()

        async def sent() -> bool:
            return await states(notify, envelope.event_id) == {"sms": ("sent", 1)}
        await eventually(sent, what="the SMS sent", timeout=20)
        assert notify.sms.requests == 1


async def test_one_delivery_per_event_and_channel_even_past_the_inbox(stack_env: StackEnv, scratch_db: str) -> None:
    async with notify_service(stack_env, scratch_db) as notify:
        patient = await notify.register(mobile="+4791110009", email="per@example.no")
        event = answered(patient)
        envelope = Envelope.wrap(event, occurred_at=SystemClock().now(), correlation_id="test")
        pool = notify.client._transport.app.state.runtime.pool  # type: ignore[attr-defined]
        for _ in range(2):  # the handler itself, twice: the unique (event_id, channel) holds
            async with pool.acquire() as conn, conn.transaction():
                await queue_for(conn, envelope, event, SystemClock())
        assert len(await notify.deliveries(envelope.event_id)) == 2


async def test_a_provider_failing_twice_then_accepting_gives_one_sms_and_three_tries(
        stack_env: StackEnv, scratch_db: str) -> None:
    async with notify_service(stack_env, scratch_db, sms=SmsSink(fail_next=2)) as notify:
        patient = await notify.register(mobile="+4791110002", email=None)
        envelope = await notify.publish(answered(patient))

        async def sent() -> bool:
            return await states(notify, envelope.event_id) == {"sms": ("sent", 3)}
        await eventually(sent, what="the SMS sent on the third try")
        assert len(notify.sms.to("+4791110002")) == 1
        assert notify.sms.requests == 3
        tries = await notify.fetch(
            """SELECT a.attempt, a.outcome, a.error FROM delivery_attempts a
               JOIN deliveries d ON d.id = a.delivery_id WHERE d.event_id = $1 ORDER BY a.id""", envelope.event_id)
        assert [(t["attempt"], t["outcome"], t["error"]) for t in tries] == [
            (1, "failed", "sms: HTTP 503"), (2, "failed", "sms: HTTP 503"), (3, "accepted", None)]
        assert await notify.fetchval("SELECT count(*) FROM undeliverable") == 0


async def test_a_provider_that_never_accepts_ends_failed_with_a_dead_letter_and_the_next_goes_out(
        stack_env: StackEnv, scratch_db: str) -> None:
    sink = SmsSink(fail_for={"+4791110003"})
    async with notify_service(stack_env, scratch_db, sms=sink, delivery_max_attempts=3) as notify:
        unlucky = await notify.register(mobile="+4791110003", email=None)
        lucky = await notify.register(mobile="+4791110004", email=None)
        doomed = await notify.publish(answered(unlucky))
        now = SystemClock().now()
        fine = await notify.publish(PrescriptionSent(renewal_id=uuid.uuid4(), patient_id=lucky, doctor_id=DOCTOR,
                                                     medication_ids=[uuid.uuid4()], sent_at=now))

        async def failed() -> bool:
            return await states(notify, doomed.event_id) == {"sms": ("failed", 3)}
        await eventually(failed, what="the delivery given up after 3 tries")
        [dead] = await notify.fetch("SELECT * FROM undeliverable")
        assert (dead["event_id"], dead["event_type"], dead["channel"], dead["attempts"], dead["error"]) == (
            doomed.event_id, "EConsultAnswered", "sms", 3, "sms: HTTP 503")
        await eventually(lambda: notify.sms.to("+4791110004"), what="the next event's SMS")
        assert await states(notify, fine.event_id) == {"sms": ("sent", 1)}
        assert notify.sms.to("+4791110003") == []


async def test_a_login_code_goes_at_once_and_is_kept_nowhere_after(
        stack_env: StackEnv, scratch_db: str, capfd: pytest.CaptureFixture[str]) -> None:
    async with notify_service(stack_env, scratch_db) as notify:
        patient = await notify.register(mobile="+4791110005", email="kari@example.no")
        now = SystemClock().now()
        code = LoginCodeRequested(challenge_id=uuid.uuid4(), mobile="+4791110005", code="604211",
                                  expires_at=now + timedelta(minutes=5))
        envelope = await notify.publish(code, times=2)
        [sms] = await eventually(lambda: notify.sms.to("+4791110005"), what="the login code SMS")
        assert "604211" in sms["text"].split()
        assert notify.mail.to("kari@example.no") == []  # a code goes by SMS only

        async def final() -> bool:
            return await states(notify, envelope.event_id) == {"sms": ("sent", 1)}
        await eventually(final, what="the code's delivery recorded")
        [row] = await notify.deliveries(envelope.event_id)
        assert row["body"] is None  # the code is not kept once sent
        assert row["patient_id"] == patient  # staff see it in the patient's list, without the code
        listed = await notify.client.get(f"/internal/patients/{patient}/deliveries")
        assert listed.status_code == 200
        assert [(i["kind"], i["label"], i["state"]) for i in listed.json()["items"]] == [
            ("login_code", "Engangskode for innlogging", "sent")]
        assert "604211" not in listed.text
        assert "604211" not in capfd.readouterr().out + capfd.readouterr().err


async def test_the_sms_and_the_login_code_come_in_the_patients_language(stack_env: StackEnv, scratch_db: str) -> None:
    """The language chosen in the portal, kept by identity and carried by PatientRegistered, picks the text."""
    async with notify_service(stack_env, scratch_db) as notify:
        await notify.register(mobile="+4791110077", email=None, language="nn")
        patient = await notify.register(mobile="+4791110078", email=None, language="en")
        await notify.publish(answered(patient))
        now = SystemClock().now()
        await notify.publish(LoginCodeRequested(challenge_id=uuid.uuid4(), mobile="+4791110077", code="482913",
                                                expires_at=now + timedelta(minutes=5)))
        await eventually(lambda: notify.sms.to("+4791110078") and notify.sms.to("+4791110077"), what="both SMS sent")
        english = [m["text"] for m in notify.sms.to("+4791110078")]
        assert english == ["You have a reply from your doctor in the ePortal."]
        assert notify.sms.to("+4791110077")[0]["text"].startswith("Eingongskoden din til ePortalen: 482913")


def _made_for_a_child(kind: str, child: uuid.UUID, guardian: uuid.UUID) -> tuple[Event, uuid.UUID, str]:
    """An event about a request `guardian` made for `child`, what notify keeps its deliveries under, and how the
    SMS begins."""
    doctor, now = uuid.uuid4(), SystemClock().now()
    if kind == "booking":
        starts = now + timedelta(days=7)
        booked = AppointmentBooked(appointment_id=uuid.uuid4(), patient_id=child, doctor_id=doctor, starts_at=starts,
                                   ends_at=starts + timedelta(minutes=20),
                                   patient_may_cancel_until=starts - timedelta(days=1), booked_by_guardian_id=guardian)
        return booked, booked.appointment_id, "Gjelder Jonas: Timen din hos legekontoret er bestilt"
    if kind == "renewal":
        sent = PrescriptionSent(renewal_id=uuid.uuid4(), patient_id=child, doctor_id=doctor,
                                medication_ids=[uuid.uuid4()], sent_at=now, requested_by_guardian_id=guardian)
        return sent, sent.renewal_id, "Gjelder Jonas: Resepten din er klar"
    answered = EConsultAnswered(econsult_id=uuid.uuid4(), patient_id=child, doctor_id=doctor, submitted_at=now,
                                answered_at=now, sent_by_guardian_id=guardian)
    return answered, answered.econsult_id, "Gjelder Jonas: Du har fått svar"


@pytest.mark.parametrize("kind", ["booking", "renewal", "econsultation"])
async def test_a_request_a_guardian_made_for_a_child_is_told_to_the_guardian_alone(stack_env: StackEnv,
                                                                                   scratch_db: str, kind: str) -> None:
    """Issue 19: the SMS goes to the guardian who booked, asked for the renewal or sent the eConsultation, names the
    child by the first name only, and says nothing more than the patient's SMS would; the child's own mobile and
    e-mail get nothing. The guardian may be heard of after the request (another topic): the SMS waits for them."""
    async with notify_service(stack_env, scratch_db) as notify:
        child = uuid.uuid4()
        await notify.publish(PatientRegistered(patient_id=child, gp_id=None, name="Jonas Petter Hansen",
                                               birth_date=date(2018, 4, 2), mobile="+4791110081",
                                               email="jonas@example.no", first_contact_done=True))
        guardian = uuid.uuid4()
        event, subject_id, begins = _made_for_a_child(kind, child, guardian)
        await notify.publish(event)
        await notify.publish(GuardianRegistered(child_id=child, guardian_id=guardian, name="Kari Nordmann",
                                                mobile="+4791110082"))
        sent = await eventually(lambda: notify.sms.to("+4791110082"), what="the guardian's SMS")
        assert len(sent) == 1
        assert sent[0]["text"].startswith(begins), sent[0]["text"]
        assert "Hansen" not in sent[0]["text"]
        assert "Petter" not in sent[0]["text"]
        assert notify.sms.to("+4791110081") == []
        assert [d["channel"] for d in await notify.fetch(
            "SELECT channel FROM deliveries WHERE subject_id = $1", subject_id)] == ["sms"]
