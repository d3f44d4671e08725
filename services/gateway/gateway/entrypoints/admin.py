"""The clinic's administrator: staff accounts, and who has accessed a patient's data (Normen: the clinic
must be able to answer a patient's or the Data Protection Authority's question about access)."""

from __future__ import annotations

import uuid
from typing import Any, Literal

from fastapi import APIRouter, Depends, Query, Request, status
from pydantic import Field

from gateway.auth import staff
from gateway.dependencies import Strict, audit, gateway, services
from gateway.domain.principal import Principal

router = APIRouter(prefix="/api/v1/staff", tags=["administrasjon"])
admin = staff("admin")


class AccountIn(Strict):
    username: str = Field(min_length=2, max_length=64, pattern=r"^[a-z0-9._-]+$")
    name: str = Field(min_length=1, max_length=200)
    role: Literal["doctor", "reception", "billing", "admin"]
    password: str = Field(min_length=12, max_length=256, description="Minst 12 tegn; lagres bare som argon2id.")


@router.post("/accounts", status_code=status.HTTP_201_CREATED)
async def add_account(body: AccountIn, request: Request, principal: Principal = Depends(admin)) -> Any:
    """A new staff account. A doctor account is also a patient list: patients are listed with its id."""
    return await services(request).call("identity", "POST", "/internal/staff", json=body.model_dump())


@router.get("/patients/{patient_id}/access-log")
async def patients_access_log(patient_id: uuid.UUID, request: Request, principal: Principal = Depends(admin),
                              limit: int = Query(default=100, ge=1, le=500),
                              before: int | None = Query(default=None, ge=1)) -> dict[str, Any]:
    """Every recorded access to one patient's data, newest first, with the request ids to trace it."""
    entries = await gateway(request).audit_log.for_administrator(patient_id, before=before, limit=limit)
    await audit(request, principal, patient_id=patient_id, object_type="access_log", object_id=None, action="read")
    return {"entries": entries, "next_before": entries[-1]["id"] if len(entries) == limit else None}
