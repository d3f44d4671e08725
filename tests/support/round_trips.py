"""What a handler asks PostgreSQL, counted on the real database (issue 17): its round trips, BEGIN and COMMIT
included, so a test can hold a command to the statements its design says it sends."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from types import SimpleNamespace
from typing import Any

import asyncpg

from kit.clock import Clock
from kit.runtime import ServiceRuntime

# asyncpg's own look-up of a statement's types, once per connection and statement (the first command on a
# connection): not the command's round trips.
ASYNCPG_OWN = ("typeinfo_tree", "current_setting('jit')", "set_config('jit'")


def statement_logger(sent: list[str]) -> Callable[[Any], None]:
    """An asyncpg query logger that writes each statement's first word down in `sent` (asyncpg's own look-ups left
    out): `conn.add_query_logger(statement_logger(sent))`."""
    def log(record: Any) -> None:
        if not any(mark in record.query for mark in ASYNCPG_OWN):
            sent.append(record.query.split(None, 1)[0].rstrip(";").upper())
    return log


class CountingPool:
    """The service's pool, every statement its connections run written down by its first word (BEGIN and COMMIT
    included)."""

    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool
        self.sent: list[str] = []
        self._log = statement_logger(self.sent)

    @asynccontextmanager
    async def acquire(self) -> AsyncIterator[asyncpg.Connection]:
        async with self._pool.acquire() as conn:
            conn.add_query_logger(self._log)
            try:
                yield conn
            finally:
                conn.remove_query_logger(self._log)


def counted(runtime: ServiceRuntime, clock: Clock) -> tuple[Any, CountingPool]:
    """What the handlers take from the runtime, on a pool that counts."""
    pool = CountingPool(runtime.pool)
    return SimpleNamespace(clock=clock, pool=pool, outbox=runtime.outbox, state={}, settings=runtime.settings), pool
