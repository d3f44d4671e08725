"""Staff login under attack (issue 14, items 2 and 3): wrong passwords slow the addresses that guess, never lock
the owner out; every refusal is on record and counted; no pooled connection waits on argon2, whose work is
bounded so it cannot starve the session checks every patient's request makes."""

from __future__ import annotations

import asyncio
import threading
import uuid
from datetime import timedelta
from typing import Any

import httpx
import pytest
from prometheus_client import REGISTRY

from identity.domain.staff import Passwords
from services.identity.tests.conftest import Identity
from tests.support.eventually import eventually

pytestmark = pytest.mark.stack

RIGHT = "riktig-passord-2026"


async def a_doctor(identity: Identity) -> str:
    username = f"lege{uuid.uuid4().hex[:8]}"  # guessable, as the clinic's are (lege1, lege2, ...)
    made = await identity.client.post("/internal/staff", json={
        "username": username, "name": "Dr. Test", "role": "doctor", "password": RIGHT})
    assert made.status_code == 201, made.text
    return username


async def log_in(identity: Identity, username: str, password: str, address: str) -> httpx.Response:
    return await identity.client.post("/internal/staff/login", json={
        "username": username, "password": password, "address": address})


def an_address() -> str:
    return f"203.0.{uuid.uuid4().int % 256}.{uuid.uuid4().int % 254 + 1}"


def refusals(reason: str) -> float:
    return REGISTRY.get_sample_value("eportal_login_refusals_total", {"kind": "staff", "reason": reason}) or 0.0


async def test_wrong_passwords_from_five_addresses_do_not_lock_the_doctor_out(identity_service: Identity) -> None:
    """Five requests once locked any doctor out for 15 minutes: the right password from a sixth address got 429."""
    username = await a_doctor(identity_service)
    for _ in range(5):
        assert (await log_in(identity_service, username, "gjett", an_address())).status_code == 401
    assert (await log_in(identity_service, username, RIGHT, an_address())).status_code == 200


async def test_one_address_guessing_waits_longer_after_every_wrong_password(identity_service: Identity) -> None:
    username, guesser = await a_doctor(identity_service), an_address()
    for _ in range(5):  # the owner's own typing errors are free, five of them
        assert (await log_in(identity_service, username, "gjett", guesser)).status_code == 401
    waits = []
    for _ in range(4):
        held = await log_in(identity_service, username, RIGHT, guesser)  # even the right password waits here
        assert (held.status_code, held.json()["code"]) == (429, "auth.rate_limited")
        assert held.headers["retry-after"] == str(held.json()["retry_after"])
        waits.append(held.json()["retry_after"])
        identity_service.clock.advance(timedelta(seconds=held.json()["retry_after"]))
        assert (await log_in(identity_service, username, "gjett", guesser)).status_code == 401
    assert waits == [1, 2, 4, 8]  # doubling, up to 15 minutes
    identity_service.clock.advance(timedelta(seconds=16))
    assert (await log_in(identity_service, username, RIGHT, guesser)).status_code == 200
    # A right password starts the count over at that address.
    assert (await log_in(identity_service, username, "gjett", guesser)).status_code == 401


async def test_the_owner_is_not_held_up_by_an_attack_from_elsewhere(identity_service: Identity) -> None:
    username = await a_doctor(identity_service)
    office, home = an_address(), an_address()
    assert (await log_in(identity_service, username, RIGHT, office)).status_code == 200  # the office is known now
    attackers = [an_address() for _ in range(12)]
    for address in attackers:
        assert (await log_in(identity_service, username, "gjett", address)).status_code == 401
    # The account is under attack: an address that guesses wrong once more waits before its next try...
    assert (await log_in(identity_service, username, "gjett", attackers[0])).status_code == 429
    newcomer = an_address()
    assert (await log_in(identity_service, username, "gjett", newcomer)).status_code == 401
    assert (await log_in(identity_service, username, RIGHT, newcomer)).status_code == 429  # no free tries now
    # ...but the owner gets in from the office, and with the right password from an address that has not guessed.
    assert (await log_in(identity_service, username, RIGHT, office)).status_code == 200
    assert (await log_in(identity_service, username, RIGHT, home)).status_code == 200


async def test_one_address_spraying_many_usernames_waits(identity_service: Identity) -> None:
    sprayer = an_address()
    for n in range(20):
        assert (await log_in(identity_service, f"lege{n}{uuid.uuid4().hex[:4]}", "gjett", sprayer)).status_code == 401
    sprayed = await log_in(identity_service, await a_doctor(identity_service), RIGHT, sprayer)
    assert (sprayed.status_code, sprayed.json()["code"]) == (429, "auth.rate_limited")


