"""Login challenges and staff login attempts in PostgreSQL: what the rate limits count."""

from __future__ import annotations

import uuid
from datetime import datetime

import asyncpg

from identity.domain.login import Challenge


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
                  expires_at: datetime) -> None:
        await self._conn.execute(
            """INSERT INTO login_challenges (id, id_digest, address_digest, patient_id, code_digest, created_at,
                                             expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7)""",
            challenge_id, id_digest, address_digest, patient_id, code_digest, created_at, expires_at)

    async def get_for_update(self, challenge_id: uuid.UUID) -> Challenge | None:
        row = await self._conn.fetchrow(
            """SELECT id, patient_id, code_digest, expires_at, attempts, used_at FROM login_challenges
               WHERE id = $1 FOR UPDATE""", challenge_id)
        return Challenge(**dict(row)) if row else None

    async def count_wrong_try(self, challenge_id: uuid.UUID) -> int:
        attempts: int = await self._conn.fetchval(
            "UPDATE login_challenges SET attempts = attempts + 1 WHERE id = $1 RETURNING attempts", challenge_id)
        return attempts

    async def use(self, challenge_id: uuid.UUID, at: datetime) -> None:
        await self._conn.execute("UPDATE login_challenges SET used_at = $2 WHERE id = $1", challenge_id, at)


class StaffAttempts:
    def __init__(self, conn: asyncpg.Connection) -> None:
        self._conn = conn

    async def recent(self, *, username_digest: bytes, address_digest: bytes, since: datetime) -> tuple[int, int]:
        """Failed logins for this username, and all logins from this address, since `since`."""
        row = await self._conn.fetchrow(
            """SELECT (SELECT count(*) FROM staff_login_attempts
                       WHERE username_digest = $1 AND at > $3 AND NOT succeeded) AS failures,
                      (SELECT count(*) FROM staff_login_attempts
                       WHERE address_digest = $2 AND at > $3) AS by_address""",
            username_digest, address_digest, since)
        return int(row["failures"]), int(row["by_address"])

    async def add(self, *, username_digest: bytes, address_digest: bytes, at: datetime, succeeded: bool) -> None:
        await self._conn.execute(
            """INSERT INTO staff_login_attempts (username_digest, address_digest, at, succeeded)
               VALUES ($1, $2, $3, $4)""", username_digest, address_digest, at, succeeded)
