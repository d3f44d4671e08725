"""Sessions, staff logins, the access rules and billing's word on unsettled claims."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from contracts.envelope import Envelope
from contracts.events import ClaimsStatusChanged
from identity.domain.access import FIRST_CONTACT_BY_PHONE, NO_MOBILE, UNPAID_CLAIMS
from services.identity.tests.conftest import Identity
from tests.support.eventually import eventually
from tests.support.kafka import produce

pytestmark = pytest.mark.stack


async def test_a_session_lives_thirty_idle_minutes(identity_service: Identity) -> None:
    national_id, patient_id = await identity_service.patient()
    session = await identity_service.login(national_id)
    identity_service.clock.advance(timedelta(minutes=29))
    found = await identity_service.resolve(session["token"])
    assert found.status_code == 200
    assert found.json()["subject_id"] == str(patient_id)
    identity_service.clock.advance(timedelta(minutes=29))  # used 29 minutes ago: still alive
    assert (await identity_service.resolve(session["token"])).status_code == 200
    identity_service.clock.advance(timedelta(minutes=30))
    gone = await identity_service.resolve(session["token"])
    assert (gone.status_code, gone.json()["code"]) == (401, "auth.required")


async def test_a_session_ends_after_twelve_hours_however_busy(identity_service: Identity) -> None:
    national_id, _ = await identity_service.patient()
    session = await identity_service.login(national_id)
    for _ in range(12 * 3 - 1):  # every 20 minutes for 11 h 40 min
        identity_service.clock.advance(timedelta(minutes=20))
        assert (await identity_service.resolve(session["token"])).status_code == 200
    identity_service.clock.advance(timedelta(minutes=20))
    assert (await identity_service.resolve(session["token"])).status_code == 401


async def test_logout_ends_the_session_on_the_server(identity_service: Identity) -> None:
    national_id, _ = await identity_service.patient()
    session = await identity_service.login(national_id)
    other = await identity_service.login(national_id)
    ended = await identity_service.client.post("/internal/sessions/end", json={"token": session["token"]})
    assert ended.status_code == 200
    assert ended.json() == {"ended": True, "method": "sms", "end_session_url": None}
    assert (await identity_service.resolve(session["token"])).status_code == 401
    assert (await identity_service.resolve(other["token"])).status_code == 200  # another device stays in
    assert session["token"] != other["token"]  # every login a new token


async def test_a_refresh_answers_the_live_sessions_and_counts_idle_time_from_the_last_use(
        identity_service: Identity) -> None:
    """A gateway's kept sessions in one call (POST /internal/sessions/refresh): the live ones, the ended ones left
    out; the facts in full only where they differ from the gateway's fingerprint; and a use the gateway served from
    memory moves the idle end, while a session not used is not kept alive by being refreshed."""
    national_id, patient_id = await identity_service.patient()
    used, unused, ended = [await identity_service.login(national_id) for _ in range(3)]
    await identity_service.client.post("/internal/sessions/end", json={"token": ended["token"]})
    sessions = {"used": used, "unused": unused, "ended": ended}

    async def refresh(**kept: tuple[datetime | None, str | None]) -> dict[str, dict[str, Any]]:
        answer = await identity_service.client.post("/internal/sessions/refresh", json={"sessions": [
            {"id": sessions[name]["session_id"], "used_at": at.isoformat() if at else None, "facts": facts}
            for name, (at, facts) in kept.items()]})
        assert answer.status_code == 200, answer.text
        by_id = {s["session_id"]: s for s in answer.json()["sessions"]}
        return {name: by_id[str(sessions[name]["session_id"])] for name in sessions
                if str(sessions[name]["session_id"]) in by_id}

    first = await refresh(used=(None, None), unused=(None, None), ended=(None, None))
    assert set(first) == {"used", "unused"}, "an ended session is not in the answer"
    assert first["used"]["session"]["subject_id"] == str(patient_id)
    assert first["used"]["session"]["restrictions"] == []
    facts = first["used"]["facts"]

    identity_service.clock.advance(timedelta(minutes=25))
    served_from_memory = identity_service.clock.now()
    later = await refresh(used=(served_from_memory, facts), unused=(None, facts))
    assert later["used"]["session"] is None, "the facts the gateway holds are still true: not sent again"
    assert datetime.fromisoformat(later["used"]["idle_expires_at"]) == served_from_memory + timedelta(minutes=30)
    identity_service.clock.advance(timedelta(minutes=10))  # 35 minutes after login, 10 after the last use
    assert set(await refresh(used=(None, facts), unused=(None, facts))) == {"used"}, "the unused one idled out"
    assert (await identity_service.resolve(used["token"])).status_code == 200
    assert (await identity_service.resolve(unused["token"])).status_code == 401

    conn = await identity_service.db()
    try:
        await conn.execute("UPDATE patients SET first_contact_done = false WHERE id = $1", patient_id)
    finally:
        await conn.close()
    changed = (await refresh(used=(None, facts)))["used"]
    assert changed["facts"] != facts
    assert changed["session"]["restrictions"] == [FIRST_CONTACT_BY_PHONE], "changed facts are sent in full"


async def test_a_refresh_of_the_most_sessions_it_takes_fits_in_a_body(identity_service: Identity) -> None:
    """The gateway sends 300 at a time, each with a use and a fingerprint: that fits identity's body limit; 301
    are refused."""
    moment = identity_service.clock.now().isoformat()
    most = [{"id": str(uuid.uuid4()), "used_at": moment, "facts": "f" * 32} for _ in range(300)]
    answer = await identity_service.client.post("/internal/sessions/refresh", json={"sessions": most})
    assert answer.status_code == 200, answer.text
    assert answer.json() == {"sessions": []}
    more = await identity_service.client.post("/internal/sessions/refresh", json={"sessions": [*most, most[0]]})
    assert more.status_code == 422


async def test_a_made_up_token_is_refused(identity_service: Identity) -> None:
    assert (await identity_service.resolve("x" * 43)).status_code == 401


async def test_only_a_hash_of_the_token_is_stored(identity_service: Identity) -> None:
    national_id, _ = await identity_service.patient()
    session = await identity_service.login(national_id)
    conn = await identity_service.db()
    try:
        stored = await conn.fetchval("SELECT count(*) FROM sessions WHERE token_digest = $1",
                                     session["token"].encode())
        by_id = await conn.fetchrow("SELECT * FROM sessions WHERE id = $1", uuid.UUID(session["session_id"]))
    finally:
        await conn.close()
    assert stored == 0
    assert session["token"] not in str(dict(by_id))


async def test_restrictions_are_told_after_login(identity_service: Identity) -> None:
    fine, _ = await identity_service.patient()
    newcomer, _ = await identity_service.patient(first_contact_done=False)
    assert (await identity_service.resolve((await identity_service.login(fine))["token"])).json()[
        "restrictions"] == []
    found = (await identity_service.resolve((await identity_service.login(newcomer))["token"])).json()
    assert found["restrictions"] == [FIRST_CONTACT_BY_PHONE]


async def test_a_patient_without_mobile_gets_no_code_and_reception_sees_why(identity_service: Identity) -> None:
    national_id, _ = await identity_service.patient(mobile=None)
    started = (await identity_service.start(national_id)).json()
    # A code was drawn (the same work as for anyone) but never sent, and it cannot open a session.
    answer = await identity_service.verify(started["challenge_id"], identity_service.codes[-1])
    assert answer.status_code == 401
    from identity.domain.access import restrictions
    assert NO_MOBILE in restrictions(national_id=national_id, mobile=None, first_contact_done=True,
                                     has_unsettled_claims=False, allow_test_identities=True)


async def test_reception_marking_first_contact_lifts_the_restriction(identity_service: Identity) -> None:
    national_id, patient_id = await identity_service.patient(first_contact_done=False)
    token = (await identity_service.login(national_id))["token"]
    changed = await identity_service.client.patch(f"/internal/patients/{patient_id}",
                                                  json={"first_contact_done": True})
    assert changed.status_code == 200
    assert (await identity_service.resolve(token)).json()["restrictions"] == []


async def test_unsettled_claims_come_from_billing_events(identity_service: Identity, stack_env: object) -> None:
    national_id, patient_id = await identity_service.patient()
    token = (await identity_service.login(national_id))["token"]
    settings = identity_service.client._transport.app.state.runtime.settings  # type: ignore[attr-defined]
    at = datetime(2026, 3, 2, 11, 0, tzinfo=UTC)

    async def claims(has: bool, changed_at: datetime) -> None:
        event = ClaimsStatusChanged(patient_id=patient_id, has_unsettled_claims=has, changed_at=changed_at)
        envelope = Envelope.wrap(event, occurred_at=changed_at, correlation_id="test-claims")
        await produce(settings, envelope.model_dump_json().encode(), key=str(patient_id).encode(), topic=event.topic)

    async def restrictions_now() -> list[str]:
        found: list[str] = (await identity_service.resolve(token)).json()["restrictions"]
        return found

    async def until(expected: list[str]) -> None:
        async def now_so() -> bool:
            return await restrictions_now() == expected
        await eventually(now_so, f"the restrictions to become {expected}")

    await claims(True, at)
    await until([UNPAID_CLAIMS])
    await claims(False, at - timedelta(hours=1))  # older news, arriving late: ignored
    await claims(True, at + timedelta(minutes=1))  # a marker that the late one has been processed
    await until([UNPAID_CLAIMS])
    await claims(False, at + timedelta(hours=1))
    await until([])


async def test_staff_log_in_with_argon2_passwords(identity_service: Identity) -> None:
    username = f"lege{uuid.uuid4().hex[:8]}"
    made = await identity_service.client.post("/internal/staff", json={
        "username": username, "name": "Dr. Test", "role": "doctor", "password": "riktig-passord-2026"})
    assert made.status_code == 201, made.text
    conn = await identity_service.db()
    try:
        stored = await conn.fetchval("SELECT password_hash FROM staff WHERE username = $1", username)
    finally:
        await conn.close()
    assert stored.startswith("$argon2id$")
    wrong = await identity_service.client.post("/internal/staff/login", json={
        "username": username, "password": "feil-passord", "address": identity_service.address})
    assert (wrong.status_code, wrong.json()["code"]) == (401, "auth.invalid_credentials")
    unknown = await identity_service.client.post("/internal/staff/login", json={
        "username": "ingen-slik", "password": "feil-passord", "address": identity_service.address})
    assert unknown.json() | {"instance": None} == wrong.json() | {"instance": None}
    right = await identity_service.client.post("/internal/staff/login", json={
        "username": username.upper(), "password": "riktig-passord-2026", "address": identity_service.address})
    assert right.status_code == 200
    assert right.json()["staff"]["role"] == "doctor"
    found = (await identity_service.resolve(right.json()["token"])).json()
    assert (found["kind"], found["role"], found["name"]) == ("staff", "doctor", "Dr. Test")


async def test_a_weak_password_or_bad_username_is_refused(identity_service: Identity) -> None:
    weak = await identity_service.client.post("/internal/staff", json={
        "username": "kortpassord", "name": "X", "role": "billing", "password": "kort"})
    assert (weak.status_code, weak.json()["code"]) == (422, "validation.password")
    bad = await identity_service.client.post("/internal/staff", json={
        "username": "Med Mellomrom", "name": "X", "role": "billing", "password": "langt-nok-passord"})
    assert (bad.status_code, bad.json()["code"]) == (422, "validation.username")
