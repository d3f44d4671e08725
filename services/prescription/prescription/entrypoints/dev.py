"""The intermediary simulator's window, in development and tests only (404 in production): what it
received, and its fault switch (see SimulatedIntermediary)."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, Request

from kit.errors import NotFound
from prescription.adapters.intermediary import SimulatedIntermediary
from prescription.entrypoints.schemas import ModeIn

router = APIRouter(prefix="/internal/dev/intermediary", include_in_schema=False)


def _simulator(request: Request) -> SimulatedIntermediary:
    found = request.app.state.runtime.state.get("intermediary")
    if not isinstance(found, SimulatedIntermediary):
        raise NotFound("Ingen simulator i denne tjenesten.")
    return found


@router.get("")
async def received(request: Request, patient_id: uuid.UUID | None = None) -> dict[str, Any]:
    simulator = _simulator(request)
    return {"mode": simulator.mode, "items": await simulator.received(patient_id)}


@router.put("/mode")
async def set_mode(body: ModeIn, request: Request) -> dict[str, str]:
    simulator = _simulator(request)
    simulator.mode = body.mode
    return {"mode": simulator.mode}
