"""Logins through ID-porten under way, in the gateway's database (migrations/0002_idporten_logins.sql)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

import asyncpg


@dataclass(frozen=True)
class PendingLogin:
    state: str
    nonce: str
    code_verifier: str
    return_to: str


def handle_digest(handle: str) -> bytes:
    """The handle has full entropy (the browser's cookie): its SHA-256 is all the table needs."""
    return hashlib.sha256(handle.encode()).digest()


class IdPortenLogins:
    def __init__(self, conn: asyncpg.Connection) -> None:
        self._conn = conn

    async def add(self, handle: str, login: PendingLogin, at: datetime, expires_at: datetime) -> None:
        await self._conn.execute(
            """INSERT INTO idporten_logins (handle_digest, state, nonce, code_verifier, return_to, created_at,
                                            expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7)""",
            handle_digest(handle), login.state, login.nonce, login.code_verifier, login.return_to, at, expires_at)

    async def take(self, handle: str, now: datetime) -> PendingLogin | None:
        """The browser's login under way, deleted in the same statement: a callback comes once. None when there
        is none (never started here, already used) or it is older than its ten minutes."""
        row = await self._conn.fetchrow(
            """DELETE FROM idporten_logins WHERE handle_digest = $1
               RETURNING state, nonce, code_verifier, return_to, expires_at""", handle_digest(handle))
        if row is None or row["expires_at"] <= now:
            return None
        return PendingLogin(row["state"], row["nonce"], row["code_verifier"], row["return_to"])

    async def forget_expired(self, now: datetime) -> None:
        await self._conn.execute("DELETE FROM idporten_logins WHERE expires_at <= $1", now)
