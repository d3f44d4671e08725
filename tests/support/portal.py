"""Logging in through the running system's public API, as clients do: for live tests, benchmarks and chaos.

    async with system.client() as http:
        patient = await register_and_log_in(http, system, gp_id=doctor.id)
        await http.get("/api/v1/me", headers=patient.headers)
"""

from __future__ import annotations

import re
import secrets
import uuid
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import httpx

from kit.demo import synthetic_national_id
from tests.support.eventually import eventually
from tests.support.system import System

# The login code in notify's SMS (domain/templates.py), and only there: any six digits in any SMS (the
# microseconds of a timestamp, another message's number) once passed for a code, and a login failed.
# The same message in each of the patient's languages (bokmål, nynorsk, English).
CODE = re.compile(r"(?:Engangskoden din til ePortalen|Eingongskoden din til ePortalen|Your ePortal login code): "
                  r"(\d{6})\b")


@dataclass
class Session:
    token: str
    subject_id: uuid.UUID
    csrf_token: str
    body: dict[str, Any] = field(default_factory=dict)

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def cookie_headers(self, *, csrf: bool = True) -> dict[str, str]:
        """The web client's way: the session cookie (set by hand: httpx keeps Secure cookies off plain http)."""
        headers = {"Cookie": f"__Host-eportal_session={self.token}"}
        if csrf:
            headers["X-CSRF-Token"] = self.csrf_token
        return headers


@dataclass(frozen=True)
class Patient:
    id: uuid.UUID
    national_id: str
    mobile: str
    gp_id: uuid.UUID


async def sms_code(http: httpx.AsyncClient, mobile: str, *, after: set[str] | None = None,
                   timeout: float = 30.0) -> str:
    """The newest login code the SMS sink received for `mobile` (one not in `after`, if given)."""
    async def fresh() -> str | None:
        return next((c for c in await _codes(http, mobile) if after is None or c not in after), None)  # newest first
    return await eventually(fresh, f"a login code in the SMS sink for {mobile[:5]}…", timeout=timeout)


async def _codes(http: httpx.AsyncClient, mobile: str) -> list[str]:
    sent = await http.get("/dev/sms", params={"to": mobile})
    sent.raise_for_status()
    body = sent.json()
    items: list[Any] = (body.get("items") or body.get("messages") or []) if isinstance(body, dict) else body
    texts = [str(i.get("text", i)) if isinstance(i, dict) else str(i) for i in items]
    return [m.group(1) for t in texts if (m := CODE.search(t))]


async def seen_codes(http: httpx.AsyncClient, mobile: str) -> set[str]:
    return set(await _codes(http, mobile))


async def log_in_patient(http: httpx.AsyncClient, national_id: str, mobile: str) -> Session:
    before = await seen_codes(http, mobile)
    started = await http.post("/api/v1/auth/login", json={"national_id": national_id})
    assert started.status_code == 202, started.text
    code = await sms_code(http, mobile, after=before)
    verified = await http.post("/api/v1/auth/verify", json={"challenge_id": started.json()["challenge_id"],
                                                            "code": code})
    assert verified.status_code == 200, verified.text
    body = verified.json()
    return Session(body["token"], uuid.UUID(body["patient"]["id"]), body["csrf_token"], body)


async def log_in_staff(http: httpx.AsyncClient, username: str, password: str) -> Session:
    answer = await http.post("/api/v1/staff/auth/login", json={"username": username, "password": password})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    return Session(body["token"], uuid.UUID(body["staff"]["id"]), body["csrf_token"], body)


async def add_staff(system: System, role: str, *, name: str | None = None) -> tuple[str, str]:
    """A staff account made through identity's internal API (what an administrator does): (username, password)."""
    username, password = f"{role}{secrets.token_hex(4)}", f"passord-{secrets.token_hex(8)}"
    async with httpx.AsyncClient(timeout=30) as http:
        made = await http.post(f"{system.service_urls['identity']}/internal/staff", json={
            "username": username, "name": name or f"Test {role}", "role": role, "password": password})
    assert made.status_code == 201, made.text
    return username, password


async def register_patient(system: System, gp_id: uuid.UUID, *, mobile: str | None = None,
                           first_contact_done: bool = True, name: str = "Test Pasient",
                           born: date | None = None) -> Patient:
    """A patient on `gp_id`'s list, registered through identity's internal API (test set-up): an adult unless
    `born` says otherwise."""
    birth_date = born
    async with httpx.AsyncClient(timeout=30) as http:
        while True:
            born = birth_date or date(1950, 1, 1) + timedelta(days=secrets.randbelow(20_000))
            national_id = synthetic_national_id(born, secrets.randbelow(1000))
            phone = mobile or f"+4798{secrets.randbelow(10**6):06d}"
            made = await http.post(f"{system.service_urls['identity']}/internal/patients", json={
                "national_id": national_id, "name": name, "birth_date": born.isoformat(), "mobile": phone,
                "gp_id": str(gp_id), "first_contact_done": first_contact_done})
            if made.status_code != 409:
                break
    assert made.status_code == 201, made.text
    return Patient(uuid.UUID(made.json()["id"]), national_id, phone, gp_id)


@dataclass(frozen=True)
class Guardian:
    id: uuid.UUID
    national_id: str
    mobile: str


async def register_guardian(http: httpx.AsyncClient, reception: Session, child_id: uuid.UUID, *,
                            name: str = "Kari Nordmann", national_id: str | None = None,
                            mobile: str | None = None) -> Guardian:
    """A guardian of `child_id` registered by reception through the public API (not our patient unless
    `national_id` is a patient's)."""
    while True:
        number = national_id or synthetic_national_id(
            date(1975, 1, 1) + timedelta(days=secrets.randbelow(5000)), secrets.randbelow(1000))
        mobile = mobile or f"+4799{secrets.randbelow(10**6):06d}"
        made = await http.post(f"/api/v1/staff/patients/{child_id}/guardians", headers=reception.headers,
                               json={"national_id": number, "name": name, "mobile": mobile})
        if made.status_code != 409:
            break
    assert made.status_code == 201, made.text
    return Guardian(uuid.UUID(made.json()["id"]), number, made.json()["mobile"])
