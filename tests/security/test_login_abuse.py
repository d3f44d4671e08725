"""Abuse of the login, through the public API of the running system (issue 11, item 4): what an attacker
on the internet can try against `/api/v1/auth/*`, and what they must get back.

- the answers (status, body, headers) do not tell whether an ID is known, unknown or has no mobile;
- brute force of a code: five wrong tries, and the sixth is refused even when it is right, also when the
  guesses come in parallel; a code opens only its own challenge, and only once (no replay);
- SMS floods: at most five codes an hour for one ID, at most 30 login starts in 15 minutes from one address,
  and a forged X-Forwarded-For does not move the caller to another address;
- session fixation: a login always makes a new token and ends the session the client came with;
- CSRF: a cookie session's unsafe request without its own X-CSRF-Token is refused and changes nothing;
- a token is dead after logout, in the header and in the cookie, for patients and staff.

Timing is not asserted (a shared machine makes timed assertions noise): identity waits out a common floor
and does the same work for every ID (services/identity/tests/test_identity_login.py checks the work).

The running system used by the tests lifts the per-address limit (every test logs in from 127.0.0.1), so the
per-address tests go through a second identity replica with the default limits, on the same database and
topics, behind a gateway of its own that trusts one proxy hop, as it would behind the cluster's ingress.
"""

from __future__ import annotations

import asyncio
import secrets
import signal
import subprocess
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from kit.demo import synthetic_national_id
from tests.support.eventually import eventually
from tests.support.portal import (
    Patient,
    Session,
    add_staff,
    log_in_patient,
    log_in_staff,
    register_patient,
    seen_codes,
    sms_code,
)
from tests.support.system import System, _spawn, _wait_ready, free_port

pytestmark = pytest.mark.stack

SESSION_COOKIE = "__Host-eportal_session"
# Headers that differ between any two answers, whatever the ID: they say nothing about it.
VOLATILE_HEADERS = {"date", "x-request-id", "content-length", "traceparent"}


def unknown_id() -> str:
    """A well-formed national ID (synthetic, for tests) that nobody in this system has."""
    return synthetic_national_id(date(1900, 1, 1) + timedelta(days=secrets.randbelow(365 * 40)),
                                 secrets.randbelow(500))


def wrong(code: str, by: int = 1) -> str:
    return f"{(int(code) + by) % 10**6:06d}"


async def start(http: httpx.AsyncClient, national_id: str, **headers: str) -> httpx.Response:
    return await http.post("/api/v1/auth/login", json={"national_id": national_id}, headers=headers)


async def verify(http: httpx.AsyncClient, challenge_id: str, code: str, **headers: str) -> httpx.Response:
    return await http.post("/api/v1/auth/verify", json={"challenge_id": challenge_id, "code": code}, headers=headers)


async def challenge_with_code(http: httpx.AsyncClient, patient: Patient) -> tuple[str, str]:
    """A login started for `patient` and the code its SMS brought."""
    before = await seen_codes(http, patient.mobile)
    started = await start(http, patient.national_id)
    assert started.status_code == 202, started.text
    return started.json()["challenge_id"], await sms_code(http, patient.mobile, after=before)


async def patient_without_mobile(system: System) -> str:
    """A registered patient with no mobile: the national ID (no code can reach them)."""
    async with httpx.AsyncClient(timeout=30) as http:
        while True:
            national_id = unknown_id()
            made = await http.post(f"{system.service_urls['identity']}/internal/patients", json={
                "national_id": national_id, "name": "Uten Mobil", "birth_date": "1970-01-01", "mobile": None,
                "gp_id": str(uuid.uuid4()), "first_contact_done": True})
            if made.status_code != 409:
                assert made.status_code == 201, made.text
                return national_id


def shape(response: httpx.Response) -> tuple[int, dict[str, Any], list[tuple[str, str]]]:
    """An answer with its per-challenge values blanked: status, body, and headers that could carry meaning."""
    body = dict(response.json())
    for key in ("challenge_id", "expires_at", "retry_after_seconds"):
        if key in body:
            body[key] = f"<{key}>"
    headers = sorted((k, v) for k, v in response.headers.items() if k.lower() not in VOLATILE_HEADERS)
    return response.status_code, body, headers


