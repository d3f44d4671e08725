"""The one place the gateway is wired together: the public API in front of every service."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI, Request
from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gateway.adapters.audit_log import AuditLog
from gateway.adapters.econsult_availability import EConsultAvailability
from gateway.adapters.services import Services
from gateway.adapters.session_cache import SessionCache
from gateway.dependencies import Gateway, audit_refusal
from gateway.entrypoints import ROUTERS
from gateway.entrypoints.availability_changed import follow_econsult_availability
from gateway.entrypoints.idporten import forget_expired_logins
from gateway.entrypoints.kept_sessions import refreshing_kept_sessions
from gateway.entrypoints.sessions_ended import forget_ended_sessions
from gateway.settings import GatewaySettings
from kit.clock import Clock
from kit.http import REQUEST_ID, create_app
from kit.runtime import ServiceRuntime

MIGRATIONS = Path(__file__).parent / "migrations"


class AuditRefusals:
    """Every refused attempt (403, 404) by a logged-in caller on the public API is audited, also where the
    route itself recorded nothing. The record is written before the refusal is sent; if it cannot be, the
    refusal goes all the same (it shows nothing) and the failure is logged. A plain ASGI middleware:
    BaseHTTPMiddleware costs every request a task group and a body channel."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith("/api/v1/"):
            await self.app(scope, receive, send)
            return

        async def send_after_audit(message: Message) -> None:
            if message["type"] == "http.response.start" and message["status"] in (403, 404):
                await audit_refusal(Request(scope), message["status"],
                                    Headers(raw=message["headers"]).get(REQUEST_ID, ""))
            await send(message)

        await self.app(scope, receive, send_after_audit)


class ApiHeaders:
    """Headers every answer of the public API carries (and the development routes', which show login codes):
    `nosniff`, so a browser never reads an answer as anything but its declared type; `no-store`, since nearly
    every answer holds personal data (a route that may be cached says so itself: the docs' files); and on a 401
    the `WWW-Authenticate: Bearer` challenge RFC 6750 asks for, with `invalid_token` when the client presented
    a session that is not (or no longer) valid."""

    CHALLENGE = 'Bearer realm="eportal"'

    def __init__(self, app: ASGIApp, session_cookie: str) -> None:
        self.app, self.session_cookie = app, session_cookie

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(("/api/", "/dev/")):
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers.setdefault("X-Content-Type-Options", "nosniff")
                headers.setdefault("Cache-Control", "no-store")
                if message["status"] == 401 and "www-authenticate" not in headers:
                    headers["WWW-Authenticate"] = self._challenge(Headers(scope=scope))
            await send(message)

        await self.app(scope, receive, send_with_headers)

    def _challenge(self, request: Headers) -> str:
        presented = "authorization" in request or f"{self.session_cookie}=" in request.get("cookie", "")
        return f'{self.CHALLENGE}, error="invalid_token"' if presented else self.CHALLENGE


def build(settings: GatewaySettings | None = None, clock: Clock | None = None) -> FastAPI:
    settings = settings or GatewaySettings()
    runtime = ServiceRuntime(settings, MIGRATIONS, clock=clock)
    # The services' client opens its connections on first use, inside the running loop.
    state = Gateway(runtime=runtime, settings=settings,
                    services=Services(settings.service_urls(), settings.upstream_timeout_seconds,
                                      runtime.tracer_provider),
                    session_cache=SessionCache(settings.session_cache_seconds), audit_log=AuditLog(runtime),
                    econsult_availability=EConsultAvailability(settings.econsult_availability_seconds))

    @runtime.on_stop
    async def close_clients(rt: ServiceRuntime) -> None:
        await state.services.close()

    runtime.every(300, forget_expired_logins, name="forget_expired_idporten_logins")
    if 0 < settings.session_refresh_seconds < settings.session_cache_seconds:
        runtime.every(settings.session_refresh_seconds, refreshing_kept_sessions(state), name="refresh_kept_sessions")

    app = create_app(runtime, title="eportal", version="1", routers=ROUTERS,
                     openapi_url="/api/openapi.json", docs_url=None, redoc_url=None,  # docs: api_docs.py
                     description="Pasientportalen til legekontoret: offentlig API for nett- og mobilklienter.")
    app.state.gateway = state
    forget_ended_sessions(runtime, state.session_cache)
    follow_econsult_availability(runtime, state.econsult_availability)
    app.add_middleware(AuditRefusals)
    app.add_middleware(ApiHeaders, session_cookie=settings.session_cookie)
    return app
