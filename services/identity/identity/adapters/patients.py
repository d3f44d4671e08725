"""Patients in PostgreSQL: the one place identity's patient SQL lives."""

from __future__ import annotations

import uuid

import asyncpg

from identity.domain.national_id import parse_national_id
from identity.domain.patient import Patient
from kit.errors import DomainError


class PatientAlreadyRegistered(DomainError):
    code, status, title = "identity.patient_exists", 409, "Pasienten er allerede registrert."


class PatientRepository:
    def __init__(self, conn: asyncpg.Connection, *, allow_test_identities: bool) -> None:
        self._conn = conn
        self._allow_test = allow_test_identities

    async def add(self, patient: Patient) -> None:
        try:
            await self._conn.execute(
                """INSERT INTO patients (id, national_id, name, birth_date, mobile, email, gp_id,
                                         first_contact_done)
                   VALUES ($1, $2, $3, $4, $5, $6, $7, $8)""",
                patient.id, patient.national_id.value, patient.name, patient.birth_date, patient.mobile,
                patient.email, patient.gp_id, patient.first_contact_done)
        except asyncpg.UniqueViolationError as exc:
            raise PatientAlreadyRegistered() from exc

    async def get(self, patient_id: uuid.UUID) -> Patient | None:
        row = await self._conn.fetchrow("SELECT * FROM patients WHERE id = $1", patient_id)
        return self._to_patient(row) if row else None

    def _to_patient(self, row: asyncpg.Record) -> Patient:
        return Patient(row["id"], parse_national_id(row["national_id"], allow_test_identities=True), row["name"],
                       row["birth_date"], row["mobile"], row["email"], row["gp_id"], row["first_contact_done"])
