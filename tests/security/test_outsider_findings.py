"""What an outsider broke in one afternoon against the running system (issue 14), held through the public API:

1. big anonymous bodies are refused (413) before they are read, small ones list a handful of errors, deeply
   nested JSON is a 422, and another patient's /me keeps answering while they arrive (the benchmark reports its
   latency meanwhile: `make bench`, "big bodies");
4. a roster row PostgreSQL would refuse is one refused line, the rest are imported, and no national ID reaches a log;
5. input that is accepted but makes no sense is refused with its own code;
8. a form whose `file` part is not the clinic's list, or not an OCR file, is a 422, as documented.

Outcomes are asserted, never times (the machine is shared)."""

from __future__ import annotations

import asyncio
import json
import secrets
import uuid
from collections.abc import AsyncIterator
from datetime import date, timedelta

import httpx
import pytest

from kit.demo import synthetic_national_id
from tests.support.portal import Session, add_staff, log_in_patient, log_in_staff, register_patient
from tests.support.system import System

pytestmark = pytest.mark.stack

# The body of the report: 300,000 unknown keys, 3.5 MB and more. Once a 422 after seconds, 27 MB long.
UNKNOWN_KEYS = json.dumps({f"k{n}": n for n in range(300_000)}).encode()
JSON = {"content-type": "application/json"}


async def chunked(body: bytes, size: int = 65536) -> AsyncIterator[bytes]:
    """The body sent without a Content-Length, as a client streaming it would."""
    for start in range(0, len(body), size):
        yield body[start:start + size]


async def test_big_bodies_are_refused_unread_while_another_patients_me_keeps_answering(live_system: System) -> None:
    async with live_system.client() as http:
        doctor = await log_in_staff(http, *await add_staff(live_system, "doctor"))
        patient = await register_patient(live_system, doctor.subject_id)
        me = await log_in_patient(http, patient.national_id, patient.mobile)

    sending = asyncio.Event()
    profile_answers: list[int] = []

    async def patient_reads_me() -> None:
        async with live_system.client() as http:
            await sending.wait()
            for _ in range(20):
                profile_answers.append((await http.get("/api/v1/me", headers=me.headers)).status_code)

    async def outsider_sends(body: bytes | AsyncIterator[bytes]) -> httpx.Response:
        async with live_system.client() as http:  # a connection of its own, as an attacker's would be
            sending.set()
            return await http.post("/api/v1/auth/login", content=body, headers=JSON)

    reader = asyncio.create_task(patient_reads_me())
    refused = await asyncio.gather(*(outsider_sends(UNKNOWN_KEYS) for _ in range(4)),
                                   outsider_sends(chunked(UNKNOWN_KEYS)))
    await reader
    for answer in refused:
        assert answer.status_code == 413, answer.text[:300]
        assert answer.headers["content-type"] == "application/problem+json"
        assert answer.json()["code"] == "validation.too_large"
        assert len(answer.content) < 1000
    assert profile_answers == [200] * 20

    async with live_system.client() as http:
        many = json.dumps({f"k{n}": n for n in range(4000)}).encode()  # under the limit: validated, briefly
        answer = await http.post("/api/v1/auth/login", content=many, headers=JSON)
        assert (answer.status_code, answer.json()["code"]) == (422, "validation.invalid")
        assert len(answer.json()["errors"]) <= 5
        assert answer.json()["error_count"] == 4001  # every unknown key, and the missing national_id
        for nested in (b"[" * 30_000 + b"]" * 30_000, b'{"national_id": ' + b"[" * 5000 + b"]" * 5000 + b"}"):
            answer = await http.post("/api/v1/auth/login", content=nested, headers=JSON)
            assert (answer.status_code, answer.json()["code"]) == (422, "validation.invalid")


async def reception(system: System, http: httpx.AsyncClient) -> Session:
    return await log_in_staff(http, *await add_staff(system, "reception"))