# --- nothing in the answers tells whether an ID is known --------------------------------------------------


async def test_known_unknown_and_mobileless_ids_get_the_same_answers(live_system: System) -> None:
    known = await register_patient(live_system, uuid.uuid4())
    not_yet = await register_patient(live_system, uuid.uuid4(), first_contact_done=False)
    ids = {"known": known.national_id, "first contact not done": not_yet.national_id,
           "no mobile": await patient_without_mobile(live_system), "unknown": unknown_id()}
    async with live_system.client() as http:
        first: dict[str, tuple[float, float]] = {}  # each ID's first start: sent, answered (time.monotonic())

        async def first_start(who: str) -> httpx.Response:
            sent = time.monotonic()
            answer = await start(http, ids[who])
            first[who] = (sent, time.monotonic())
            return answer
        started = {who: await first_start(who) for who in ids}
        assert len({repr(shape(a)) for a in started.values()}) == 1, {w: shape(a) for w, a in started.items()}
        assert {a.status_code for a in started.values()} == {202}

        # A wrong code, tried to the end: the same answers, try by try, for every kind of ID.
        for left in (4, 3, 2, 1, 0):
            tries = {who: await verify(http, a.json()["challenge_id"], "000000") for who, a in started.items()}
            assert len({repr(shape(t)) for t in tries.values()}) == 1, {w: shape(t) for w, t in tries.items()}
            body = next(iter(tries.values())).json()
            assert (body["status"], body["code"], body["attempts_left"]) == (401, "auth.invalid_code", left)
        locked = {who: await verify(http, a.json()["challenge_id"], "000000") for who, a in started.items()}
        assert len({repr(shape(t)) for t in locked.values()}) == 1
        assert next(iter(locked.values())).json()["code"] == "auth.too_many_attempts"

        # The per-ID limit counts unknown IDs as it counts known ones: the sixth start is refused for both.
        for who in ("known", "unknown"):
            for _ in range(4):
                assert (await start(http, ids[who])).status_code == 202
        refused: dict[str, httpx.Response] = {}
        for who in ("known", "unknown"):
            sent = time.monotonic()
            refused[who] = await start(http, ids[who])
            answered = time.monotonic()
            # How long to wait is counted the same way for both: an hour from this ID's own first start. The IDs'
            # first starts and these refusals came at different moments, so the whole seconds may differ by one;
            # each is held to the bounds its own moments give (shape() leaves the number out).
            wait = refused[who].json()["retry_after_seconds"]
            assert 3600 - (answered - first[who][0]) - 1 <= wait <= 3600 - (sent - first[who][1]) + 1, (who, wait)
        assert len({repr(shape(r)) for r in refused.values()}) == 1
        assert refused["known"].json()["code"] == "auth.rate_limited"


# --- guessing codes -----------------------------------------------------------------------------------------


async def test_the_sixth_try_is_refused_even_with_the_right_code(live_system: System) -> None:
    patient = await register_patient(live_system, uuid.uuid4())
    async with live_system.client() as http:
        challenge, code = await challenge_with_code(http, patient)
        for n, left in enumerate((4, 3, 2, 1, 0), start=1):
            answer = await verify(http, challenge, wrong(code, n))
            assert (answer.status_code, answer.json()["code"], answer.json()["attempts_left"]) == (
                401, "auth.invalid_code", left)
        right = await verify(http, challenge, code)
        assert (right.status_code, right.json()["code"]) == (429, "auth.too_many_attempts")
        assert "token" not in right.json()
        assert "set-cookie" not in right.headers
        # The patient is not locked out: a new code opens a new session.
        assert (await log_in_patient(http, patient.national_id, patient.mobile)).subject_id == patient.id


