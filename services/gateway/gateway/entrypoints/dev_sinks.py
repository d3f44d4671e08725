"""Development only (api.md): what notify's SMS and mail sinks received, newest first, so a developer
logging in during `make run` reads the login code at /dev/sms. Present only where the gateway's
`dev_routes` are on (dev and test); everywhere else these paths answer 404."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query, Request

from gateway.adapters.services import Services
from gateway.dependencies import Gateway
from kit.errors import NotFound

router = APIRouter(prefix="/dev", tags=["utvikling"], include_in_schema=False)


def _notify(request: Request) -> Services:
    found = getattr(request.app.state, "gateway", None)  # an app without the gateway's state: off
    if not (isinstance(found, Gateway) and found.settings.serves_dev_routes):
        raise NotFound()
    return found.services


@router.get("/sms", summary="What the SMS sink received, newest first")
async def dev_sms(request: Request, to: str | None = Query(default=None, max_length=20)) -> Any:
    return await _notify(request).call("notify", "GET", "/internal/dev/sms", params={"to": to} if to else None)


@router.get("/mail", summary="What the mail sink received, newest first")
async def dev_mail(request: Request, to: str | None = Query(default=None, max_length=254)) -> Any:
    return await _notify(request).call("notify", "GET", "/internal/dev/mail", params={"to": to} if to else None)
