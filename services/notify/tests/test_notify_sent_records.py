"""The sender records what the provider accepted by group commit: the deliveries accepted while one write is on
its way go together in the next (one statement, not a transaction each); a send is done only once its own record
is committed, and a failed write fails each of its sends (the lease then gives the delivery again)."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any

import pytest

from notify.adapters import repository
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
