"""Delivery state for staff: what was sent to a patient, when, on which channel, with which outcome and
tries; never a message's text. A doctor sees only patients on their own list. The sinks' contents are
served only where the sinks run."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest

from contracts.events import AppointmentBooked, LoginCodeRequested
from kit.clock import SystemClock
from notify.adapters.sinks import HttpServer, MailSink, SmsSink, SmtpServer
from services.notify.tests.notify_support import notify_service
from tests.support.eventually import eventually
from tests.support.services import StackEnv

pytestmark = pytest.mark.stack


async def test_staff_see_what_was_sent_when_and_how_it_went_without_the_text(
        stack_env: StackEnv, scratch_db: str) -> None:
    gp = uuid.uuid4()
    async with notify_service(stack_env, scratch_db, sms=SmsSink(fail_next=1)) as notify:
        patient = await notify.register(mobile="+4791440001", email="kari.view@example.no", gp_id=gp)
        now = SystemClock().now()
        booked = await notify.publish(AppointmentBooked(
            appointment_id=uuid.uuid4(), patient_id=patient, doctor_id=gp, starts_at=now + timedelta(days=2),
            ends_at=now + timedelta(days=2, minutes=20), patient_may_cancel_until=now + timedelta(days=1)))
        await notify.publish(LoginCodeRequested(challenge_id=uuid.uuid4(), mobile="+4791440001", code="909090",
                                                expires_at=now + timedelta(minutes=5)))

        async def all_sent() -> list[dict[str, object]] | None:
            response = await notify.client.get(f"/internal/patients/{patient}/deliveries")
            items: list[dict[str, object]] = response.json()["items"]
            return items if len(items) == 3 and all(i["state"] == "sent" for i in items) else None
        items = await eventually(all_sent, what="three deliveries sent")
        by = {(i["kind"], i["channel"]): i for i in items}
        assert set(by) == {("appointment_booked", "sms"), ("appointment_booked", "email"), ("login_code", "sms")}
        first_sms = [i for i in items if i["channel"] == "sms" and i["attempts"] == 2]
        assert len(first_sms) == 1  # the provider refused one try
        assert [t["outcome"] for t in first_sms[0]["tries"]] == ["failed", "accepted"]  # type: ignore[index]
        assert by[("appointment_booked", "email")]["label"] == "Timebekreftelse"
        assert by[("appointment_booked", "email")]["address"] == "kari.view@example.no"
        assert by[("appointment_booked", "sms")]["event_id"] == str(booked.event_id)
        assert {"sent_at", "created_at", "state", "attempts"} <= set(by[("login_code", "sms")])
        listing = (await notify.client.get(f"/internal/patients/{patient}/deliveries")).text
        assert "909090" not in listing
        assert "body" not in listing
        assert "ePortalen" not in listing  # no message text at all

        mine = await notify.client.get(f"/internal/patients/{patient}/deliveries", params={"doctor_id": str(gp)})
        assert mine.status_code == 200
        other = await notify.client.get(f"/internal/patients/{patient}/deliveries",
                                        params={"doctor_id": str(uuid.uuid4())})
        assert (other.status_code, other.json()["code"]) == (403, "forbidden")
        unknown = await notify.client.get(f"/internal/patients/{uuid.uuid4()}/deliveries")
        assert (unknown.status_code, unknown.json()["code"]) == (404, "not_found")

        sms = await notify.client.get("/internal/dev/sms", params={"to": "+4791440001"})
        assert [m["to"] for m in sms.json()["items"]] == ["+4791440001", "+4791440001"]
        assert "909090" in sms.text  # the sink is where a developer reads the code
        mail = await notify.client.get("/internal/dev/mail", params={"to": "kari.view@example.no"})
        assert [m["subject"] for m in mail.json()["items"]] == ["Timen din er bestilt"]


async def test_without_the_sinks_their_contents_are_not_served(stack_env: StackEnv, scratch_db: str) -> None:
    sms, mail = HttpServer(SmsSink().app(), "127.0.0.1", 0), SmtpServer(MailSink(), "127.0.0.1", 0)
    await sms.start()
    await mail.start()
    try:
        async with notify_service(stack_env, scratch_db, dev_sinks=False, sms_provider_url=sms.url,
                                  smtp_host="127.0.0.1", smtp_port=mail.port, smtp_starttls=False) as notify:
            assert (await notify.client.get("/internal/dev/sms")).status_code == 404
            assert (await notify.client.get("/internal/dev/mail")).status_code == 404
    finally:
        await sms.stop()
        await mail.stop()


async def test_a_login_code_is_in_its_patients_list_even_when_it_came_before_their_registration(
        stack_env: StackEnv, scratch_db: str) -> None:
    """identity says whose login a code is for: the code is sent at once (it never waits), and it is in that
    patient's list though the registration, on another topic, reached notify after it."""
    async with notify_service(stack_env, scratch_db) as notify:
        patient = uuid.uuid4()
        code = await notify.publish(LoginCodeRequested(
            challenge_id=uuid.uuid4(), mobile="+4791440009", code="121212",
            expires_at=SystemClock().now() + timedelta(minutes=5), patient_id=patient))

        async def sent() -> bool:
            return [d["state"] for d in await notify.deliveries(code.event_id)] == ["sent"]
        await eventually(sent, what="the login code sent before notify knows the patient")
        await notify.register(mobile="+4791440009", patient_id=patient)
        listing = (await notify.client.get(f"/internal/patients/{patient}/deliveries")).json()["items"]
        assert [(i["kind"], i["channel"], i["state"]) for i in listing] == [("login_code", "sms", "sent")]