async def test_parallel_guesses_count_one_by_one(live_system: System) -> None:
    """The challenge is locked per try: 20 wrong guesses at once are 5 tries and 15 refusals, and the right
    code after them opens nothing."""
    patient = await register_patient(live_system, uuid.uuid4())
    async with live_system.client() as http:
        challenge, code = await challenge_with_code(http, patient)
        answers = await asyncio.gather(*(verify(http, challenge, wrong(code, n)) for n in range(1, 21)))
        codes = [a.json()["code"] for a in answers]
        assert (codes.count("auth.invalid_code"), codes.count("auth.too_many_attempts")) == (5, 15)
        assert sorted(a.json().get("attempts_left") for a in answers if a.status_code == 401) == [0, 1, 2, 3, 4]
        right = await verify(http, challenge, code)
        assert (right.status_code, right.json()["code"]) == (429, "auth.too_many_attempts")


async def test_parallel_challenges_each_open_only_with_their_own_code_and_only_once(live_system: System) -> None:
    patient = await register_patient(live_system, uuid.uuid4())
    async with live_system.client() as http:
        challenges = [await challenge_with_code(http, patient) for _ in range(3)]  # three open at once
        (_first, first_code), (second, second_code), (third, third_code) = challenges
        if first_code not in (second_code, third_code):  # one in a million: two codes are the same
            for other in (second, third):
                crossed = await verify(http, other, first_code)
                assert (crossed.status_code, crossed.json()["code"]) == (401, "auth.invalid_code")
        tokens = set()
        for challenge, code in challenges:
            opened = await verify(http, challenge, code)
            assert opened.status_code == 200, opened.text
            tokens.add(opened.json()["token"])
            replay = await verify(http, challenge, code)  # the same code again: it was used
            assert (replay.status_code, replay.json()["code"]) == (401, "auth.code_expired")
            assert "token" not in replay.json()
        assert len(tokens) == 3
        # An attacker who saw a used code gets nothing from it on a fresh challenge either.
        fresh = await start(http, patient.national_id)
        reused = await verify(http, fresh.json()["challenge_id"], third_code)
        if reused.status_code != 200:  # unless the new code happens to be the same six digits
            assert (reused.status_code, reused.json()["code"]) == (401, "auth.invalid_code")


async def test_a_made_up_challenge_is_an_invalid_code(live_system: System) -> None:
    async with live_system.client() as http:
        answer = await verify(http, str(uuid.uuid4()), "123456")
        assert (answer.status_code, answer.json()["code"]) == (401, "auth.invalid_code")
        for bad in ("12345", "1234567", "abcdef", ""):
            refused = await verify(http, str(uuid.uuid4()), bad)
            assert refused.status_code in (401, 422), refused.text


# --- SMS floods ---------------------------------------------------------------------------------------------


async def test_one_id_gets_at_most_five_codes_an_hour_however_fast_it_asks(live_system: System) -> None:
    patient = await register_patient(live_system, uuid.uuid4())
    async with live_system.client() as http:
        answers = await asyncio.gather(*(start(http, patient.national_id) for _ in range(12)))
        assert sorted(a.status_code for a in answers) == [202] * 5 + [429] * 7
        assert {a.json()["code"] for a in answers if a.status_code == 429} == {"auth.rate_limited"}

        async def five_sent() -> bool:
            return len(await seen_codes(http, patient.mobile)) >= 5
        await eventually(five_sent, "the five login codes")
        sent = await http.get("/dev/sms", params={"to": patient.mobile})
        assert len(sent.json()["items"]) == 5

        live_system.move_clock(timedelta(minutes=61))
        try:
            assert (await start(http, patient.national_id)).status_code == 202  # the hour has passed
        finally:
            live_system.move_clock(timedelta(minutes=-61))


@dataclass
class Guarded:
    """An identity replica with the default login limits and two gateways in front of it."""
    behind_proxy: str  # trusts one proxy hop: the client is the rightmost X-Forwarded-For entry
    direct: str  # trusts none, as in make run: the connection's address, whatever the header says


