"""Forward-only SQL migrations: numbered files applied in order, once, under an advisory lock.

Each applied file's checksum is stored; a file edited after it was applied stops the service at
start instead of leaving two databases that claim the same version but differ. Kit's own tables
(outbox, inbox) are migrations too, applied before the service's.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

import asyncpg

from kit.logging import get_logger

log = get_logger(__name__)

KIT_MIGRATIONS = Path(__file__).parent / "sql"
# Tables of optional kit mechanisms (a service opts in, e.g. the patient directory).
FEATURE_MIGRATIONS = Path(__file__).parent / "sql_features"
_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")
# One lock for all migration runs on a database: two replicas starting at once take turns.
_LOCK_KEY = 0x65706F7274616C  # "eportal"


class MigrationError(RuntimeError):
    pass


@dataclass(frozen=True)
class Migration:
    scope: str
    version: int
    name: str
    sql: str

    @property
    def checksum(self) -> str:
        return hashlib.sha256(self.sql.encode()).hexdigest()


def load(scope: str, folder: Path) -> list[Migration]:
    found: list[Migration] = []
    for path in sorted(folder.glob("*.sql")):
        match = _NAME.match(path.name)
        if not match:
            raise MigrationError(f"{path.name}: migration files are named NNNN_what_it_does.sql")
        found.append(Migration(scope, int(match.group(1)), path.name, path.read_text()))
    versions = [m.version for m in found]
    if len(set(versions)) != len(versions):
        raise MigrationError(f"{scope}: two migrations share a number")
    return found


async def migrate(conn: asyncpg.Connection, scope: str, folder: Path, features: tuple[str, ...] = ()) -> list[str]:
    """Apply kit's migrations, those of the kit `features` used, then `scope`'s from `folder`.
    Returns the names applied now."""
    applied_now: list[str] = []
    await conn.execute("SELECT pg_advisory_lock($1)", _LOCK_KEY)
    try:
        await conn.execute(
            """CREATE TABLE IF NOT EXISTS schema_migrations (
                   scope text NOT NULL, version int NOT NULL, name text NOT NULL, checksum text NOT NULL,
                   applied_at timestamptz NOT NULL DEFAULT now(), PRIMARY KEY (scope, version))"""
        )
        plan = load("kit", KIT_MIGRATIONS)
        for feature in features:
            plan += load(f"kit.{feature}", FEATURE_MIGRATIONS / feature)
        plan += load(scope, folder)
        for migration in plan:
            row = await conn.fetchrow(
                "SELECT name, checksum FROM schema_migrations WHERE scope = $1 AND version = $2",
                migration.scope, migration.version)
            if row is not None:
                if row["checksum"] != migration.checksum:
                    raise MigrationError(
                        f"{migration.scope}/{migration.name} was edited after it was applied; "
                        "add a new migration instead")
                continue
            async with conn.transaction():
                await conn.execute(migration.sql)
                await conn.execute(
                    "INSERT INTO schema_migrations (scope, version, name, checksum) VALUES ($1, $2, $3, $4)",
                    migration.scope, migration.version, migration.name, migration.checksum)
            applied_now.append(f"{migration.scope}/{migration.name}")
            log.info("migration applied", migration=f"{migration.scope}/{migration.name}")
    finally:
        await conn.execute("SELECT pg_advisory_unlock($1)", _LOCK_KEY)
    return applied_now
