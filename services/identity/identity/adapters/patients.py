"""Patients in PostgreSQL: the one place identity's patient SQL lives."""

from __future__ import annotations

import uuid
from datetime import date

import asyncpg

from identity.domain.errors import PatientAlreadyRegistered
from identity.domain.national_id import parse_national_id
from identity.domain.patient import Patient

_COLUMNS = "id, national_id, name, birth_date, mobile, email, gp_id, first_contact_done, language"


class PatientRepository:
    def __init__(self, conn: asyncpg.Connection, *, allow_test_identities: bool) -> None:
        self._conn = conn
        self._allow_test = allow_test_identities

    async def add(self, patient: Patient) -> None:
        try:
            await self._conn.execute(
                f"INSERT INTO patients ({_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                patient.id, patient.national_id.value, patient.name, patient.birth_date, patient.mobile,
                patient.email, patient.gp_id, patient.first_contact_done, patient.language)
        except asyncpg.UniqueViolationError as exc:
            raise PatientAlreadyRegistered() from exc

    async def save(self, patient: Patient) -> None:
        await self._conn.execute(
            """UPDATE patients SET name = $2, mobile = $3, email = $4, gp_id = $5, first_contact_done = $6,
                                   language = $7, updated_at = now() WHERE id = $1""",
            patient.id, patient.name, patient.mobile, patient.email, patient.gp_id, patient.first_contact_done,
            patient.language)

    async def get(self, patient_id: uuid.UUID, *, for_update: bool = False) -> Patient | None:
        lock = " FOR UPDATE" if for_update else ""
        row = await self._conn.fetchrow(f"SELECT {_COLUMNS} FROM patients WHERE id = $1{lock}", patient_id)
        return self._to_patient(row) if row else None

    async def login_target(self, national_id: str) -> tuple[uuid.UUID, str | None] | None:
        """The patient a login is for, and their mobile: the only two things a login start needs."""
        row = await self._conn.fetchrow("SELECT id, mobile FROM patients WHERE national_id = $1", national_id)
        return (row["id"], row["mobile"]) if row else None

    async def birth_date(self, patient_id: uuid.UUID) -> date | None:
        born: date | None = await self._conn.fetchval("SELECT birth_date FROM patients WHERE id = $1", patient_id)
        return born

    async def existing_national_ids(self, national_ids: list[str]) -> set[str]:
        rows = await self._conn.fetch("SELECT national_id FROM patients WHERE national_id = ANY($1::text[])",
                                      national_ids)
        return {r["national_id"] for r in rows}

    async def search(self, *, text: str | None, gp_id: uuid.UUID | None, limit: int) -> list[Patient]:
        """Reception's lookup: by name (part of it), by the whole national ID, or a GP's list."""
        rows = await self._conn.fetch(
            f"""SELECT {_COLUMNS} FROM patients
                WHERE ($1::text IS NULL OR name ILIKE '%' || $1 || '%' OR national_id = $1)
                  AND ($2::uuid IS NULL OR gp_id = $2)
                ORDER BY name, id LIMIT $3""", text, gp_id, limit)
        return [self._to_patient(r) for r in rows]

    def _to_patient(self, row: asyncpg.Record) -> Patient:
        return Patient(row["id"], parse_national_id(row["national_id"], allow_test_identities=True), row["name"],
                       row["birth_date"], row["mobile"], row["email"], row["gp_id"], row["first_contact_done"],
                       row["language"])
