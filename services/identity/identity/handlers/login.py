"""Logging in: patients by national ID and a code sent by SMS or through ID-porten, staff by username and
password. Every patient login ends in `complete_patient_login`, whatever the way in.

The answer to a login start is the same for every valid national ID, known or not, with a mobile or
without: the same statements run (a challenge row with a hashed code, always), the same body comes back,
and the answer waits out a common floor. Only a patient with a mobile gets the code (LoginCodeRequested
to notify, through the outbox, in the same transaction). Reasons a patient may not use the portal are
told after the code is verified.

Staff log in by password, throttled per address (domain/login_throttle.py). No database connection is held
while argon2 runs: the attempt is recorded as pending in one short transaction, the password checked on
identity's hashing threads (adapters/hashing.py), and the outcome written in another. Every refusal is counted
in `eportal_login_refusals_total` and logged with HMACs of the username and address, never the username itself
(a password typed into the wrong field would otherwise land in the log).
"""

from __future__ import annotations

import asyncio
import math
import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

import asyncpg
from prometheus_client import Counter

from contracts.events import LoginCodeRequested
from identity.adapters.guardians import Guardians
from identity.adapters.hashing import HashingPool
from identity.adapters.login import Challenges, StaffAttempts
from identity.adapters.patients import PatientRepository
from identity.adapters.sessions import Sessions
from identity.adapters.staff import StaffRepository
from identity.domain.errors import HashingBusy
from identity.domain.guardianship import ChildNeedsGuardian, may_log_in_alone
from identity.domain.login import (
    InvalidCode,
    InvalidNationalIdForLogin,
    LoginRateLimited,
    Secret,
    new_code,
)
from identity.domain.login_throttle import StaffLoginThrottled, ThrottleRules, ensure_may_try
from identity.domain.national_id import InvalidNationalId, parse_national_id
from identity.domain.session import Lifetimes, new_token, token_digest
from identity.domain.staff import InvalidCredentials, Passwords
from kit.db import transaction
from kit.errors import DomainError
from kit.logging import get_logger
from kit.runtime import ServiceRuntime

log = get_logger(__name__)
REFUSALS = Counter("eportal_login_refusals_total", "Logins refused, by kind (patient, staff) and reason",
                   ["kind", "reason"])
# Sessions opened by the way in (sms, idporten, password) and, through ID-porten, the level (acr).
LOGINS = Counter("eportal_logins_total", "Logins, by kind (patient, staff), the way in and the level of assurance",
                 ["kind", "method", "acr"])


@dataclass(frozen=True)
class LoginPolicy:
    secret: Secret
    passwords: Passwords
    code_ttl: timedelta
    max_attempts: int
    codes_per_id_per_hour: int
    starts_per_address: int
    address_window: timedelta
    staff_throttle: ThrottleRules
    staff_failure_window: timedelta  # how far back wrong passwords count
    known_address_kept: timedelta  # how long an address the owner logged in from stays known
    start_floor_seconds: float
    lifetimes: Lifetimes
    hashing: HashingPool


@dataclass(frozen=True)
class LoginStarted:
    challenge_id: uuid.UUID
    expires_at: datetime


@dataclass(frozen=True)
class SessionIssued:
    token: str
    session_id: uuid.UUID
    kind: str
    subject_id: uuid.UUID
    role: str
    expires_at: datetime  # the absolute end
    idle_expires_at: datetime
    method: str
    acr: str | None


def policy(runtime: ServiceRuntime) -> LoginPolicy:
    found: LoginPolicy = runtime.state["login"]
    return found


async def start_login(runtime: ServiceRuntime, national_id: str, address: str) -> LoginStarted:
    rules = policy(runtime)
    began = time.monotonic()
    try:
        nid = parse_national_id(national_id, allow_test_identities=runtime.settings.allows_test_identities)
    except InvalidNationalId as exc:
        record_refusal("patient", InvalidNationalIdForLogin.code)
        raise InvalidNationalIdForLogin() from exc
    now = runtime.clock.now()
    challenge_id, code = uuid.uuid4(), new_code()
    id_digest = rules.secret.digest("national_id", nid.value)
    address_digest = rules.secret.digest("address", address)
    expires_at = now + rules.code_ttl
    try:
        async with transaction(runtime.pool) as conn:
            challenges = Challenges(conn)
            await challenges.lock_counts(id_digest, address_digest)
            by_id, by_address = await challenges.started_since(
                id_digest=id_digest, address_digest=address_digest, id_since=now - timedelta(hours=1),
                address_since=now - rules.address_window)
            if by_id >= rules.codes_per_id_per_hour or by_address >= rules.starts_per_address:
                record_refusal("patient", LoginRateLimited.code)
                raise LoginRateLimited(retry_after_seconds=await _wait(challenges, rules, id_digest, address_digest,
                                                                       now))
            person, mobile = await login_person(conn, nid.value)
            await challenges.add(challenge_id=challenge_id, id_digest=id_digest, address_digest=address_digest,
                                 patient_id=person.patient_id if mobile else None,
                                 guardian_id=person.guardian_id if mobile else None,
                                 code_digest=rules.secret.code_digest(challenge_id, code),
                                 created_at=now, expires_at=expires_at)
            if mobile:
                # Whose login, when the code goes to the patient's own mobile (not to their number as a guardian).
                own = person.patient_id if person.texted_as_patient else None
                await runtime.outbox.add(conn, LoginCodeRequested(challenge_id=challenge_id, mobile=mobile, code=code,
                                                                  expires_at=expires_at, patient_id=own))
    finally:
        await asyncio.sleep(max(0.0, rules.start_floor_seconds - (time.monotonic() - began)))
    return LoginStarted(challenge_id, expires_at)


