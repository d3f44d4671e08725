"""The audit log is append-only for the application: the gateway's own database refuses to change history."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import asyncpg
import pytest

from gateway.bootstrap import MIGRATIONS
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
