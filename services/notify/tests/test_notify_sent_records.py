"""The sender records what the provider accepted by group commit: the deliveries accepted while one write is on
its way go together in the next (one round trip, not a transaction each); a send is done only once its own record
is committed, and a failed write fails each of its sends (the lease then gives the delivery again). The write
finds each delivery by its key, whatever PostgreSQL knows of the table."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any

import asyncpg
import pytest

from kit import patient_directory
from kit.migrations import migrate
from notify.adapters import repository
from notify.bootstrap import MIGRATIONS
from notify.sender import SentRecords


class _Pool:
    """Enough of asyncpg's pool for SentRecords: the connection goes to repository.record_sent, stubbed here."""

    @asynccontextmanager
    async def acquire(self) -> AsyncIterator[None]:
        yield None


def _row() -> dict[str, Any]:
    return {"id": uuid.uuid4(), "attempts": 1}


async def test_deliveries_accepted_during_a_write_are_recorded_together_in_the_next(
        monkeypatch: pytest.MonkeyPatch) -> None:
    writes: list[list[uuid.UUID]] = []
    first_write_began, first_write_may_end = asyncio.Event(), asyncio.Event()

    async def record_sent(conn: Any, sent: list[tuple[Any, str, datetime]]) -> None:
        writes.append([row["id"] for row, _, _ in sent])
        if len(writes) == 1:
            first_write_began.set()
            await first_write_may_end.wait()
    monkeypatch.setattr(repository, "record_sent", record_sent)
    records = SentRecords(_Pool())  # type: ignore[arg-type]
    rows = [_row() for _ in range(6)]
    at = datetime.now(UTC)

    first = asyncio.create_task(records.record(rows[0], "ref-0", at))  # type: ignore[arg-type]
    await first_write_began.wait()
    others = [asyncio.create_task(records.record(row, f"ref-{i}", at))  # type: ignore[arg-type]
              for i, row in enumerate(rows[1:], 1)]
    await asyncio.sleep(0)
    assert not first.done(), "a send is done only once its record is committed"
    first_write_may_end.set()
    await asyncio.gather(first, *others)
    assert writes == [[rows[0]["id"]], [row["id"] for row in rows[1:]]]


async def test_a_failed_write_fails_each_of_its_sends(monkeypatch: pytest.MonkeyPatch) -> None:
    async def record_sent(conn: Any, sent: list[tuple[Any, str, datetime]]) -> None:
        raise ConnectionError("the database went away")
    monkeypatch.setattr(repository, "record_sent", record_sent)
    records = SentRecords(_Pool())  # type: ignore[arg-type]
    sends = (records.record(_row(), "ref", datetime.now(UTC)) for _ in range(3))  # type: ignore[arg-type]
    results = await asyncio.gather(*sends, return_exceptions=True)
    assert [type(r) for r in results] == [ConnectionError] * 3


@pytest.mark.stack
async def test_recording_sent_reads_each_delivery_by_its_key_even_in_a_plan_made_for_a_new_table(
        scratch_db: str) -> None:
    """A prepared statement's generic plan is kept; one made while the table is new (never analysed) must not scan
    the whole table at every write once it has grown. Here the generic plan is asked for at once, on a table of a
    few hundred rows PostgreSQL has never counted: the write may read only the rows it records."""
    conn = await asyncpg.connect(scratch_db)
    try:
        await migrate(conn, "notify", MIGRATIONS, (patient_directory.FEATURE,))
        await conn.execute("ALTER TABLE deliveries SET (autovacuum_enabled = false)")
        await conn.execute(
            """INSERT INTO deliveries (id, event_id, event_type, channel, kind, patient_id, subject_id, address, body,
                                       next_attempt_at, created_at, attempts)
               SELECT gen_random_uuid(), gen_random_uuid(), 'AppointmentBooked', 'sms', 'appointment_booked',
                      gen_random_uuid(), gen_random_uuid(), '+4791330002', 'Timen din er bestilt', now(), now(), 1
               FROM generate_series(1, 400)""")
        await conn.execute("SET plan_cache_mode = force_generic_plan")
        rows = await conn.fetch("SELECT * FROM deliveries ORDER BY id LIMIT 2")

        async def scans() -> int:
            await conn.execute("SELECT pg_stat_force_next_flush()")
            await conn.execute("SELECT pg_stat_clear_snapshot()")
            found: int = await conn.fetchval("SELECT seq_scan FROM pg_stat_user_tables WHERE relname = 'deliveries'")
            return found

        before = await scans()
        now = datetime.now(UTC)
        await repository.record_sent(conn, [(rows[0], "ref-1", now), (rows[1], "ref-2", now)])
        assert await scans() == before  # each by its key, not the whole table

        recorded = await conn.fetch(
            """SELECT d.state, d.provider_ref, a.attempt, a.outcome FROM deliveries d
               JOIN delivery_attempts a ON a.delivery_id = d.id WHERE d.id = ANY($1::uuid[]) ORDER BY d.provider_ref""",
            [r["id"] for r in rows])
        assert [tuple(r) for r in recorded] == [("sent", "ref-1", 1, "accepted"), ("sent", "ref-2", 1, "accepted")]
        assert await conn.fetchval("SELECT count(*) FROM deliveries WHERE state = 'sent'") == 2
    finally:
        await conn.close()
