"""Medicine lists and standing agreements in PostgreSQL: the one place their SQL lives."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import asyncpg

from prescription.domain.errors import AlreadyOnList
from prescription.domain.medicines import Medication

_SELECT = """SELECT m.id, m.patient_id, m.name, m.strength, m.atc_code, m.reseptgruppe, m.fixed, m.prescribed_by,
                    m.added_at, (b.medication_id IS NOT NULL) AS b_agreement
             FROM medications m LEFT JOIN b_agreements b ON b.medication_id = m.id"""
CHANGEABLE = ("name", "strength", "atc_code", "reseptgruppe", "fixed", "prescribed_by")


def _medication(row: asyncpg.Record) -> Medication:
    return Medication(**dict(row))


class MedicineLists:
    def __init__(self, conn: asyncpg.Connection) -> None:
        self._conn = conn

    async def of_patient(self, patient_id: uuid.UUID) -> list[Medication]:
        rows = await self._conn.fetch(f"{_SELECT} WHERE m.patient_id = $1 ORDER BY lower(m.name), m.strength",
                                      patient_id)
        return [_medication(r) for r in rows]

    async def get(self, medication_id: uuid.UUID) -> Medication | None:
        row = await self._conn.fetchrow(f"{_SELECT} WHERE m.id = $1", medication_id)
        return _medication(row) if row else None

    async def add(self, m: Medication, added_by: uuid.UUID | None, *, upsert: bool = False) -> Medication:
        """Put a medicine on the list. `upsert` (the records system's import): the same name and strength
        already there is updated instead of refused."""
        on_conflict = """ON CONFLICT (patient_id, lower(name), lower(strength)) DO UPDATE SET
                           atc_code = EXCLUDED.atc_code, reseptgruppe = EXCLUDED.reseptgruppe, fixed = EXCLUDED.fixed,
                           prescribed_by = EXCLUDED.prescribed_by, updated_at = EXCLUDED.updated_at""" if upsert else ""
        try:
            row_id = await self._conn.fetchval(
                f"""INSERT INTO medications (id, patient_id, name, strength, atc_code, reseptgruppe, fixed,
                                             prescribed_by, added_by, added_at, updated_at)
                    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10) {on_conflict} RETURNING id""",
                m.id, m.patient_id, m.name, m.strength, m.atc_code, m.reseptgruppe, m.fixed, m.prescribed_by,
                added_by, m.added_at)
        except asyncpg.UniqueViolationError as exc:
            raise AlreadyOnList() from exc
        found = await self.get(row_id)
        assert found is not None
        return found

    async def change(self, medication_id: uuid.UUID, changes: dict[str, Any], at: datetime) -> None:
        fields = [k for k in changes if k in CHANGEABLE]
        if not fields:
            return
        assignments = ", ".join(f"{name} = ${n}" for n, name in enumerate(fields, start=3))
        try:
            await self._conn.execute(f"UPDATE medications SET {assignments}, updated_at = $2 WHERE id = $1",
                                     medication_id, at, *(changes[k] for k in fields))
        except asyncpg.UniqueViolationError as exc:
            raise AlreadyOnList() from exc

    async def set_b_agreement(self, medication_id: uuid.UUID, doctor_id: uuid.UUID, active: bool,
                              at: datetime) -> None:
        if active:
            await self._conn.execute(
                """INSERT INTO b_agreements (medication_id, doctor_id, agreed_at) VALUES ($1, $2, $3)
                   ON CONFLICT (medication_id) DO NOTHING""", medication_id, doctor_id, at)
        else:
            await self._conn.execute("DELETE FROM b_agreements WHERE medication_id = $1", medication_id)