@pytest.fixture(scope="module")
def guarded(live_system: System, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Guarded]:
    logs: Path = tmp_path_factory.mktemp("guarded-logs")
    ports = {"identity": free_port(), "proxied": free_port(), "direct": free_port()}
    identity_env = {k: v for k, v in live_system._env["identity"].items()
                    if k not in ("EPORTAL_LOGIN_STARTS_PER_ADDRESS", "EPORTAL_STAFF_FREE_FAILURES_PER_ADDRESS")}
    identity_env["EPORTAL_HTTP_PORT"] = str(ports["identity"])
    identity_url = f"http://127.0.0.1:{ports['identity']}"
    procs: dict[str, subprocess.Popen[bytes]] = {}
    try:
        procs["identity"] = _spawn("identity", identity_env, logs)
        _wait_ready({"identity": identity_url}, procs, logs)
        for name, hops in (("proxied", "1"), ("direct", "0")):
            env = {**live_system._env["gateway"], "EPORTAL_HTTP_PORT": str(ports[name]),
                   "EPORTAL_IDENTITY_URL": identity_url, "EPORTAL_TRUSTED_PROXY_HOPS": hops}
            procs[name] = _spawn("gateway", env, logs)
        _wait_ready({n: f"http://127.0.0.1:{ports[n]}" for n in ("proxied", "direct")}, procs, logs)
        yield Guarded(f"http://127.0.0.1:{ports['proxied']}", f"http://127.0.0.1:{ports['direct']}")
    finally:
        for proc in procs.values():
            proc.send_signal(signal.SIGTERM)
        for proc in procs.values():
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()


def an_address() -> str:
    return f"198.51.{secrets.randbelow(256)}.{secrets.randbelow(254) + 1}"


async def test_one_address_cannot_start_a_flood_of_codes(guarded: Guarded) -> None:
    flooder, neighbour = an_address(), an_address()
    async with httpx.AsyncClient(base_url=guarded.behind_proxy, timeout=30) as http:
        # Many different IDs from one address at once; the client also forges entries left of the proxy's.
        answers = await asyncio.gather(*(start(http, unknown_id(), **{"X-Forwarded-For": f"{an_address()}, {flooder}"})
                                         for _ in range(36)))
        assert sorted(a.status_code for a in answers) == [202] * 30 + [429] * 6
        refused = [a.json() for a in answers if a.status_code == 429]
        assert {(r["status"], r["code"]) for r in refused} == {(429, "auth.rate_limited")}
        # Someone else is not held up by the flood.
        other = await start(http, unknown_id(), **{"X-Forwarded-For": neighbour})
        assert other.status_code == 202


async def test_a_forged_forwarded_for_does_not_move_a_direct_caller(guarded: Guarded) -> None:
    """Without a trusted proxy the connection's address counts: a new X-Forwarded-For on every request does
    not give a flooder a fresh allowance (127.0.0.1 has logged in often in this suite: it runs out soon)."""
    async with httpx.AsyncClient(base_url=guarded.direct, timeout=30) as http:
        answers = [await start(http, unknown_id(), **{"X-Forwarded-For": an_address()}) for _ in range(31)]
    statuses = [a.status_code for a in answers]
    assert 429 in statuses
    assert statuses[statuses.index(429):] == [429] * (len(statuses) - statuses.index(429))  # never again a 202
    assert statuses.count(202) <= 30


async def test_wrong_passwords_from_many_addresses_never_lock_a_doctor_out(live_system: System,
                                                                            guarded: Guarded) -> None:
    """Five wrong passwords from five addresses once held the right one from a sixth at 429 for 15 minutes: anyone
    could lock out any doctor (usernames are guessable). Now only the addresses that guess wait (issue 14)."""
    username, password = await add_staff(live_system, "doctor")
    async with httpx.AsyncClient(base_url=guarded.behind_proxy, timeout=30) as http:
        async def staff_login(secret: str, address: str) -> httpx.Response:
            return await http.post("/api/v1/staff/auth/login", json={"username": username, "password": secret},
                                   headers={"X-Forwarded-For": address})
        for _ in range(5):
            assert (await staff_login("gjett", an_address())).status_code == 401
        assert (await staff_login(password, an_address())).status_code == 200
        guesser = an_address()
        for _ in range(5):
            await staff_login("gjett", guesser)
        held = await staff_login(password, guesser)
        assert (held.status_code, held.json()["code"]) == (429, "auth.rate_limited")
        assert int(held.headers["retry-after"]) >= 1


