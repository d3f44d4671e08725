"""PostgreSQL statements per request, by service, from pg_stat_statements (the local stack preloads it): what a
change to the round trips gives, counted rather than timed, so the shared machine's noise does not touch it.
Only the statements a client sent are counted (BEGIN and COMMIT among them), not those a trigger runs."""

from __future__ import annotations

import re
from typing import Any

import asyncpg

from tests.support.infra import SERVICES

_DATABASE = re.compile(r"^eportal_(?P<service>[a-z]+)")


async def start_counting(admin_dsn: str) -> bool:
    """Every count from zero now; False if the cluster runs without the library (started before it was preloaded:
    `python deploy/local/stack.py stop bench` and the next run starts it again with it)."""
    conn = await asyncpg.connect(admin_dsn)
    try:
        await conn.execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements")
        await conn.execute("SELECT pg_stat_statements_reset()")
        return True
    except asyncpg.PostgresError:  # "pg_stat_statements must be loaded via shared_preload_libraries"
        return False
    finally:
        await conn.close()


async def per_request(admin_dsn: str, requests: int, top: int = 15) -> dict[str, Any]:
    """The statements sent since `start_counting`, per request: by service, and the most frequent ones."""
    conn = await asyncpg.connect(admin_dsn)
    try:
        rows = await conn.fetch(
            """SELECT d.datname, s.calls, regexp_replace(left(s.query, 110), '\\s+', ' ', 'g') AS query
               FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid
               WHERE d.datname LIKE 'eportal\\_%'""")
    finally:
        await conn.close()
    by_service = dict.fromkeys(SERVICES, 0)
    statements = []
    for row in rows:
        if (m := _DATABASE.match(row["datname"])) is None or m["service"] not in by_service:
            continue
        by_service[m["service"]] += row["calls"]
        statements.append((m["service"], row["query"], row["calls"]))
    per = max(requests, 1)
    statements.sort(key=lambda s: -s[2])
    return {"requests": requests,
            "per_request": {s: round(n / per, 2) for s, n in by_service.items()},
            "total_per_request": round(sum(by_service.values()) / per, 2),
            "top": [{"service": s, "statement": q, "per_request": round(n / per, 3)} for s, q, n in statements[:top]]}
