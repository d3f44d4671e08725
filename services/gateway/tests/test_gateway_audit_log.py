"""The audit log is append-only for the application: the gateway's own database refuses to change history; and
written by group commit, each request answered after its own record is committed, failing closed."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime
from typing import Any, cast

import asyncpg
import pytest

from gateway.adapters.audit_log import AuditEntry, AuditLog
from gateway.bootstrap import MIGRATIONS
from gateway.domain.errors import AuditUnavailable
from kit.db import create_pool
from kit.migrations import migrate

pytestmark = pytest.mark.stack


async def test_the_audit_log_refuses_update_delete_and_truncate(scratch_db: str) -> None:
    conn = await asyncpg.connect(scratch_db)
    try:
        await migrate(conn, "gateway", MIGRATIONS)
        await conn.execute(
            """INSERT INTO audit_log (at, actor_kind, actor_id, actor_role, patient_id, object_type, action, outcome,
                                      request_id)
               VALUES ($1, 'staff', $2, 'doctor', $3, 'renewal', 'read', 'success', 'r1')""",
            datetime.now(UTC), uuid.uuid4(), uuid.uuid4())
        for statement in ("UPDATE audit_log SET outcome = 'refused'", "DELETE FROM audit_log",
                          "TRUNCATE audit_log"):
            with pytest.raises(asyncpg.InsufficientPrivilegeError, match="append-only"):
                await conn.execute(statement)
        assert await conn.fetchval("SELECT count(*) FROM audit_log WHERE outcome = 'success'") == 1
    finally:
        await conn.close()


class _Runtime:
    def __init__(self, pool: asyncpg.Pool) -> None:
        self.pool = pool


class CountingAuditLog(AuditLog):
    def __init__(self, runtime: Any) -> None:
        super().__init__(runtime)
        self.inserts = 0

    async def _insert(self, entries: list[AuditEntry]) -> None:
        self.inserts += 1
        await super()._insert(entries)


def _entry(actor_kind: str = "patient") -> AuditEntry:
    return AuditEntry(at=datetime.now(UTC), actor_kind=actor_kind, actor_id=uuid.uuid4(), actor_role="patient",
                      actor_name=None, patient_id=uuid.uuid4(), object_type="appointment", object_id=None,
                      action="read", outcome="success", request_id="r")


async def test_records_of_requests_at_the_same_moment_are_written_together_and_each_answers_after_its_write(
        scratch_db: str) -> None:
    conn = await asyncpg.connect(scratch_db)
    pool = await create_pool(scratch_db, max_size=4)
    try:
        await migrate(conn, "gateway", MIGRATIONS)
        audit = CountingAuditLog(_Runtime(pool))
        alone = _entry()
        await audit.record(alone)  # answered only once its row is committed
        assert await conn.fetchval("SELECT count(*) FROM audit_log WHERE actor_id = $1", alone.actor_id) == 1

        entries = [_entry() for _ in range(60)]
        inserts = audit.inserts
        await asyncio.gather(*(audit.record(e) for e in entries))
        assert await conn.fetchval("SELECT count(*) FROM audit_log WHERE actor_id = ANY($1::uuid[])",
                                   [e.actor_id for e in entries]) == 60
        assert audit.inserts - inserts <= 2, "sixty records at once: one write, and one for those that came during it"
    finally:
        await pool.close()
        await conn.close()


async def test_group_commit_fails_closed_for_each_record_that_was_not_written(scratch_db: str) -> None:
    conn = await asyncpg.connect(scratch_db)
    pool = await create_pool(scratch_db, max_size=4)
    try:
        await migrate(conn, "gateway", MIGRATIONS)
        audit = AuditLog(cast(Any, _Runtime(pool)))
        good = [_entry() for _ in range(5)]
        refused = _entry(actor_kind="robot")  # PostgreSQL refuses it (the CHECK on actor_kind)
        results = await asyncio.gather(*(audit.record(e) for e in [*good[:2], refused, *good[2:]]),
                                       return_exceptions=True)
        assert [type(r).__name__ for r in results] == ["NoneType"] * 2 + ["AuditUnavailable"] + ["NoneType"] * 3
        assert await conn.fetchval("SELECT count(*) FROM audit_log WHERE actor_id = ANY($1::uuid[])",
                                   [e.actor_id for e in good]) == 5

        await pool.close()  # the database is away: every request in the write gets 503, none goes unrecorded
        results = await asyncio.gather(*(audit.record(_entry()) for _ in range(3)), return_exceptions=True)
        assert all(isinstance(r, AuditUnavailable) for r in results)
    finally:
        await pool.close()
        await conn.close()