async def _wait(challenges: Challenges, rules: LoginPolicy, id_digest: bytes, address_digest: bytes,
                now: datetime) -> int:
    """Whole seconds until a login start is allowed again, so the patient is told how long to wait. The same
    for every ID: the limits count starts, known ID or not."""
    id_window, address_window = timedelta(hours=1), rules.address_window
    by_id, by_address = await challenges.free_again_at(
        id_digest=id_digest, address_digest=address_digest, id_since=now - id_window,
        address_since=now - address_window, id_limit=rules.codes_per_id_per_hour,
        address_limit=rules.starts_per_address)
    frees = [at + window for at, window in ((by_id, id_window), (by_address, address_window)) if at is not None]
    return max(1, math.ceil((max(frees, default=now) - now).total_seconds()))


async def verify_login(runtime: ServiceRuntime, challenge_id: uuid.UUID, code: str) -> SessionIssued:
    try:
        return await _verify_login(runtime, challenge_id, code)
    except DomainError as exc:  # a wrong, spent or expired code, or one tried too often
        record_refusal("patient", exc.code)
        raise


async def _verify_login(runtime: ServiceRuntime, challenge_id: uuid.UUID, code: str) -> SessionIssued:
    rules = policy(runtime)
    now = runtime.clock.now()
    refused: DomainError
    async with transaction(runtime.pool) as conn:
        challenges = Challenges(conn)
        challenge = await challenges.get_for_update(challenge_id)
        if challenge is None:
            rules.secret.code_digest(challenge_id, code)  # the same work as a wrong code
            raise InvalidCode()
        if challenge.check(rules.secret, code, now, rules.max_attempts):
            await challenges.use(challenge.id, now)
            person = LoginPerson(challenge.patient_id, challenge.guardian_id)
            try:
                return await complete_patient_login(conn, rules, now, person, LoginWay("sms"))
            except DomainError as exc:
                refused = exc  # told after the code, and the code is spent all the same: the transaction commits
        else:
            attempts = await challenges.count_wrong_try(challenge.id)
            refused = InvalidCode(attempts_left=max(0, rules.max_attempts - attempts))
    raise refused


async def staff_login(runtime: ServiceRuntime, username: str, password: str, address: str) -> SessionIssued:
    rules = policy(runtime)
    now = runtime.clock.now()
    name = username.strip().lower()
    username_digest = rules.secret.digest("username", name)
    address_digest = rules.secret.digest("address", address)
    async with transaction(runtime.pool) as conn:
        await Challenges(conn).lock_counts(username_digest, address_digest)
        attempts = StaffAttempts(conn)
        history = await attempts.history(username_digest=username_digest, address_digest=address_digest,
                                         since=now - rules.staff_failure_window,
                                         known_since=now - rules.known_address_kept)
        refusal: StaffLoginThrottled | None = None
        try:
            ensure_may_try(history, rules.staff_throttle, now)
        except StaffLoginThrottled as exc:
            refusal = exc
        # A pending attempt counts as a wrong password until it is settled: parallel guesses see each other.
        attempt = await attempts.add(username_digest=username_digest, address_digest=address_digest, at=now,
                                     outcome="throttled" if refusal else "pending")
        member = None if refusal else await StaffRepository(conn).by_username(name)
    if refusal is not None:
        record_refusal("staff", "throttled", username_digest, address_digest)
        raise refusal
    # No connection is held from here until the outcome is written: argon2 takes its time on threads of its own,
    # for an unknown username too (a decoy hash: the same cost, so the timing tells nothing).
    try:
        right = await rules.hashing.verify(member.password_hash if member else None, password)
    except HashingBusy:
        async with transaction(runtime.pool) as conn:
            await StaffAttempts(conn).settle(attempt, "busy")  # not the caller's failure: it counts for nothing
        record_refusal("staff", "busy", username_digest, address_digest)
        raise
    outcome = ("unknown_username" if member is None else "inactive" if right and not member.active
               else "success" if right else "wrong_password")
    async with transaction(runtime.pool) as conn:
        attempts = StaffAttempts(conn)
        await attempts.settle(attempt, outcome)
        if outcome == "success" and member is not None:
            await attempts.remember_address(username_digest=username_digest, address_digest=address_digest, at=now)
            return await _open_session(conn, rules, now, "staff", member.id, member.role, LoginWay("password"))
    record_refusal("staff", outcome, username_digest, address_digest)
    raise InvalidCredentials()


