"""identity's own HTTP API (reached only by the gateway): thin, parse and hand over."""

from __future__ import annotations

import uuid
from datetime import date

from fastapi import APIRouter, Request, status
from pydantic import BaseModel, ConfigDict, Field

from identity import handlers
from identity.adapters.patients import PatientRepository
from kit.errors import NotFound
from kit.runtime import ServiceRuntime

router = APIRouter(prefix="/internal")


class RegisterPatientIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    national_id: str = Field(min_length=11, max_length=11)
    name: str = Field(min_length=1, max_length=200)
    birth_date: date
    mobile: str | None = Field(default=None, max_length=20)
    email: str | None = Field(default=None, max_length=254)
    gp_id: uuid.UUID | None = None
    first_contact_done: bool = False


class PatientOut(BaseModel):
    id: uuid.UUID
    name: str
    birth_date: date
    mobile: str | None
    email: str | None
    gp_id: uuid.UUID | None
    first_contact_done: bool


def _runtime(request: Request) -> ServiceRuntime:
    runtime: ServiceRuntime = request.app.state.runtime
    return runtime


@router.post("/patients", status_code=status.HTTP_201_CREATED, response_model=PatientOut)
async def register_patient(body: RegisterPatientIn, request: Request) -> PatientOut:
    patient = await handlers.register_patient(_runtime(request), **body.model_dump())
    return PatientOut(id=patient.id, name=patient.name, birth_date=patient.birth_date, mobile=patient.mobile,
                      email=patient.email, gp_id=patient.gp_id, first_contact_done=patient.first_contact_done)


@router.get("/patients/{patient_id}", response_model=PatientOut)
async def get_patient(patient_id: uuid.UUID, request: Request) -> PatientOut:
    async with _runtime(request).pool.acquire() as conn:
        patient = await PatientRepository(conn, allow_test_identities=True).get(patient_id)
    if patient is None:
        raise NotFound()
    return PatientOut(id=patient.id, name=patient.name, birth_date=patient.birth_date, mobile=patient.mobile,
                      email=patient.email, gp_id=patient.gp_id, first_contact_done=patient.first_contact_done)
