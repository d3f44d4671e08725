"""Staff's view of what notify sent a patient: which message, when, on which channel, with which outcome
and tries. Never the text (so never a login code). Reception answers "I never got the SMS"; a doctor
sees the patients on their own list; admin all. Every read is audited."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel

from gateway.auth import staff
from gateway.dependencies import audited, services
from gateway.domain.principal import Principal

router = APIRouter(prefix="/api/v1/staff", tags=["varsler"])

notification_staff = staff("reception", "doctor", "admin")


class Try(BaseModel):
    attempt: int
    at: datetime
    outcome: Literal["accepted", "failed", "deferred"]
    error: str | None


class Notification(BaseModel):
    id: uuid.UUID
    kind: str
    label: str
    channel: Literal["sms", "email"]
    address: str
    state: Literal["queued", "sent", "failed", "withdrawn"]
    attempts: int
    created_at: datetime
    next_attempt_at: datetime
    sent_at: datetime | None
    finished_at: datetime | None
    last_error: str | None
    tries: list[Try]


class Notifications(BaseModel):
    items: list[Notification]


@router.get("/patients/{patient_id}/notifications", response_model=Notifications,
            summary="Varsler sendt til en pasient: hva, når, kanal og utfall (uten meldingsteksten)")
async def patient_notifications(request: Request, patient_id: uuid.UUID,
                                limit: int = Query(default=100, ge=1, le=500),
                                principal: Principal = Depends(notification_staff)) -> Notifications:
    params: dict[str, str | int] = {"limit": limit}
    if principal.role == "doctor":
        params["doctor_id"] = str(principal.subject_id)  # notify refuses a patient on another list
    body = await audited(request, principal, patient_id, "notifications", None, "read", lambda: services(request).call(
        "notify", "GET", f"/internal/patients/{patient_id}/deliveries", params=params))
    return Notifications.model_validate(body)