async def test_parallel_guesses_from_one_address_count_one_by_one(identity_service: Identity) -> None:
    """The attempt is on record (pending) before its password is checked: twelve at once are five checks and seven
    refusals, though no connection is held while argon2 runs."""
    username, guesser = await a_doctor(identity_service), an_address()
    answers = await asyncio.gather(*(log_in(identity_service, username, "gjett", guesser) for _ in range(12)))
    assert sorted(a.status_code for a in answers) == [401] * 5 + [429] * 7


async def test_every_refusal_is_on_record_and_counted(identity_service: Identity) -> None:
    username, guesser = await a_doctor(identity_service), an_address()
    before = {r: refusals(r) for r in ("wrong_password", "unknown_username", "throttled")}
    for _ in range(5):
        await log_in(identity_service, username, "gjett", guesser)
    await log_in(identity_service, username, "gjett", guesser)  # throttled
    await log_in(identity_service, "ingen-slik-bruker", "gjett", an_address())
    assert {r: refusals(r) - before[r] for r in before} == {"wrong_password": 5, "unknown_username": 1,
                                                            "throttled": 1}
    policy = identity_service.runtime.state["login"]
    conn = await identity_service.db()
    try:
        outcomes = [r["outcome"] for r in await conn.fetch(
            "SELECT outcome FROM staff_login_attempts WHERE username_digest = $1 ORDER BY id",
            policy.secret.digest("username", username))]
    finally:
        await conn.close()
    assert outcomes == ["wrong_password"] * 5 + ["throttled"]


class BlockedHashing:
    """argon2 held mid-check until released, counting the checks that reach it and with which hash."""

    def __init__(self, passwords: Passwords, monkeypatch: pytest.MonkeyPatch) -> None:
        self.release = threading.Event()
        self.hashes: list[str | None] = []
        real = passwords.verify

        def verify(password_hash: str | None, password: str) -> bool:
            self.hashes.append(password_hash)
            self.release.wait(timeout=120)
            return real(password_hash, password)

        monkeypatch.setattr(passwords, "verify", verify)


async def test_no_connection_waits_on_argon2_and_hashing_cannot_starve_session_checks(
        identity_service: Identity, monkeypatch: pytest.MonkeyPatch) -> None:
    """24 parallel staff logins once held identity's pool (10) while argon2 ran, and a patient's /me waited six
    seconds. Here more logins than the pool has connections wait in argon2, and a session still resolves."""
    national_id, _ = await identity_service.patient()
    session = await identity_service.login(national_id)
    policy = identity_service.runtime.state["login"]
    pool_size = identity_service.runtime.settings.db_pool_max
    blocked = BlockedHashing(policy.passwords, monkeypatch)
    username = await a_doctor(identity_service)  # hashed before the block: add_staff hashes, never verifies
    logins = [asyncio.create_task(log_in(identity_service, name, "gjett", an_address()))
              for name in [username] * 6 + [f"ukjent{n}" for n in range(pool_size)]]
    try:
        async def all_in_hashing() -> bool:
            return (policy.hashing.running, policy.hashing.waiting) == (policy.hashing.slots,
                                                                        len(logins) - policy.hashing.slots)
        await eventually(all_in_hashing, "every login waiting on argon2", pause=0.05)
        resolved = await identity_service.resolve(session["token"])  # would wait for a free connection before
        assert resolved.status_code == 200
        assert (policy.hashing.running, policy.hashing.waiting) == (policy.hashing.slots,
                                                                    len(logins) - policy.hashing.slots)
    finally:
        blocked.release.set()
    answers: list[Any] = await asyncio.gather(*logins)
    assert {a.status_code for a in answers} == {401}
    # Unknown usernames cost what known ones do: every one of them was checked, against the decoy hash.
    assert len(blocked.hashes) == len(logins)
    assert blocked.hashes.count(None) == pool_size


def test_new_passwords_get_owasps_argon2id_and_those_hashed_before_still_verify() -> None:
    """The hashing parameters went down to OWASP's argon2id configuration (19 MiB, so two checks at once keep
    identity under 150 MB); a password hashed with RFC 9106's 64 MiB profile before carries its own parameters
    and still verifies."""
    from argon2 import PasswordHasher

    from identity.settings import IdentitySettings
    fields = IdentitySettings.model_fields
    now = PasswordHasher(time_cost=fields["argon2_time_cost"].default, memory_cost=fields["argon2_memory_kib"].default,
                         parallelism=fields["argon2_parallelism"].default)
    assert now.hash(RIGHT).startswith("$argon2id$v=19$m=19456,t=2,p=1$")
    before = PasswordHasher(time_cost=3, memory_cost=65536, parallelism=4).hash(RIGHT)
    assert Passwords(now).verify(before, RIGHT)
    assert not Passwords(now).verify(before, "feil-passord-2026")
