"""The public API (api.md). Version 1 lives under /api/v1; health and the OpenAPI document under /api."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from gateway.dependencies import gateway, services

router = APIRouter(prefix="/api")


@router.get("/health", tags=["drift"], summary="Readiness of the gateway and every service")
async def health(request: Request) -> JSONResponse:
    upstream = await services(request).readiness()
    own = await gateway(request).runtime.readiness()
    upstream["gateway"] = {"ready": all(own.values()), "checks": own}
    ok = all(s["ready"] for s in upstream.values())
    body: dict[str, Any] = {"status": "ok" if ok else "degraded", "services": upstream}
    return JSONResponse(body, status_code=200 if ok else 503)
