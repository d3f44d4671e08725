"""The one background worker woken by LISTEN/NOTIFY: the outbox relay, notify's sender and prescription's sender.

A writer `pg_notify`s a channel in the transaction that leaves work behind; PostgreSQL delivers it at commit
(never for a rollback), and the worker runs its `work` at once. Between notifications the worker sleeps: it
asks the database nothing while there is nothing to do. Two things still wake it without a notification:
`idle_seconds` after its last run (work that comes due by time, such as a retry's backoff, and a safety net
for a notification sent while its listening connection was away), and `wake()` from the same process.

The listening connection is the worker's own and is watched: if it dies (the database restarted), the worker
wakes, runs (the rows written meanwhile are found by the run, not by their lost notifications) and listens
again on a new connection before it sleeps.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from typing import Any

import asyncpg

from kit.logging import get_logger

log = get_logger(__name__)

# `work` returns how much it did; the worker runs it again at once while it finds something (a backlog larger
# than one batch), and sleeps when a run finds nothing.
Work = Callable[[], Awaitable[int]]


class Listening:
    """A pool connection that LISTENs on one channel, and knows when the database has dropped it (a restart): from
    then on notices may be missed, and its owner decides what that means (run now, trust no cache)."""

    def __init__(self, pool: asyncpg.Pool, channel: str, on_notice: Callable[[str], None],
                 on_lost: Callable[[], None]) -> None:
        self._pool = pool
        self._channel = channel
        self._on_notice = on_notice
        self._on_lost = on_lost
        self._connection: asyncpg.pool.PoolConnectionProxy | None = None
        self._lost = False  # the connection died: the pool has taken it back already

    @property
    def alive(self) -> bool:
        return self._connection is not None and not self._lost

    def _notice(self, _conn: Any, _pid: int, _channel: str, payload: str) -> None:
        self._on_notice(payload)

    def _dropped(self, *_: Any) -> None:
        self._lost = True
        self._on_lost()

    async def start(self) -> None:
        connection = await self._pool.acquire()
        self._lost = False
        try:
            await connection.add_listener(self._channel, self._notice)
            connection.add_termination_listener(self._dropped)
        except BaseException:
            await self._pool.release(connection)
            raise
        self._connection = connection

    async def stop(self) -> None:
        connection, self._connection = self._connection, None
        if connection is None:
            return
        with contextlib.suppress(Exception):
            connection.remove_termination_listener(self._dropped)
            await connection.remove_listener(self._channel, self._notice)
        with contextlib.suppress(Exception):
            await self._pool.release(connection)

    async def again(self) -> None:
        """Listen on a new connection if the database dropped this one."""
        if not self.alive:
            await self.stop()
            await self.start()


class NotifiedWorker:
    def __init__(self, name: str, pool: asyncpg.Pool, channel: str, work: Work, *, idle_seconds: float,
                 retry_seconds: float = 1.0) -> None:
        self.name = name
        self._work = work
        self._idle = idle_seconds
        self._retry = retry_seconds
        self._wake = asyncio.Event()
        self._stopping = False
        self._task: asyncio.Task[None] | None = None
        # A lost connection wakes the worker too: whatever was written meanwhile is found by the run.
        self._listening = Listening(pool, channel, lambda _: self._wake.set(), self._wake.set)

    async def start(self) -> None:
        await self._listening.start()
        self._task = asyncio.create_task(self._run(), name=self.name)

    async def stop(self) -> None:
        # The flag and the wake as well as the cancel: a cancel that lands as the wait ends can be lost (Python
        # 3.11's wait_for swallowed it, and the worker then slept on; a service's shutdown hung for good).
        self._stopping = True
        self._wake.set()
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        await self._listening.stop()

    def wake(self) -> None:
        self._wake.set()

    async def _run(self) -> None:
        while not self._stopping:
            # Cleared before the run: a notification that arrives during it makes the next run start at once.
            self._wake.clear()
            try:
                await self._listening.again()
                while await self._work() > 0:
                    pass
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # the database or the broker is away: the work waits in its table
                log.warning("worker failed; will retry", worker=self.name, error=type(exc).__name__,
                            detail=str(exc)[:200])
                await asyncio.sleep(self._retry)
                continue
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self._idle):  # unlike wait_for, never swallows a cancel
                    await self._wake.wait()
