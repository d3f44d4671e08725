"""The asyncpg pool, made in a service's lifespan and closed there."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import asyncpg

from kit.clock import OSLO


async def _init_connection(conn: asyncpg.Connection) -> None:
    # jsonb in and out as Python objects, so repositories never json.dumps by hand.
    await conn.set_type_codec("jsonb", encoder=json.dumps, decoder=json.loads, schema="pg_catalog")


async def _reset_nothing(conn: asyncpg.Connection) -> None:
    """What a connection keeps when it goes back to the pool. asyncpg's own step before this rolls back an open
    transaction and drops its listeners; its default reset query (`pg_advisory_unlock_all(); CLOSE ALL;
    UNLISTEN *; RESET ALL`) would cost a round trip each release, for state our code never leaves behind: no
    session `SET` (the zone is a startup setting), cursors only inside transactions, advisory locks
    transaction-scoped (the one session lock, the migrations', is released in a `finally`), and each LISTEN
    undone by the worker that made it (kit/worker.py)."""


async def create_pool(dsn: str, *, min_size: int = 1, max_size: int = 10) -> asyncpg.Pool:
    # Sessions in the clinic's time zone: a time PostgreSQL writes as text (JSON it builds, e.g. booking's slot
    # search) is in Oslo time with its offset, as the API shows every time. Values asyncpg reads and writes
    # are instants whatever the zone (its binary codec), and no SQL here takes a day or an hour from the zone.
    pool = await asyncpg.create_pool(dsn, min_size=min_size, max_size=max_size, init=_init_connection,
                                     command_timeout=30, server_settings={"TimeZone": OSLO.key},
                                     reset=_reset_nothing)
    assert pool is not None
    return pool


@asynccontextmanager
async def transaction(pool: asyncpg.Pool) -> AsyncIterator[asyncpg.Connection]:
    """One unit of work: a connection with an open transaction, committed on success."""
    async with pool.acquire() as conn, conn.transaction():
        yield conn
