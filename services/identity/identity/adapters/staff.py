"""Staff accounts in PostgreSQL."""

from __future__ import annotations

import uuid

import asyncpg

from identity.domain.errors import StaffAlreadyRegistered
from identity.domain.staff import StaffMember


class StaffRepository:
    def __init__(self, conn: asyncpg.Connection) -> None:
        self._conn = conn

    async def add(self, member: StaffMember) -> None:
        try:
            await self._conn.execute(
                "INSERT INTO staff (id, username, name, role, password_hash, active) VALUES ($1, $2, $3, $4, $5, $6)",
                member.id, member.username, member.name, member.role, member.password_hash, member.active)
        except asyncpg.UniqueViolationError as exc:
            raise StaffAlreadyRegistered() from exc

    async def by_username(self, username: str) -> StaffMember | None:
        row = await self._conn.fetchrow(
            "SELECT id, username, name, role, password_hash, active FROM staff WHERE username = $1", username)
        return StaffMember(**dict(row)) if row else None

    async def get(self, staff_id: uuid.UUID) -> StaffMember | None:
        row = await self._conn.fetchrow(
            "SELECT id, username, name, role, password_hash, active FROM staff WHERE id = $1", staff_id)
        return StaffMember(**dict(row)) if row else None

    async def doctors(self) -> list[StaffMember]:
        rows = await self._conn.fetch(
            """SELECT id, username, name, role, password_hash, active FROM staff
               WHERE role = 'doctor' AND active ORDER BY name""")
        return [StaffMember(**dict(r)) for r in rows]
