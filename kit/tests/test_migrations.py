"""The migration runner on real PostgreSQL: in order, once, checksummed, one runner at a time."""

from __future__ import annotations

import asyncio
from pathlib import Path

import asyncpg
import pytest

from kit.migrations import MigrationError, migrate

pytestmark = pytest.mark.stack


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    (tmp_path / "0001_first.sql").write_text("CREATE TABLE things (id int PRIMARY KEY);")
    (tmp_path / "0002_second.sql").write_text("ALTER TABLE things ADD COLUMN name text;")
    return tmp_path


async def test_applies_in_order_once(scratch_db: str, folder: Path) -> None:
    conn = await asyncpg.connect(scratch_db)
    try:
        first = await migrate(conn, "svc", folder)
        assert first == ["kit/0001_outbox_inbox.sql", "kit/0002_outbox_trace_context.sql", "svc/0001_first.sql",
                         "svc/0002_second.sql"]
        assert await migrate(conn, "svc", folder) == []
        await conn.execute("INSERT INTO things (id, name) VALUES (1, 'x')")
    finally:
        await conn.close()


async def test_refuses_a_migration_edited_after_it_was_applied(scratch_db: str, folder: Path) -> None:
    conn = await asyncpg.connect(scratch_db)
    try:
        await migrate(conn, "svc", folder)
        (folder / "0001_first.sql").write_text("CREATE TABLE things (id bigint PRIMARY KEY);")
        with pytest.raises(MigrationError, match="edited after it was applied"):
            await migrate(conn, "svc", folder)
    finally:
        await conn.close()


async def test_a_failing_migration_leaves_nothing_half_applied(scratch_db: str, folder: Path) -> None:
    (folder / "0003_broken.sql").write_text("CREATE TABLE half (id int); SELECT no_such_function();")
    conn = await asyncpg.connect(scratch_db)
    try:
        with pytest.raises(asyncpg.UndefinedFunctionError):
            await migrate(conn, "svc", folder)
        assert await conn.fetchval("SELECT to_regclass('half')") is None
        assert await conn.fetchval("SELECT max(version) FROM schema_migrations WHERE scope = 'svc'") == 2
    finally:
        await conn.close()


async def test_two_runners_at_once_take_turns(scratch_db: str, folder: Path) -> None:
    (folder / "0003_slow.sql").write_text("SELECT pg_sleep(0.5); CREATE TABLE slow (id int);")
    a, b = await asyncpg.connect(scratch_db), await asyncpg.connect(scratch_db)
    try:
        applied_a, applied_b = await asyncio.gather(migrate(a, "svc", folder), migrate(b, "svc", folder))
        assert sorted([len(applied_a), len(applied_b)]) == [0, 5]
    finally:
        await a.close()
        await b.close()


def test_badly_named_files_are_refused(tmp_path: Path) -> None:
    from kit.migrations import load
    (tmp_path / "1_oops.sql").write_text("SELECT 1;")
    with pytest.raises(MigrationError, match="NNNN_what_it_does"):
        load("svc", tmp_path)
