"""kit's NotifiedWorker on real PostgreSQL: a commit's NOTIFY wakes it with no poll to fall back on (its idle
interval is an hour here), and it listens again after its listening connection is killed."""

from __future__ import annotations

import asyncio

import asyncpg
import pytest

from kit.db import create_pool
from kit.settings import ServiceSettings
from kit.worker import NotifiedWorker
from tests.support.eventually import eventually

pytestmark = pytest.mark.stack

CHANNEL = "kit_worker_test"
AN_HOUR = 3600.0


class Counting:
    def __init__(self) -> None:
        self.runs = 0

    async def __call__(self) -> int:
        self.runs += 1
        return 0


async def _notify_in_a_commit(conn: asyncpg.Connection) -> None:
    async with conn.transaction():
        await conn.execute("SELECT pg_notify($1, '')", CHANNEL)


async def test_a_commits_notify_wakes_the_worker_and_a_killed_listener_is_replaced(
        kit_settings: ServiceSettings, kit_db: asyncpg.Connection) -> None:
    pool = await create_pool(kit_settings.database_url.get_secret_value(), min_size=1, max_size=3)
    work = Counting()
    worker = NotifiedWorker("test-worker", pool, CHANNEL, work, idle_seconds=AN_HOUR, retry_seconds=0.05)
    try:
        await worker.start()
        await eventually(lambda: _at_least(work, 1), what="the first run at start")

        await _notify_in_a_commit(kit_db)
        await eventually(lambda: _at_least(work, 2), what="a run woken by the commit's NOTIFY")

        # The database drops the listening connection (a restart, an administrator): the worker runs at once
        # (what was written meanwhile is found by the run) and listens on a new connection.
        listening = await kit_db.fetch(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND query ILIKE 'LISTEN%'")
        assert len(listening) == 1
        await kit_db.execute("SELECT pg_terminate_backend($1)", listening[0]["pid"])
        await eventually(lambda: _at_least(work, 3), what="a run after the listener was lost")
        await eventually(lambda: _listening_again(kit_db, listening[0]["pid"]), what="a new listener")

        runs = work.runs
        await _notify_in_a_commit(kit_db)
        await eventually(lambda: _at_least(work, runs + 1), what="a run woken through the new listener")
    finally:
        await worker.stop()
        await pool.close()


async def _at_least(work: Counting, runs: int) -> bool:
    await asyncio.sleep(0)
    return work.runs >= runs


async def _listening_again(conn: asyncpg.Connection, old_pid: int) -> bool:
    pids = [r["pid"] for r in await conn.fetch(
        "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND query ILIKE 'LISTEN%'")]
    return len(pids) == 1 and pids[0] != old_pid


async def test_a_stop_ends_the_worker_even_when_its_cancel_lands_as_the_wait_ends(
        kit_settings: ServiceSettings) -> None:
    """A wake that comes in as the service stops. A hung shutdown showed the relay's task "cancelling" inside
    Python 3.11's wait_for, which swallows a cancel that lands as its wait completes: the worker slept on and the
    service never stopped. Stopping now also says so and wakes the worker, and the wait is asyncio.timeout, so a
    stop ends it whichever turn of the loop the cancel lands on (the race itself is too rare to force here)."""
    pool = await create_pool(kit_settings.database_url.get_secret_value(), min_size=1, max_size=2)
    try:
        for turns in range(6):  # the wake's completion and the cancel meet at one turn of the loop or another
            worker = NotifiedWorker("w", pool, "kit_test_stop", _nothing, idle_seconds=AN_HOUR)
            await worker.start()
            await asyncio.sleep(0.05)  # asleep, waiting for a wake
            worker.wake()  # a notification comes in just as the service stops
            for _ in range(turns):
                await asyncio.sleep(0)
            await asyncio.wait_for(worker.stop(), timeout=10)
    finally:
        await pool.close()


async def _nothing() -> int:
    return 0
