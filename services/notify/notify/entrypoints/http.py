"""notify's internal API (only the gateway calls it): the development sinks' contents and the delivery
state of a patient's messages for staff (never a message's text, so never a login code)."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, Query, Request

from kit.errors import Forbidden, NotFound
from kit.patient_directory import PatientDirectory
from kit.runtime import ServiceRuntime
from notify.adapters import repository as repo
from notify.adapters.sinks import MailSink, SmsSink
from notify.domain.templates import TEMPLATES

router = APIRouter(prefix="/internal")


def _rt(request: Request) -> ServiceRuntime:
    runtime: ServiceRuntime = request.app.state.runtime
    return runtime


def _sink(request: Request, name: str) -> Any:
    sink = _rt(request).state.get(name)
    if sink is None:
        raise NotFound("Utviklingsmottakerne kjører ikke her.")
    return sink


@router.get("/dev/sms")
async def dev_sms(request: Request, to: str | None = Query(default=None, max_length=20)) -> dict[str, Any]:
    """What the SMS sink received, newest first (development and tests only)."""
    sink: SmsSink = _sink(request, "sms_sink")
    return {"items": sink.to(to)}


@router.get("/dev/mail")
async def dev_mail(request: Request, to: str | None = Query(default=None, max_length=254)) -> dict[str, Any]:
    """What the mail sink received, newest first, attachments by name and size (development and tests only)."""
    sink: MailSink = _sink(request, "mail_sink")
    return {"items": sink.to(to)}


@router.get("/patients/{patient_id}/deliveries")
async def patient_deliveries(request: Request, patient_id: uuid.UUID, doctor_id: uuid.UUID | None = None,
                             limit: int = Query(default=100, ge=1, le=500)) -> dict[str, Any]:
    """What was sent to a patient, when, on which channel, with which outcome. `doctor_id`: the caller is
    that doctor, who sees only patients on their own list."""
    async with _rt(request).pool.acquire() as conn:
        patient = await PatientDirectory(conn).find(patient_id)
        if doctor_id is not None and (patient.gp_id if patient else None) != doctor_id:
            raise Forbidden("Pasienten står ikke på listen din.")
        rows = await repo.deliveries_of(conn, patient_id, limit)
    if patient is None and not rows:
        raise NotFound("Fant ikke pasienten.")
    return {"items": [{**row, "label": TEMPLATES[row["kind"]].label} for row in rows]}