async def test_a_roster_row_the_database_would_refuse_is_one_refused_line_and_no_national_id_is_logged(
        live_system: System) -> None:
    async with live_system.client() as http:
        desk = await reception(live_system, http)
        doctor = await log_in_staff(http, *await add_staff(live_system, "doctor"))
        ids = [synthetic_national_id(date(1940, 1, 1) + timedelta(days=secrets.randbelow(20_000)),
                                     secrets.randbelow(1000)) for _ in range(3)]
        roster = "\n".join([
            "fodselsnummer;navn;fodselsdato;mobil;fastlege",
            f"{ids[0]};Anne Først;01.01.1970;91234001;{doctor.subject_id}",
            f"{ids[1]};{'Lang ' * 50};01.01.1971;91234002;{doctor.subject_id}",  # 250 characters
            f"{ids[2]};Per Sist;01.01.1972;91234003;{doctor.subject_id}",
        ])
        answer = await http.post("/api/v1/staff/patients/import", headers=desk.headers,
                                 files={"file": ("liste.csv", roster.encode(), "text/csv")})
        assert answer.status_code == 200, answer.text
        assert answer.json() == {"imported": 2, "refused": [{"line": 3, "code": "validation.name"}]}
    for service in ("identity", "gateway"):
        log = live_system.log(service)
        assert all(national_id not in log for national_id in ids), service
        assert "Failing row" not in log


@pytest.mark.parametrize(("role", "path"), [("reception", "/api/v1/staff/patients/import"),
                                            ("billing", "/api/v1/staff/payments/ocr")])
async def test_a_file_part_that_is_not_the_documented_file_is_a_422(live_system: System, role: str,
                                                                   path: str) -> None:
    """What Schemathesis sent (ST201): `file` as a part holding `false` or a number. A 200 that imported nothing
    was not what the API documents."""
    async with live_system.client() as http:
        staff = await log_in_staff(http, *await add_staff(live_system, role))
        for content in (b"false", b"1469", b"", b"fodselsnummer;navn\n"):
            answer = await http.post(path, headers=staff.headers, files={"file": ("file", content)})
            assert answer.status_code == 422, (content, answer.text)
            assert answer.json()["code"] in ("validation.columns", "validation.ocr_file"), answer.text
        not_a_file = await http.post(path, headers=staff.headers, data={"file": "false"})
        assert (not_a_file.status_code, not_a_file.json()["code"]) == (422, "validation.invalid")


async def test_input_that_makes_no_sense_gets_its_own_code(live_system: System) -> None:
    async with live_system.client() as http:
        desk = await reception(live_system, http)
        doctor = await log_in_staff(http, *await add_staff(live_system, "doctor"))
        patient = await register_patient(live_system, doctor.subject_id)

        async def refused(method: str, path: str, session: Session, body: dict[str, object]) -> tuple[int, str]:
            answer = await http.request(method, path, headers=session.headers, json=body)
            return answer.status_code, answer.json().get("code", "")

        assert await refused("PATCH", f"/api/v1/staff/patients/{patient.id}", desk, {
            "email": "kari@example.no\r\nBcc: alle@example.no"}) == (422, "validation.email")
        assert await refused("POST", "/api/v1/staff/patients", desk, {
            "national_id": synthetic_national_id(date(1980, 2, 2), secrets.randbelow(1000)), "name": "Gammel",
            "birth_date": "0001-01-01", "gp_id": str(doctor.subject_id)}) == (422, "validation.birth_date")
        assert await refused("PUT", f"/api/v1/staff/patients/{uuid.uuid4()}/frikort", desk, {
            "year": 2026, "card_number": "12345678"}) == (404, "not_found")
        weekly = {"weekdays": [1], "day_starts": "08:00", "day_ends": "12:00", "slot_minutes": 20,
                  "valid_from": (date.today() + timedelta(days=7)).isoformat()}
        for doctor_id in (uuid.uuid4(), desk.subject_id):  # made up, and a receptionist
            assert await refused("POST", "/api/v1/staff/slots", desk, {
                "doctor_id": str(doctor_id), "weekly": weekly}) == (422, "booking.unknown_doctor")
        assert await refused("POST", "/api/v1/staff/slots", doctor, {
            "weekly": {**weekly, "day_starts": "08:00+05:00"}}) == (422, "booking.template_time_offset")
