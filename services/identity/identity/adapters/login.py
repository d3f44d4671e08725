"""Login challenges and staff login attempts in PostgreSQL: what the rate limits count."""

from __future__ import annotations

import uuid
from datetime import datetime

import asyncpg

from identity.domain.login import Challenge
from identity.domain.login_throttle import Failures, LoginHistory


class Challenges:
    def __init__(self, conn: asyncpg.Connection) -> None:
        self._conn = conn

    async def lock_counts(self, *digests: bytes) -> None:
        """Serialise login starts for one ID and one address, so concurrent starts cannot overrun a limit."""
        for digest in sorted(digests):
            await self._conn.execute("SELECT pg_advisory_xact_lock(hashtextextended(encode($1, 'hex'), 7))", digest)

    async def started_since(self, *, id_digest: bytes, address_digest: bytes, id_since: datetime,
                            address_since: datetime) -> tuple[int, int]:
        row = await self._conn.fetchrow(
            """SELECT (SELECT count(*) FROM login_challenges WHERE id_digest = $1 AND created_at > $2) AS by_id,
                      (SELECT count(*) FROM login_challenges WHERE address_digest = $3 AND created_at > $4)
                      AS by_address""",
            id_digest, id_since, address_digest, address_since)
        return int(row["by_id"]), int(row["by_address"])

    async def free_again_at(self, *, id_digest: bytes, address_digest: bytes, id_since: datetime,
                            address_since: datetime, id_limit: int, address_limit: int) -> tuple[datetime | None,
                                                                                                 datetime | None]:
        """The starts that hold each limit full: the `limit`-th newest for this ID and for this address. Once
        it leaves its window, a start is allowed again (None where the limit is not full)."""
        row = await self._conn.fetchrow(
            """SELECT (SELECT created_at FROM login_challenges WHERE id_digest = $1 AND created_at > $2
                       ORDER BY created_at DESC OFFSET $5 - 1 LIMIT 1) AS by_id,
                      (SELECT created_at FROM login_challenges WHERE address_digest = $3 AND created_at > $4
                       ORDER BY created_at DESC OFFSET $6 - 1 LIMIT 1) AS by_address""",
            id_digest, id_since, address_digest, address_since, id_limit, address_limit)
        return row["by_id"], row["by_address"]

    async def add(self, *, challenge_id: uuid.UUID, id_digest: bytes, address_digest: bytes,
                  patient_id: uuid.UUID | None, code_digest: bytes, created_at: datetime,
                  expires_at: datetime, guardian_id: uuid.UUID | None = None) -> None:
        await self._conn.execute(
            """INSERT INTO login_challenges (id, id_digest, address_digest, patient_id, code_digest, created_at,
                                             expires_at, guardian_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)""",
            challenge_id, id_digest, address_digest, patient_id, code_digest, created_at, expires_at, guardian_id)

    async def get_for_update(self, challenge_id: uuid.UUID) -> Challenge | None:
        row = await self._conn.fetchrow(
            """SELECT id, patient_id, guardian_id, code_digest, expires_at, attempts, used_at FROM login_challenges
               WHERE id = $1 FOR UPDATE""", challenge_id)
        return Challenge(**dict(row)) if row else None

    async def count_wrong_try(self, challenge_id: uuid.UUID) -> int:
        attempts: int = await self._conn.fetchval(
            "UPDATE login_challenges SET attempts = attempts + 1 WHERE id = $1 RETURNING attempts", challenge_id)
        return attempts

    async def use(self, challenge_id: uuid.UUID, at: datetime) -> None:
        await self._conn.execute("UPDATE login_challenges SET used_at = $2 WHERE id = $1", challenge_id, at)


class StaffAttempts:
    """Every staff login attempt with its outcome (the audit of failed logins), and what the throttle counts."""

    def __init__(self, conn: asyncpg.Connection) -> None:
        self._conn = conn

    async def history(self, *, username_digest: bytes, address_digest: bytes, since: datetime,
                      known_since: datetime) -> LoginHistory:
        """Wrong passwords since `since` (a pending check counts as one; a throttled attempt does not): for this
        username from this address after its last success there, from this address, and for this username from
        addresses it has not logged in from since `known_since`."""
        row = await self._conn.fetchrow(
            """WITH known AS (SELECT address_digest FROM staff_known_addresses
                              WHERE username_digest = $1 AND last_login_at > $4),
                    last_success AS (SELECT max(at) AS at FROM staff_login_attempts
                                     WHERE username_digest = $1 AND address_digest = $2 AND succeeded),
                    failed AS (SELECT username_digest = $1 AS mine, address_digest = $2 AS here, address_digest, at
                               FROM staff_login_attempts
                               WHERE (username_digest = $1 OR address_digest = $2) AND at > $3 AND NOT succeeded
                                 AND (outcome IS NULL OR outcome NOT IN ('throttled', 'busy')))
               SELECT count(*) FILTER (WHERE mine AND here AND at > coalesce((SELECT at FROM last_success),
                                                                           '-infinity')) AS pair,
                      max(at) FILTER (WHERE mine AND here) AS pair_last,
                      count(*) FILTER (WHERE here) AS address,
                      max(at) FILTER (WHERE here) AS address_last,
                      count(*) FILTER (WHERE mine AND address_digest NOT IN (SELECT address_digest FROM known))
                          AS from_unknown,
                      EXISTS (SELECT 1 FROM known WHERE address_digest = $2) AS known_address
               FROM failed""",
            username_digest, address_digest, since, known_since)
        return LoginHistory(pair=Failures(int(row["pair"]), row["pair_last"]),
                            address=Failures(int(row["address"]), row["address_last"]),
                            from_unknown_addresses=int(row["from_unknown"]), known_address=bool(row["known_address"]))

    async def add(self, *, username_digest: bytes, address_digest: bytes, at: datetime, outcome: str) -> int:
        attempt_id: int = await self._conn.fetchval(
            """INSERT INTO staff_login_attempts (username_digest, address_digest, at, succeeded, outcome)
               VALUES ($1, $2, $3, $4, $5) RETURNING id""",
            username_digest, address_digest, at, outcome == "success", outcome)
        return attempt_id

    async def settle(self, attempt_id: int, outcome: str) -> None:
        """A pending attempt's outcome, once its password has been checked."""
        await self._conn.execute(
            "UPDATE staff_login_attempts SET outcome = $2, succeeded = $3 WHERE id = $1",
            attempt_id, outcome, outcome == "success")

    async def remember_address(self, *, username_digest: bytes, address_digest: bytes, at: datetime) -> None:
        await self._conn.execute(
            """INSERT INTO staff_known_addresses (username_digest, address_digest, last_login_at) VALUES ($1, $2, $3)
               ON CONFLICT (username_digest, address_digest) DO UPDATE SET last_login_at = EXCLUDED.last_login_at""",
            username_digest, address_digest, at)
