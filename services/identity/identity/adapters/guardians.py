"""Guardians and whose guardian they are, in PostgreSQL: the one place identity's guardian SQL lives."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime

import asyncpg


@dataclass(frozen=True)
class Guardian:
    id: uuid.UUID
    name: str
    mobile: str


@dataclass(frozen=True)
class Child:
    """A child a guardian may act for, with what the age rule and the child's prerequisites need."""

    id: uuid.UUID
    name: str
    birth_date: date
    gp_id: uuid.UUID | None
    gp_name: str | None
    national_id: str
    first_contact_done: bool
    has_unsettled_claims: bool


_CHILD = """p.id, p.name, p.birth_date, p.gp_id, gp.name AS gp_name, p.national_id, p.first_contact_done,
            coalesce(c.has_unsettled_claims, false) AS has_unsettled_claims
            FROM guardianships g JOIN patients p ON p.id = g.child_id
            LEFT JOIN staff gp ON gp.id = p.gp_id
            LEFT JOIN patient_claims c ON c.patient_id = p.id"""


class Guardians:
    def __init__(self, conn: asyncpg.Connection) -> None:
        self._conn = conn

    async def upsert(self, *, national_id: str, name: str, mobile: str, at: datetime) -> Guardian:
        """The guardian with this national ID, registered now or brought up to date from the registry's printout
        (one person, however many children)."""
        row = await self._conn.fetchrow(
            """INSERT INTO guardians (id, national_id, name, mobile, created_at, updated_at)
               VALUES ($1, $2, $3, $4, $5, $5)
               ON CONFLICT (national_id) DO UPDATE SET name = excluded.name, mobile = excluded.mobile,
                                                        updated_at = excluded.updated_at
               RETURNING id, name, mobile""", uuid.uuid4(), national_id, name, mobile, at)
        return Guardian(row["id"], row["name"], row["mobile"])

    async def get(self, guardian_id: uuid.UUID) -> Guardian | None:
        row = await self._conn.fetchrow("SELECT id, name, mobile FROM guardians WHERE id = $1", guardian_id)
        return Guardian(row["id"], row["name"], row["mobile"]) if row else None

    async def link(self, *, child_id: uuid.UUID, guardian_id: uuid.UUID, at: datetime) -> bool:
        """False when the guardian was already the child's."""
        added = await self._conn.fetchval(
            """INSERT INTO guardianships (child_id, guardian_id, registered_at) VALUES ($1, $2, $3)
               ON CONFLICT DO NOTHING RETURNING true""", child_id, guardian_id, at)
        return bool(added)

    async def unlink(self, *, child_id: uuid.UUID, guardian_id: uuid.UUID) -> bool:
        removed = await self._conn.fetchval(
            "DELETE FROM guardianships WHERE child_id = $1 AND guardian_id = $2 RETURNING true", child_id, guardian_id)
        return bool(removed)

    async def of_child(self, child_id: uuid.UUID) -> list[Guardian]:
        rows = await self._conn.fetch(
            """SELECT gd.id, gd.name, gd.mobile FROM guardianships g JOIN guardians gd ON gd.id = g.guardian_id
               WHERE g.child_id = $1 ORDER BY g.registered_at, gd.id""", child_id)
        return [Guardian(r["id"], r["name"], r["mobile"]) for r in rows]

    async def login_target(self, national_id: str) -> tuple[uuid.UUID, str] | None:
        """The guardian a login is for, and their mobile, when they are some child's guardian now."""
        row = await self._conn.fetchrow(
            """SELECT gd.id, gd.mobile FROM guardians gd
               WHERE gd.national_id = $1 AND EXISTS (SELECT 1 FROM guardianships g WHERE g.guardian_id = gd.id)""",
            national_id)
        return (row["id"], row["mobile"]) if row else None

    async def children(self, guardian_id: uuid.UUID) -> list[Child]:
        rows = await self._conn.fetch(f"SELECT {_CHILD} WHERE g.guardian_id = $1 ORDER BY p.birth_date, p.id",
                                      guardian_id)
        return [Child(**dict(r)) for r in rows]

    async def child(self, guardian_id: uuid.UUID, child_id: uuid.UUID) -> Child | None:
        """The child, if the guardian is the child's guardian now (asked again on every request)."""
        row = await self._conn.fetchrow(f"SELECT {_CHILD} WHERE g.guardian_id = $1 AND g.child_id = $2",
                                        guardian_id, child_id)
        return Child(**dict(row)) if row else None
