"""The doctor's inbox (api.md): open renewals and eConsultations of my patients in one list.

prescription and econsult each answer `GET /internal/inbox?doctor_id=` in the agreed shape; this merges
them: portal before phone (phone requests queue behind the portal's), then by due date, then age.
A source that does not answer does not empty the inbox: its part is left out and named in `unavailable`.
"""

from __future__ import annotations

import asyncio
import uuid
from datetime import date, datetime
from typing import Any

from fastapi import APIRouter, Depends, Request

from gateway.adapters.services import Services
from gateway.auth import staff
from gateway.dependencies import audit, services
from gateway.domain.principal import Principal
from kit.errors import DomainError
from kit.logging import get_logger

router = APIRouter(prefix="/api/v1/staff", tags=["innboks"])
log = get_logger(__name__)

SOURCES = ("prescription", "econsult")
OBJECT_TYPES = {"renewal": "renewal", "econsult": "econsultation"}


def inbox_order(item: dict[str, Any]) -> tuple[bool, date, datetime]:
    return (item["channel"] != "portal", date.fromisoformat(item["due_date"]),
            datetime.fromisoformat(item["created_at"]))


async def _from(services: Services, source: str, doctor_id: uuid.UUID) -> list[dict[str, Any]] | None:
    try:
        found = await services.call(source, "GET", "/internal/inbox", params={"doctor_id": str(doctor_id)})
        items: list[dict[str, Any]] = found["items"]
        return items
    except (DomainError, KeyError, TypeError, ValueError) as exc:
        log.warning("inbox source unavailable", source=source, error=type(exc).__name__)
        return None


@router.get("/inbox")
async def inbox(request: Request, principal: Principal = Depends(staff("doctor"))) -> dict[str, Any]:
    """My open renewals and eConsultations, ordered by priority (portal before phone), then due date, then
    age; `overdue` marks those past their due date."""
    client = services(request)
    answers = await asyncio.gather(*(_from(client, s, principal.subject_id) for s in SOURCES))
    items = sorted((i for part in answers if part for i in part), key=inbox_order)
    for item in items:
        await audit(request, principal, patient_id=uuid.UUID(item["patient_id"]),
                    object_type=OBJECT_TYPES.get(item["kind"], item["kind"]), object_id=item["id"], action="list")
    return {"items": items, "unavailable": [s for s, part in zip(SOURCES, answers, strict=True) if part is None]}
