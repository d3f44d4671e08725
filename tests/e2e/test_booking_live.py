"""Through the running system: a patient logs in, books, sees the appointment, cancels, and the SMS sink
shows a confirmation and a cancellation without any health detail.

It needs identity's login (issue 3) and notify's SMS sink; until both answer, it says so and skips."""

from __future__ import annotations

import asyncio
import secrets
import uuid
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import httpx
import pytest

from kit.clock import OSLO
from kit.demo import synthetic_national_id
from kit.working_days import WorkingDays
from tests.support.system import System

pytestmark = pytest.mark.stack

REASON = "Vondt i ryggen etter fall"


def next_monday_morning() -> datetime:
    today = datetime.now(OSLO).date()
    monday = today + timedelta(days=7 - today.weekday())
    while not all(WorkingDays().is_working_day(monday + timedelta(days=n)) for n in range(4)):
        monday += timedelta(days=7)  # a week without holidays from Monday to Thursday
    return datetime.combine(monday, time(10, 0), tzinfo=OSLO)


def texts(body: Any) -> list[str]:
    """Every message's text from the SMS sink, whatever its envelope."""
    items = body.get("items", body.get("messages", [])) if isinstance(body, dict) else body
    return [" ".join(str(v) for v in item.values()) if isinstance(item, dict) else str(item) for item in items]


async def sms_to(client: httpx.AsyncClient, mobile: str) -> list[str]:
    response = await client.get("/dev/sms", params={"to": mobile})
    if response.status_code == 404:
        pytest.skip("the SMS sink (/dev/sms) is not served by this system yet")
    return texts(response.json())


async def test_a_patient_books_sees_and_cancels_and_is_told_by_sms(live_system: System) -> None:
    monday = next_monday_morning()
    live_system.move_clock(monday - datetime.now(UTC))
    try:
        async with live_system.client() as gw, httpx.AsyncClient(timeout=30) as internal:
            login = await gw.post("/api/v1/auth/login", json={"national_id": "01017010170"})
            if login.status_code == 404:
                pytest.skip("patient login (issue 3) is not served by this system yet")

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

            challenge = (await gw.post("/api/v1/auth/login", json={"national_id": national_id})).json()
            code = ""
            for _ in range(100):
                codes = [w for t in await sms_to(gw, mobile) for w in t.split() if w.isdigit() and len(w) == 6]
                if codes:
                    code = codes[0]
                    break
                await asyncio.sleep(0.3)
            verified = await gw.post("/api/v1/auth/verify", json={**challenge, "code": code})
            assert verified.status_code == 200, verified.text
            auth = {"Authorization": f"Bearer {verified.json()['token']}"}
            sent_at_login = len(await sms_to(gw, mobile))

            slots: list[dict[str, Any]] = []
            for _ in range(100):  # the patient reaches booking's directory through Kafka
                response = await gw.get("/api/v1/slots", params={"from": thursday.date().isoformat(),
                                                                  "to": thursday.date().isoformat()}, headers=auth)
                if response.status_code == 200 and response.json()["slots"]:
                    slots = response.json()["slots"]
                    break
                await asyncio.sleep(0.3)
            assert [s["id"] for s in slots] == [opened.json()["id"]]

            booked = await gw.post("/api/v1/appointments", json={"slot_id": slots[0]["id"], "reason": REASON},
                                   headers=auth)
            assert booked.status_code == 201, booked.text
            mine = (await gw.get("/api/v1/appointments", headers=auth)).json()["items"]
            assert [(a["id"], a["status"], a["reason"]) for a in mine] == [(booked.json()["id"], "booked", REASON)]

            cancelled = await gw.delete(f"/api/v1/appointments/{booked.json()['id']}", headers=auth)
            assert cancelled.status_code == 204, cancelled.text
            assert (await gw.get("/api/v1/appointments", headers=auth)).json()["items"][0]["status"] == "cancelled"

            messages: list[str] = []
            for _ in range(150):
                messages = await sms_to(gw, mobile)
                if len(messages) >= sent_at_login + 2:
                    break
                await asyncio.sleep(0.3)
            assert len(messages) == sent_at_login + 2, messages  # one confirmation, one cancellation
            assert not [m for m in messages if "ryggen" in m or "fall" in m.split()]
    finally:
        live_system.reset_clock()
