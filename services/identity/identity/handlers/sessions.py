"""Sessions as the gateway sees them: who is calling, and what may they do now.

Resolving a token is one statement (adapters/sessions.py); what comes back is what the gateway needs to
authorise a request without asking anyone else: the role, a patient's GP, and the access rules that fail.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from contracts import events
from identity.adapters.sessions import Sessions
from identity.domain.access import restrictions
from identity.domain.errors import SessionEnded
from identity.domain.session import token_digest
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


async def resolve_session(runtime: ServiceRuntime, token: str) -> ActiveSession:
    """The live session behind `token` (and it is marked as used), or 401 auth.required."""
    rules = policy(runtime)
    now = runtime.clock.now()
    # One statement (find, mark as used, join the facts): atomic on its own, so no BEGIN/COMMIT round trips
    # on the path of every request.
    async with runtime.pool.acquire() as conn:
        row = await Sessions(conn).resolve(token_digest(token), now, rules.lifetimes.idle)
    if row is None or not row["active"]:
        raise SessionEnded()
    found: tuple[str, ...] = ()
    if row["kind"] == "patient":
        found = restrictions(national_id=row["national_id"], mobile=row["mobile"],
                             first_contact_done=bool(row["first_contact_done"]),
                             has_unsettled_claims=bool(row["has_unsettled_claims"]),
                             allow_test_identities=runtime.settings.allows_test_identities)
    return ActiveSession(row["id"], row["kind"], row["subject_id"], row["role"], row["name"], row["gp_id"],
                         row["gp_name"], found, row["expires_at"],
                         min(row["expires_at"], now + rules.lifetimes.idle), row["method"], row["acr"],
                         row["language"])


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
