"""Sessions in PostgreSQL. Resolving one is a single statement: it finds the live session, marks it seen
(at most every few seconds, so a busy session does not write on every request), and joins what the
gateway needs to decide: the role, the patient's GP and the facts behind the access rules."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

import asyncpg

# A session's last_seen_at is written when it is older than this: the idle timeout is 30 minutes, so
# being up to 15 seconds late on it changes nothing, and reads stay reads.
TOUCH_AFTER = timedelta(seconds=15)


# What the gateway needs to decide, joined to the live sessions (CTE `live`) by `resolve` and `refresh`.
_FACTS = """live.id, live.kind, live.subject_id, live.role, live.created_at, live.expires_at,
                      live.method, live.acr, live.guardian_id, live.acting_for,
                      coalesce(p.name, st.name, gd.name) AS name, p.gp_id, p.national_id, p.mobile,
                      p.first_contact_done, p.language,
                      coalesce(c.has_unsettled_claims, false) AS has_unsettled_claims,
                      (st.id IS NULL OR st.active) AS active, gp.name AS gp_name
               FROM live
               LEFT JOIN patients p ON live.kind = 'patient' AND p.id = live.subject_id
               LEFT JOIN staff st ON live.kind = 'staff' AND st.id = live.subject_id
               LEFT JOIN guardians gd ON live.kind = 'guardian' AND gd.id = live.subject_id
               LEFT JOIN staff gp ON gp.id = p.gp_id
               LEFT JOIN patient_claims c ON live.kind = 'patient' AND c.patient_id = live.subject_id"""


# Everything behind a session's facts that does not move with the clock: while it is the same, so is what the
# gateway keeps (a refresh then only renews the trust and the idle end). Whom a guardian acts for is not in it:
# the child's age moves with the clock, so those are answered in full every time.
_FINGERPRINTED = """live.kind, live.subject_id, live.role, live.expires_at, live.method, live.acr, live.guardian_id,
                      p.name, st.name, gd.name, p.gp_id, p.national_id, p.mobile, p.first_contact_done, p.language,
                      c.has_unsettled_claims, st.active, gp.name"""


class Sessions:
    def __init__(self, conn: asyncpg.Connection) -> None:
        self._conn = conn

    async def add(self, *, token_digest: bytes, session_id: uuid.UUID, kind: str, subject_id: uuid.UUID, role: str,
                  created_at: datetime, expires_at: datetime, method: str, acr: str | None = None,
                  id_token_hint: str | None = None, guardian_id: uuid.UUID | None = None) -> None:
        await self._conn.execute(
            """INSERT INTO sessions (token_digest, id, kind, subject_id, role, created_at, last_seen_at, expires_at,
                                     method, acr, id_token_hint, guardian_id)
               VALUES ($1, $2, $3, $4, $5, $6, $6, $7, $8, $9, $10, $11)""",
            token_digest, session_id, kind, subject_id, role, created_at, expires_at, method, acr, id_token_hint,
            guardian_id)

    async def resolve(self, token_digest: bytes, now: datetime, idle: timedelta) -> asyncpg.Record | None:
        return await self._conn.fetchrow(
            f"""WITH live AS (
                   SELECT * FROM sessions
                   WHERE token_digest = $1 AND ended_at IS NULL AND expires_at > $2
                     AND last_seen_at > $2::timestamptz - $3::interval),
               touched AS (
                   UPDATE sessions s SET last_seen_at = $2 FROM live
                   WHERE s.token_digest = live.token_digest AND live.last_seen_at < $2::timestamptz - $4::interval
                   RETURNING s.token_digest)  -- runs whether or not it is read (PostgreSQL's rule)
               SELECT {_FACTS}""",
            token_digest, now, idle, TOUCH_AFTER)

    async def refresh(self, ids: list[uuid.UUID], used_at: list[datetime | None], now: datetime,
                      idle: timedelta) -> list[asyncpg.Record]:
        """The live sessions among `ids`, with the same facts as `resolve` and a fingerprint of them (`facts`), in
        one statement; each one used since (its `used_at`, from a gateway that served it from memory) is marked seen
        at that moment, so its idle end is counted from its last use wherever it was served. A session not used
        meanwhile is not touched: it still ends 30 minutes after its last use."""
        rows: list[asyncpg.Record] = await self._conn.fetch(
            f"""WITH asked AS (
                   -- A use is never later than now (a gateway's clock ahead of ours); none: not used since.
                   SELECT id, CASE WHEN used_at IS NOT NULL THEN least(used_at, $3) END AS used_at
                   FROM unnest($1::uuid[], $2::timestamptz[]) AS a(id, used_at)),
               seen AS (
                   SELECT s.*, greatest(s.last_seen_at, a.used_at) AS seen_at  -- greatest() passes over a NULL
                   FROM sessions s JOIN asked a ON a.id = s.id),
               live AS (
                   SELECT * FROM seen
                   WHERE ended_at IS NULL AND expires_at > $3 AND seen_at > $3::timestamptz - $4::interval),
               touched AS (
                   UPDATE sessions s SET last_seen_at = live.seen_at FROM live
                   WHERE s.token_digest = live.token_digest AND live.seen_at > s.last_seen_at
                   RETURNING s.token_digest)  -- runs whether or not it is read (PostgreSQL's rule)
               SELECT live.seen_at, md5(row({_FINGERPRINTED})::text) AS facts, {_FACTS}""",
            ids, used_at, now, idle)
        return rows

    async def end_all_of(self, subject_id: uuid.UUID, at: datetime) -> list[uuid.UUID]:
        """End every live session of one patient or staff member (their ID tokens cleared with them); the ids of
        those ended now."""
        rows = await self._conn.fetch(
            """UPDATE sessions SET ended_at = $2, id_token_hint = NULL
               WHERE subject_id = $1 AND ended_at IS NULL RETURNING id""", subject_id, at)
        return [row["id"] for row in rows]
    async def live(self, token_digest: bytes, now: datetime, idle: timedelta) -> asyncpg.Record | None:
        """A live session, locked while the caller changes whom it acts for."""
        return await self._conn.fetchrow(
            """SELECT id, kind, subject_id, guardian_id, acting_for FROM sessions
               WHERE token_digest = $1 AND ended_at IS NULL AND expires_at > $2
                 AND last_seen_at > $2::timestamptz - $3::interval FOR UPDATE""", token_digest, now, idle)

    async def act_for(self, token_digest: bytes, child_id: uuid.UUID | None) -> None:
        await self._conn.execute("UPDATE sessions SET acting_for = $2 WHERE token_digest = $1", token_digest, child_id)

    async def end(self, token_digest: bytes, at: datetime) -> asyncpg.Record | None:
        """End a live session: its id, subject and method and, for an ID-porten login, the ID token kept for the
        provider's logout (cleared here in the same statement). None when there was no live session."""
        ended: asyncpg.Record | None = await self._conn.fetchrow(
            """WITH live AS (SELECT token_digest, id, subject_id, method, id_token_hint FROM sessions
                             WHERE token_digest = $1 AND ended_at IS NULL FOR UPDATE)
               UPDATE sessions s SET ended_at = $2, id_token_hint = NULL FROM live
               WHERE s.token_digest = live.token_digest
               RETURNING live.id, live.subject_id, live.method, live.id_token_hint""", token_digest, at)
        return ended
