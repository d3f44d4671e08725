"""The one place the gateway is wired together: the public API in front of every service."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path

from fastapi import FastAPI, Request, Response

from gateway.adapters.services import Services
from gateway.auth import audit_refusal
from gateway.entrypoints import ROUTERS
from gateway.settings import GatewaySettings
from kit.clock import Clock
from kit.http import REQUEST_ID, create_app
from kit.runtime import ServiceRuntime

MIGRATIONS = Path(__file__).parent / "migrations"


def build(settings: GatewaySettings | None = None, clock: Clock | None = None) -> FastAPI:
    settings = settings or GatewaySettings()
    runtime = ServiceRuntime(settings, MIGRATIONS, clock=clock)

    @runtime.on_start
    async def open_clients(rt: ServiceRuntime) -> None:
        rt.state["services"] = Services(settings.service_urls(), settings.upstream_timeout_seconds)

    @runtime.on_stop
    async def close_clients(rt: ServiceRuntime) -> None:
        await rt.state["services"].close()

    app = create_app(runtime, title="eportal", version="1", routers=ROUTERS,
                     openapi_url="/api/openapi.json", docs_url="/api/docs", redoc_url=None,
                     description="Pasientportalen til legekontoret: offentlig API for nett- og mobilklienter.")

    @app.middleware("http")
    async def audit_refusals(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        """Every refused attempt by a logged-in caller is audited, also where the route itself did not."""
        response = await call_next(request)
        if response.status_code in (403, 404) and request.url.path.startswith("/api/v1/"):
            await audit_refusal(request, response.status_code, response.headers.get(REQUEST_ID, ""))
        return response

    return app
