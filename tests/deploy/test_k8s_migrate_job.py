"""The migration Job's command, `python -m kit.migrate <service>`, on a real PostgreSQL: it applies what
the service's own start would (kit's tables, the kit features it uses, its own files), and a second run,
like the start that follows the Job, applies nothing."""

from __future__ import annotations

import os
import subprocess
import sys

import asyncpg
import pytest

from tests.deploy.conftest import ROOT

pytestmark = [pytest.mark.stack, pytest.mark.deploy]


def run_migrate(service: str, dsn: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, EPORTAL_DATABASE_URL=dsn, EPORTAL_LOG_JSON="true")
    return subprocess.run([sys.executable, "-m", "kit.migrate", service], cwd=ROOT, env=env, capture_output=True,
                          text=True, check=False, timeout=120)


async def applied(dsn: str) -> set[tuple[str, str]]:
    conn = await asyncpg.connect(dsn)
    try:
        rows = await conn.fetch("SELECT scope, name FROM schema_migrations")
    finally:
        await conn.close()
    return {(r["scope"], r["name"]) for r in rows}


async def test_the_job_applies_what_the_service_start_would(scratch_db: str) -> None:
    first = run_migrate("booking", scratch_db)
    assert first.returncode == 0, first.stderr
    done = await applied(scratch_db)
    scopes = {scope for scope, _ in done}
    assert scopes == {"kit", "kit.patient_directory", "booking"}
    wanted = {p.name for p in (ROOT / "services/booking/booking/migrations").glob("*.sql")}
    assert {name for scope, name in done if scope == "booking"} == wanted

    again = run_migrate("booking", scratch_db)
    assert again.returncode == 0, again.stderr
    assert await applied(scratch_db) == done
    assert '"applied": 0' in again.stdout + again.stderr


def test_the_job_needs_a_service_name() -> None:
    done = subprocess.run([sys.executable, "-m", "kit.migrate"], cwd=ROOT, capture_output=True, text=True,
                          check=False, timeout=60)
    assert done.returncode == 2
    assert "usage" in done.stderr
