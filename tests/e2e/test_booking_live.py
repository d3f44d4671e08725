"""Through the running system (every service a process, real Kafka): booking's events become SMS without
any health detail: a confirmation, a reminder the day before, a cancellation by the clinic and one by the
patient.

The first test goes through the gateway as a logged-in patient; the second drives the services' own APIs as the
gateway would."""

from __future__ import annotations

import secrets
import uuid
from datetime import date, datetime, time, timedelta
from typing import Any

import httpx
import pytest

from kit.clock import OSLO, OffsetClock
from kit.demo import synthetic_national_id
from kit.working_days import WorkingDays
from tests.support.eventually import eventually
from tests.support.system import System, quiet

pytestmark = pytest.mark.stack

REASON = "Vondt i ryggen etter fall"


def next_monday_morning() -> datetime:
    today = datetime.now(OSLO).date()
    monday = today + timedelta(days=7 - today.weekday())
    while not all(WorkingDays().is_working_day(monday + timedelta(days=n)) for n in range(4)):
        monday += timedelta(days=7)  # a week without holidays from Monday to Thursday
    return datetime.combine(monday, time(10, 0), tzinfo=OSLO)


def move_to(system: System, target: datetime) -> None:
    """Set every process's clock to `target` (move_clock moves relative to where the clock is now)."""
    system.move_clock(target - OffsetClock(system.clock_file).now())


def texts(body: Any) -> list[str]:
    """Every message's text from the SMS sink, whatever its envelope."""
    items = body.get("items", body.get("messages", [])) if isinstance(body, dict) else body
    return [" ".join(str(v) for v in item.values()) if isinstance(item, dict) else str(item) for item in items]


async def sms_to(client: httpx.AsyncClient, mobile: str) -> list[str]:
    response = await client.get("/dev/sms", params={"to": mobile})
    assert response.status_code == 200, response.text
    return texts(response.json())


async def test_a_patient_books_sees_and_cancels_and_is_told_by_sms(live_system: System) -> None:
    monday = next_monday_morning()
    move_to(live_system, monday)
    try:
        async with live_system.client() as gw, httpx.AsyncClient(timeout=30) as internal:
            gp = uuid.uuid4()
            born = date(1950, 1, 1) + timedelta(days=secrets.randbelow(20_000))
            national_id = synthetic_national_id(born, secrets.randbelow(1000))
            mobile = f"+4798{secrets.randbelow(10**6):06d}"
            registered = await internal.post(f"{live_system.service_urls['identity']}/internal/patients", json={
                "national_id": national_id, "name": "Kari Nordmann", "birth_date": born.isoformat(),
                "mobile": mobile, "gp_id": str(gp), "first_contact_done": True})
            assert registered.status_code == 201, registered.text
            thursday = datetime.combine(monday.date() + timedelta(days=3), time(9, 0), tzinfo=OSLO)
            opened = await internal.post(f"{live_system.service_urls['booking']}/internal/slots", json={
                "doctor_id": str(gp), "start": thursday.isoformat(), "minutes": 20})
            assert opened.status_code == 201, opened.text

            challenge = await gw.post("/api/v1/auth/login", json={"national_id": national_id})
            assert challenge.status_code == 202, challenge.text

            async def login_code() -> str | None:
                codes = [w for t in await sms_to(gw, mobile) for w in t.split() if w.isdigit() and len(w) == 6]
                return codes[0] if codes else None
            code = await eventually(login_code, "the login code by SMS")
            verified = await gw.post("/api/v1/auth/verify",
                                     json={"challenge_id": challenge.json()["challenge_id"], "code": code})
            assert verified.status_code == 200, verified.text
            auth = {"Authorization": f"Bearer {verified.json()['token']}"}
            sent_at_login = len(await sms_to(gw, mobile))

            async def free_slots() -> list[dict[str, Any]] | None:
                response = await gw.get("/api/v1/slots", params={"from": thursday.date().isoformat(),
                                                                  "to": thursday.date().isoformat()}, headers=auth)
                return response.json()["slots"] if response.status_code == 200 else None
            slots = await eventually(free_slots, "the patient in booking's directory (through Kafka)")
            assert [s["id"] for s in slots] == [opened.json()["id"]]

            booked = await gw.post("/api/v1/appointments", json={"slot_id": slots[0]["id"], "reason": REASON},
                                   headers=auth)
            assert booked.status_code == 201, booked.text
            mine = (await gw.get("/api/v1/appointments", headers=auth)).json()["items"]
            assert [(a["id"], a["status"], a["reason"]) for a in mine] == [(booked.json()["id"], "booked", REASON)]

            cancelled = await gw.delete(f"/api/v1/appointments/{booked.json()['id']}", headers=auth)
            assert cancelled.status_code == 204, cancelled.text
            assert (await gw.get("/api/v1/appointments", headers=auth)).json()["items"][0]["status"] == "cancelled"

            async def told() -> bool:
                return len(await sms_to(gw, mobile)) >= sent_at_login + 2
            await eventually(told, "the booking's and the cancellation's SMS")
            await eventually(lambda: quiet(live_system), "every event handled and every SMS sent")
            messages = await sms_to(gw, mobile)  # nothing more came
            assert len(messages) == sent_at_login + 2, messages  # one confirmation, one cancellation
            assert not [m for m in messages if "ryggen" in m or "fall" in m.split()]
    finally:
        live_system.reset_clock()