def record_refusal(kind: str, reason: str, username_digest: bytes | None = None, address_digest: bytes | None = None
             ) -> None:
    """Every refused login counted and logged: HMAC prefixes say which attempts belong together, and nothing else."""
    REFUSALS.labels(kind, reason.removeprefix("auth.")).inc()
    log.info("login_refused", kind=kind, refusal=reason,
             username=username_digest.hex()[:16] if username_digest else None,
             address=address_digest.hex()[:16] if address_digest else None)


@dataclass(frozen=True)
class LoginWay:
    """How the person proved who they are: recorded with the session (the login's record in the audit)."""
    method: Literal["sms", "idporten", "password"]
    acr: str | None = None  # ID-porten's level of assurance
    id_token_hint: str | None = None  # ID-porten's ID token, for its logout


@dataclass(frozen=True)
class LoginPerson:
    """Who a login is for: a patient, some child's guardian, or both (a patient who is also a parent)."""
    patient_id: uuid.UUID | None
    guardian_id: uuid.UUID | None
    texted_as_patient: bool = False  # the SMS code goes to the patient's own mobile (not one as a guardian)


async def login_person(conn: asyncpg.Connection, national_id: str) -> tuple[LoginPerson, str | None]:
    """The person behind a national ID and the mobile their code goes to: a patient's own, else the one reception
    registered with them as a guardian. Nobody (and no mobile) for an ID we do not know."""
    patient = await PatientRepository(conn, allow_test_identities=True).login_target(national_id)
    guardian = await Guardians(conn).login_target(national_id)
    own = patient[1] if patient else None
    mobile = own or (guardian[1] if guardian else None)
    return LoginPerson(patient[0] if patient else None, guardian[0] if guardian else None, bool(own)), mobile


async def complete_patient_login(conn: asyncpg.Connection, rules: LoginPolicy, now: datetime, person: LoginPerson,
                                 way: LoginWay) -> SessionIssued:
    """The one place a patient's or guardian's login is completed once we know who they are, by SMS code or by
    ID-porten: the prerequisites a login itself must meet, then a new session of the one kind every patient login
    gets (the same lifetimes; the gateway gives it the same cookie and CSRF token). Runs in the caller's
    transaction.

    A patient whose `access.*` rules fail may log in and read; the gateway refuses their new requests with the
    code (restrictions are worked out afresh on every request, handlers/sessions.py). The one rule that refuses
    the login itself: a child under 12 cannot log in alone (`access.child_needs_guardian`, domain-rules "Acting
    for a child"), whether or not a guardian is registered. A guardian who is not our patient gets a session
    of their own kind that may only act for their children."""
    if person.patient_id is not None:
        born = await PatientRepository(conn, allow_test_identities=True).birth_date(person.patient_id)
        if born is not None and not may_log_in_alone(born, now):
            raise ChildNeedsGuardian()
        return await _open_session(conn, rules, now, "patient", person.patient_id, "patient", way,
                                   guardian_id=person.guardian_id)
    if person.guardian_id is None:
        raise InvalidCode()
    return await _open_session(conn, rules, now, "guardian", person.guardian_id, "guardian", way,
                               guardian_id=person.guardian_id)


async def _open_session(conn: asyncpg.Connection, rules: LoginPolicy, now: datetime, kind: str, subject_id: uuid.UUID,
                        role: str, way: LoginWay, guardian_id: uuid.UUID | None = None) -> SessionIssued:
    token, session_id = new_token(), uuid.uuid4()
    expires_at = now + rules.lifetimes.absolute
    await Sessions(conn).add(token_digest=token_digest(token), session_id=session_id, kind=kind,
                             subject_id=subject_id, role=role, created_at=now, expires_at=expires_at,
                             method=way.method, acr=way.acr, id_token_hint=way.id_token_hint, guardian_id=guardian_id)
    LOGINS.labels(kind, way.method, way.acr or "").inc()
    return SessionIssued(token, session_id, kind, subject_id, role, expires_at, rules.lifetimes.ends(now, now),
                         way.method, way.acr)