# --- session fixation ---------------------------------------------------------------------------------------


def cookie_token(response: httpx.Response) -> str:
    for header in response.headers.get_list("set-cookie"):
        name, _, rest = header.partition("=")
        if name == SESSION_COOKIE:
            return rest.split(";", 1)[0]
    raise AssertionError("no session cookie set")


async def test_a_login_never_adopts_the_session_the_client_came_with(live_system: System) -> None:
    victim = await register_patient(live_system, uuid.uuid4())
    attacker = await register_patient(live_system, uuid.uuid4())
    async with live_system.client() as http:
        # A made-up session id planted in the victim's browser is not taken over by the login.
        planted = secrets.token_urlsafe(32)
        challenge, code = await challenge_with_code(http, victim)
        opened = await verify(http, challenge, code, Cookie=f"{SESSION_COOKIE}={planted}")
        assert opened.status_code == 200
        assert opened.json()["token"] == cookie_token(opened) != planted
        assert (await http.get("/api/v1/me", headers={"Authorization": f"Bearer {planted}"})).status_code == 401

        # The attacker's own valid session planted there is ended by the victim's login (by cookie or header).
        for how in ("cookie", "bearer"):
            theirs = await log_in_patient(http, attacker.national_id, attacker.mobile)
            presented = (theirs.cookie_headers() if how == "cookie" else theirs.headers)
            challenge, code = await challenge_with_code(http, victim)
            mine = await verify(http, challenge, code, **presented)
            assert mine.status_code == 200
            assert mine.json()["token"] != theirs.token
            assert mine.json()["patient"]["id"] == str(victim.id)
            gone = await http.get("/api/v1/me", headers=theirs.headers)
            assert (gone.status_code, gone.json()["code"]) == (401, "auth.required"), how
            me = await http.get("/api/v1/me", headers={"Authorization": f"Bearer {mine.json()['token']}"})
            assert me.json()["id"] == str(victim.id)


async def test_a_staff_login_makes_a_new_session_too(live_system: System) -> None:
    username, password = await add_staff(live_system, "reception")
    async with live_system.client() as http:
        first = await log_in_staff(http, username, password)
        again = await http.post("/api/v1/staff/auth/login", json={"username": username, "password": password},
                                headers=first.cookie_headers())
        assert again.status_code == 200
        assert again.json()["token"] == cookie_token(again) != first.token
        assert (await http.get("/api/v1/staff/me", headers=first.headers)).status_code == 401
        assert (await http.get("/api/v1/staff/me", headers={
            "Authorization": f"Bearer {again.json()['token']}"})).status_code == 200


# --- CSRF on cookie sessions --------------------------------------------------------------------------------