async def notify_sms(internal: httpx.AsyncClient, system: System, mobile: str) -> list[str]:
    response = await internal.get(f"{system.service_urls['notify']}/internal/dev/sms", params={"to": mobile})
    assert response.status_code == 200, response.text
    return [m["text"] for m in response.json()["items"]]


async def wait_for_sms(internal: httpx.AsyncClient, system: System, mobile: str, count: int) -> list[str]:
    async def arrived() -> list[str] | None:
        messages = await notify_sms(internal, system, mobile)
        return messages if len(messages) >= count else None
    return await eventually(arrived, f"{count} SMS to the patient")


async def test_booking_events_become_sms_without_health_detail(live_system: System) -> None:
    monday = next_monday_morning()
    move_to(live_system, monday)
    identity, booking = live_system.service_urls["identity"], live_system.service_urls["booking"]
    try:
        async with httpx.AsyncClient(timeout=30) as internal:
            gp = uuid.uuid4()
            born = date(1950, 1, 1) + timedelta(days=secrets.randbelow(20_000))
            mobile = f"+4797{secrets.randbelow(10**6):06d}"
            registered = await internal.post(f"{identity}/internal/patients", json={
                "national_id": synthetic_national_id(born, secrets.randbelow(1000)), "name": "Kari Nordmann",
                "birth_date": born.isoformat(), "mobile": mobile, "gp_id": str(gp), "first_contact_done": True})
            assert registered.status_code == 201, registered.text
            kari = registered.json()["id"]
            week = monday.date()
            made = await internal.post(f"{booking}/internal/templates", json={
                "doctor_id": str(gp), "weekdays": [4, 5], "day_starts": "09:00", "day_ends": "10:00",
                "slot_minutes": 30, "valid_from": week.isoformat()})
            assert made.status_code == 201, made.text

            async def free_slots() -> list[dict[str, Any]] | None:
                listed = await internal.get(f"{booking}/internal/slots", params={
                    "patient_id": kari, "from": week.isoformat(), "to": (week + timedelta(days=6)).isoformat()})
                return listed.json()["slots"] if listed.status_code == 200 else None
            slots = await eventually(free_slots, "Kari in booking's directory (through Kafka)")
            thursday, friday = slots[0], slots[2]
            assert thursday["starts_at"].startswith((week + timedelta(days=3)).isoformat())

            first = await internal.post(f"{booking}/internal/appointments", json={
                "patient_id": kari, "slot_id": thursday["id"], "reason": REASON})
            assert first.status_code == 201, first.text
            messages = await wait_for_sms(internal, live_system, mobile, 1)
            assert "bestilt" in messages[0]

            # Wednesday 10:01, the day before: the reminder goes out (booking's job, then notify).
            move_to(live_system, monday + timedelta(days=2, minutes=1))
            messages = await wait_for_sms(internal, live_system, mobile, 2)
            assert "Påminnelse" in messages[0]

            # The clinic cancels 23 hours before: allowed for staff, and Kari is told.
            by_clinic = await internal.post(f"{booking}/internal/appointments/{first.json()['id']}/cancel",
                                            json={"by": "staff"})
            assert by_clinic.status_code == 200, by_clinic.text
            messages = await wait_for_sms(internal, live_system, mobile, 3)
            assert "avlyse" in messages[0]

            second = await internal.post(f"{booking}/internal/appointments", json={
                "patient_id": kari, "slot_id": friday["id"], "reason": REASON})
            assert second.status_code == 201, second.text
            by_kari = await internal.post(f"{booking}/internal/appointments/{second.json()['id']}/cancel",
                                          json={"by": "patient", "patient_id": kari})
            assert by_kari.status_code == 200, by_kari.text
            await wait_for_sms(internal, live_system, mobile, 5)
            await eventually(lambda: quiet(live_system), "every event handled and every SMS sent")
            messages = await notify_sms(internal, live_system, mobile)  # nothing more came: one message per event
            assert len(messages) == 5, messages
            assert "avbestilt" in messages[0]
            assert not [m for m in messages if "rygg" in m.lower() or "fall" in m.lower()]
    finally:
        live_system.reset_clock()
