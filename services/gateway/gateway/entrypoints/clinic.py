"""The clinic's facts (api.md: GET /api/v1/clinic): public, before any login, so the login page and every
"ring oss" can say which number to ring and when. From configuration (settings.clinic_*), not a database."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel

from gateway.dependencies import gateway
from gateway.settings import OpeningHours

router = APIRouter(prefix="/api/v1", tags=["legekontoret"])


class ClinicOut(BaseModel):
    name: str
    address: str
    phone: str
    opening_hours: list[OpeningHours]
    web: str


@router.get("/clinic", response_model=ClinicOut, summary="Legekontoret: navn, adresse, telefon, åpningstider")
async def clinic(request: Request, response: Response) -> ClinicOut:
    settings = gateway(request).settings
    response.headers["Cache-Control"] = "public, max-age=300"
    return ClinicOut(name=settings.clinic_name, address=settings.clinic_address, phone=settings.clinic_phone,
                     opening_hours=settings.clinic_opening_hours, web=str(settings.clinic_web))

