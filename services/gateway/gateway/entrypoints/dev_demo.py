"""Development only (api.md: GET /dev/demo): the seeded personas and how to log in as each. Off (404)
wherever the gateway's dev routes are off, always in production. Every identity here is synthetic."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from gateway.dependencies import Gateway
from kit.demo import GUARDIANS, PERSONAS, STAFF
from kit.errors import NotFound

router = APIRouter(prefix="/dev", tags=["utvikling"], include_in_schema=False)


@router.get("/demo", summary="The demo personas (make run)")
async def dev_demo(request: Request) -> dict[str, Any]:
    found = getattr(request.app.state, "gateway", None)
    if not (isinstance(found, Gateway) and found.settings.serves_dev_routes):
        raise NotFound()
    return {
        "patients": [{"persona": p.persona, "name": p.name, "national_id": p.national_id, "mobile": p.mobile,
                      "shows": p.shows} for p in PERSONAS],
        "staff": [{"persona": s.persona, "role": s.role, "name": s.name, "username": s.username,
                   "password": s.password} for s in STAFF],
        # Parents who are not our patients (issue 19): log in as any patient does, then «Bytt person».
        "guardians": [{"persona": g.persona, "name": g.name, "national_id": g.national_id, "mobile": g.mobile,
                       "children": list(g.children), "shows": g.shows} for g in GUARDIANS],
        "sms": "/dev/sms?to=<mobil>",
    }