async def test_a_cookie_session_refuses_every_unsafe_method_without_its_csrf_token(live_system: System) -> None:
    username, password = await add_staff(live_system, "doctor")
    async with live_system.client() as http:
        doctor = await log_in_staff(http, username, password)
        patient = await register_patient(live_system, doctor.subject_id)
        me = await log_in_patient(http, patient.national_id, patient.mobile)
        other = await log_in_patient(http, patient.national_id, patient.mobile)
        some_id = uuid.uuid4()
        attempts: list[tuple[Session, str, str, dict[str, Any] | None]] = [
            (me, "POST", "/api/v1/appointments", {"slot_id": str(some_id)}),
            (me, "DELETE", f"/api/v1/appointments/{some_id}", None),
            (me, "POST", "/api/v1/econsultations", {"text": "Hei", "accepted_terms": True}),
            (me, "POST", "/api/v1/renewals", {"medication_ids": [str(some_id)]}),
            (me, "POST", "/api/v1/auth/logout", None),
            (me, "POST", "/api/v1/auth/idporten/logout", None),
            (doctor, "PUT", "/api/v1/staff/econsult-availability", {"open": True}),
            (doctor, "POST", "/api/v1/staff/auth/logout", None),
        ]
        for session, method, path, body in attempts:
            for label, headers in (
                    ("no token", session.cookie_headers(csrf=False)),
                    ("another session's token", {**session.cookie_headers(), "X-CSRF-Token": other.csrf_token}),
                    ("a guess", {**session.cookie_headers(), "X-CSRF-Token": secrets.token_urlsafe(32)})):
                answer = await http.request(method, path, json=body, headers=headers)
                assert (answer.status_code, answer.json()["code"]) == (403, "auth.csrf"), (method, path, label)
        # Nothing happened: both sessions live (the forged logouts ended nothing), no eConsultation was sent,
        # the GP's availability did not change.
        assert (await http.get("/api/v1/me", headers=me.cookie_headers(csrf=False))).status_code == 200
        assert (await http.get("/api/v1/staff/me", headers=doctor.cookie_headers(csrf=False))).status_code == 200
        asked = await http.get("/api/v1/econsultations", headers=me.headers)
        assert asked.status_code == 200
        assert asked.json()["items"] == []
        profile = await http.get("/api/v1/me", headers=me.headers)
        assert profile.json()["gp"]["econsult_open"] is False
        # With its own token the same cookie session may change things (logout here).
        assert (await http.post("/api/v1/auth/logout", headers=me.cookie_headers())).status_code == 204
        assert (await http.get("/api/v1/me", headers=me.cookie_headers())).status_code == 401


# --- after logout -------------------------------------------------------------------------------------------


async def test_every_token_is_dead_after_logout(live_system: System) -> None:
    username, password = await add_staff(live_system, "doctor")
    async with live_system.client() as http:
        doctor = await log_in_staff(http, username, password)
        patient = await register_patient(live_system, doctor.subject_id)
        by_header = await log_in_patient(http, patient.national_id, patient.mobile)
        by_cookie = await log_in_patient(http, patient.national_id, patient.mobile)
        untouched = await log_in_patient(http, patient.national_id, patient.mobile)
        staff_cookie = await log_in_staff(http, username, password)

        assert (await http.post("/api/v1/auth/logout", headers=by_header.headers)).status_code == 204
        assert (await http.post("/api/v1/auth/logout", headers=by_cookie.cookie_headers())).status_code == 204
        assert (await http.post("/api/v1/staff/auth/logout", headers=doctor.headers)).status_code == 204
        assert (await http.post("/api/v1/staff/auth/logout",
                                headers=staff_cookie.cookie_headers())).status_code == 204

        for session in (by_header, by_cookie):
            for path in ("/api/v1/me", "/api/v1/appointments", "/api/v1/invoices"):
                for headers in (session.headers, session.cookie_headers()):
                    dead = await http.get(path, headers=headers)
                    assert (dead.status_code, dead.json()["code"]) == (401, "auth.required"), path
            changed = await http.post("/api/v1/econsultations", headers=session.headers,
                                      json={"text": "Hei", "accepted_terms": True})
            assert (changed.status_code, changed.json()["code"]) == (401, "auth.required")
        for session in (doctor, staff_cookie):
            for path in ("/api/v1/staff/me", "/api/v1/staff/inbox", f"/api/v1/staff/patients/{patient.id}"):
                for headers in (session.headers, session.cookie_headers()):
                    dead = await http.get(path, headers=headers)
                    assert (dead.status_code, dead.json()["code"]) == (401, "auth.required"), path
        # Logging out again is no error, and logging out one session leaves the patient's others alone.
        assert (await http.post("/api/v1/auth/logout", headers=by_header.headers)).status_code == 204
        assert (await http.get("/api/v1/me", headers=untouched.headers)).status_code == 200
