"""`make profile` counts the statements each service sends PostgreSQL a request (bench/statements.py): from the
stack's preloaded pg_stat_statements, by the service whose database they ran in."""

from __future__ import annotations

import asyncpg
import pytest

from bench import statements
from tests.support.services import StackEnv

pytestmark = pytest.mark.stack

COUNTED = "SELECT 42 AS counted_for_the_profile"


async def test_the_statements_a_service_sent_are_counted_per_request(stack_env: StackEnv) -> None:
    admin = stack_env.infra.admin_dsn()
    assert await statements.start_counting(admin), "the stack's PostgreSQL preloads pg_stat_statements"
    conn = await asyncpg.connect(stack_env.dsns["booking"])
    try:
        for _ in range(6):
            await conn.fetchval(COUNTED)
    finally:
        await conn.close()
    sent = await statements.per_request(admin, requests=2, top=1000)
    # PostgreSQL's text, its constants as parameters
    ours = [t for t in sent["top"] if t["statement"] == "SELECT $1 AS counted_for_the_profile"]
    assert [(t["service"], t["per_request"]) for t in ours] == [("booking", 3.0)]
    assert sent["per_request"]["booking"] >= 3.0
