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


class NotifiedWorker:
    def __init__(self, name: str, pool: asyncpg.Pool, channel: str, work: Work, *, idle_seconds: float,
                 retry_seconds: float = 1.0) -> None:
        self.name = name
        self._pool = pool
        self._channel = channel
        self._work = work
        self._idle = idle_seconds
        self._retry = retry_seconds
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._listener: asyncpg.pool.PoolConnectionProxy | None = None
        self._lost = False  # the listening connection died: the pool has taken it back already

    async def start(self) -> None:
        await self._listen()
        self._task = asyncio.create_task(self._run(), name=self.name)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        await self._unlisten()

    def wake(self) -> None:
        self._wake.set()

    def _on_notify(self, *_: Any) -> None:
        self._wake.set()

    def _on_lost(self, *_: Any) -> None:
        self._lost = True
        self._wake.set()  # run now: whatever was written while the connection died is found by the run

    async def _listen(self) -> None:
        listener = await self._pool.acquire()
        self._lost = False
        try:
            await listener.add_listener(self._channel, self._on_notify)
            listener.add_termination_listener(self._on_lost)
        except BaseException:
            await self._pool.release(listener)
            raise
        self._listener = listener

    async def _unlisten(self) -> None:
        listener, self._listener = self._listener, None
        if listener is None:
            return
        with contextlib.suppress(Exception):
            listener.remove_termination_listener(self._on_lost)
            await listener.remove_listener(self._channel, self._on_notify)
        with contextlib.suppress(Exception):
            await self._pool.release(listener)

    async def _ensure_listening(self) -> None:
        if self._listener is not None and not self._lost:
            return
        await self._unlisten()
        await self._listen()

    async def _run(self) -> None:
        while True:
            # Cleared before the run: a notification that arrives during it makes the next run start at once.
            self._wake.clear()
            try:
                await self._ensure_listening()
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
                await asyncio.wait_for(self._wake.wait(), timeout=self._idle)
