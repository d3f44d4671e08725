"""Sessions as the gateway sees them: who is calling, and what may they do now.

Resolving a token is one statement (adapters/sessions.py); what comes back is what the gateway needs to
authorise a request without asking anyone else: the role, a patient's GP, and the access rules that fail.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

import asyncpg

from contracts import events
from identity.adapters.guardians import Guardians
from identity.adapters.sessions import Sessions
from identity.domain.access import restrictions
from identity.domain.errors import SessionEnded
from identity.domain.guardianship import ChildOfAge, NotGuardian
from identity.domain.session import token_digest
from identity.handlers.guardians import ActingFor, acting_for, removed
from identity.handlers.idporten import end_session_url
from identity.handlers.login import policy
from kit.db import transaction
from kit.runtime import ServiceRuntime


@dataclass(frozen=True)
class ActiveSession:
    session_id: uuid.UUID
    kind: str
    subject_id: uuid.UUID
    role: str
    name: str | None
    gp_id: uuid.UUID | None
    gp_name: str | None
    restrictions: tuple[str, ...]
    expires_at: datetime
    idle_expires_at: datetime
    method: str  # how the session began: sms, idporten, password
    acr: str | None
    language: str | None = None  # a patient's; staff read the portal in the language of their browser
    guardian_id: uuid.UUID | None = None  # the person logged in is some child's guardian
    acting_for: ActingFor | None = None  # the child every patient route acts for now


async def resolve_session(runtime: ServiceRuntime, token: str) -> ActiveSession:
    """The live session behind `token` (and it is marked as used), or 401 auth.required."""
    now = runtime.clock.now()
    # One statement (find, mark as used, join the facts): atomic on its own, so no BEGIN/COMMIT round trips
    # on the path of every request.
    async with runtime.pool.acquire() as conn:
        row = await Sessions(conn).resolve(token_digest(token), now, policy(runtime).lifetimes.idle)
        if row is None or not row["active"]:
            raise SessionEnded()
        return await _active(runtime, conn, row, now, seen_at=now)


@dataclass(frozen=True)
class RefreshedSession:
    session_id: uuid.UUID
    facts: str  # a fingerprint of what the session may do; the gateway sends back the one it holds
    expires_at: datetime
    idle_expires_at: datetime
    active: ActiveSession | None  # None: the facts are the ones the gateway holds (its fingerprint is `facts`)


async def refresh_sessions(runtime: ServiceRuntime, kept: dict[uuid.UUID, tuple[datetime | None, str | None]]
                           ) -> list[RefreshedSession]:
    """A gateway's sessions in one go (`kept`: each session's last use there since the last refresh, or None, and
    the fingerprint of the facts it holds): those still live, each marked as used at that moment, with their
    facts in full where they differ from the gateway's, else only their ends. What is not in the answer has ended:
    the gateway forgets it. One statement for them all, so a gateway keeps thousands of sessions fresh for the
    cost of a few requests."""
    now = runtime.clock.now()
    ids = list(kept)
    idle = policy(runtime).lifetimes.idle
    found: list[RefreshedSession] = []
    async with runtime.pool.acquire() as conn:
        for row in await Sessions(conn).refresh(ids, [kept[i][0] for i in ids], now, idle):
            if not row["active"]:
                continue
            same = row["facts"] == kept[row["id"]][1] and row["acting_for"] is None
            active = None if same else await _active(runtime, conn, row, now, seen_at=row["seen_at"])
            found.append(RefreshedSession(row["id"], row["facts"], row["expires_at"],
                                          min(row["expires_at"], row["seen_at"] + idle), active))
    return found


async def _active(runtime: ServiceRuntime, conn: asyncpg.Connection, row: asyncpg.Record, now: datetime, *,
                  seen_at: datetime) -> ActiveSession:
    # The child is looked up again on every check: the age rule and the link itself hold at this moment (the
    # access ends by itself on the 16th birthday, and at once when reception removes the guardian).
    child = (await Guardians(conn).child(row["guardian_id"], row["acting_for"])
             if row["acting_for"] and row["guardian_id"] else None)
    acting = None
    if row["acting_for"]:
        acting = (acting_for(child, now, allow_test_identities=runtime.settings.allows_test_identities) if child
                  else removed(row["acting_for"]))
    found: tuple[str, ...] = ()
    if row["kind"] == "patient":
        found = restrictions(national_id=row["national_id"], mobile=row["mobile"],
                             first_contact_done=bool(row["first_contact_done"]),
                             has_unsettled_claims=bool(row["has_unsettled_claims"]),
                             allow_test_identities=runtime.settings.allows_test_identities)
    return ActiveSession(row["id"], row["kind"], row["subject_id"], row["role"], row["name"], row["gp_id"],
                         row["gp_name"], found, row["expires_at"],
                         min(row["expires_at"], seen_at + policy(runtime).lifetimes.idle), row["method"], row["acr"],
                         row["language"], row["guardian_id"], acting)


@dataclass(frozen=True)
class EndedSession:
    method: str | None  # None: there was no live session behind the token
    end_session_url: str | None  # an ID-porten login: where the browser ends its ID-porten session too


async def end_session(runtime: ServiceRuntime, token: str) -> EndedSession:
    """Logout: the token is dead on the server at once, whoever still holds it; SessionEnded tells every gateway
    to forget it (each keeps a session it checked for a few seconds). A session from ID-porten also says where to
    send the browser to log out of ID-porten (domain-rules: "ends our session and then ID-porten's"); the ID
    token kept for it is cleared in the same statement."""
    now = runtime.clock.now()
    async with transaction(runtime.pool) as conn:
        ended = await Sessions(conn).end(token_digest(token), now)
        if ended is not None:
            await runtime.outbox.add(conn, events.SessionEnded(
                session_id=ended["id"], subject_id=ended["subject_id"], ended_at=now))
    if ended is None:
        return EndedSession(None, None)
    hint = ended["id_token_hint"]
    url = await end_session_url(runtime, hint) if hint and runtime.state.get("idporten") else None
    return EndedSession(ended["method"], url)


async def end_sessions_of(runtime: ServiceRuntime, subject_id: uuid.UUID) -> int:
    """Every session of a patient or staff member (an account closed, a phone lost)."""
    now = runtime.clock.now()
    async with transaction(runtime.pool) as conn:
        ended = await Sessions(conn).end_all_of(subject_id, now)
        if ended:
            await runtime.outbox.add_many(conn, [events.SessionEnded(session_id=session_id, subject_id=subject_id,
                                                                     ended_at=now) for session_id in ended])
    return len(ended)


async def act_for(runtime: ServiceRuntime, token: str, child_id: uuid.UUID | None) -> ActingFor | None:
    """Switch the session to act for `child_id` (None: back to oneself). 403 proxy.not_guardian for someone who is
    not the session's child, 403 proxy.child_of_age from the child's 16th birthday. SessionActingForChanged tells
    every gateway to forget the session it keeps, so the next request anywhere acts for the child chosen now."""
    now = runtime.clock.now()
    async with transaction(runtime.pool) as conn:
        sessions = Sessions(conn)
        session = await sessions.live(token_digest(token), now, policy(runtime).lifetimes.idle)
        if session is None:
            raise SessionEnded()
        chosen: ActingFor | None = None
        if child_id is not None:
            guardian_id = session["guardian_id"]
            child = await Guardians(conn).child(guardian_id, child_id) if guardian_id else None
            if child is None:
                raise NotGuardian()
            chosen = acting_for(child, now, allow_test_identities=runtime.settings.allows_test_identities)
            if chosen.scope is None:
                raise ChildOfAge()
        await sessions.act_for(token_digest(token), child_id)
        await runtime.outbox.add(conn, events.SessionActingForChanged(
            session_id=session["id"], subject_id=session["subject_id"], changed_at=now))
    return chosen
