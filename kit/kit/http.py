"""The HTTP side every service shares: the app factory, health, readiness, request metrics, request ids.
The metrics themselves are served on a listener of their own (kit/metrics.py), never here."""

from __future__ import annotations

import gc
import re
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import date
from typing import Annotated, Any

import uvicorn
from fastapi import APIRouter, FastAPI
from fastapi.responses import JSONResponse
from prometheus_client import Counter, Histogram
from pydantic import BeforeValidator, WithJsonSchema
from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from kit.logging import correlation_id, new_correlation_id
from kit.problems import BodyTooLarge, document_problems, install_problem_handlers
from kit.runtime import ServiceRuntime
from kit.telemetry import instrument_app

REQUEST_ID = "X-Request-ID"
_SAFE_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")

# What a JSON command may weigh: the largest the clinic's clients send (a reason or a message of a few thousand
# characters, written as JSON escapes at worst) is far under it. A route that takes more (a file upload) says so
# with `body_limit`.
DEFAULT_BODY_LIMIT = 64 * 1024
_ISO_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _iso_day(value: object) -> object:
    # pydantic reads a number (or a string of one) as a Unix timestamp, so `?from=1.5e-272` was answered as
    # 1970-01-01 instead of refused: a day in a URL is written YYYY-MM-DD and nothing else.
    if isinstance(value, date) or (isinstance(value, str) and _ISO_DAY.fullmatch(value)):
        return value
    raise ValueError("Datoen skrives ÅÅÅÅ-MM-DD.")


IsoDay = Annotated[date, BeforeValidator(_iso_day),
                   WithJsonSchema({"type": "string", "format": "date", "pattern": _ISO_DAY.pattern})]
"""A calendar day in a query or path: ISO 8601 (YYYY-MM-DD) only."""
BODY_LIMIT = "x-max-body-bytes"

REQUESTS = Counter("eportal_http_requests_total", "HTTP requests", ["service", "method", "route", "status"])
LATENCY = Histogram("eportal_http_request_seconds", "HTTP request latency", ["service", "method", "route"])


class RequestContext:
    """Binds the request id (the caller's, if it is a safe one, else a new one) for logs and outgoing calls,
    returns it in X-Request-ID and counts the request in the metrics.

    A plain ASGI middleware, not `@app.middleware("http")`: Starlette's BaseHTTPMiddleware runs the app in a
    task group of its own and streams the body through a memory channel, which `make profile` showed as a
    real share of every request's CPU in every service."""

    def __init__(self, app: ASGIApp, service: str) -> None:
        self.app, self.service = app, service

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = Headers(scope=scope).get(REQUEST_ID, "")
        rid = incoming if _SAFE_ID.match(incoming) else new_correlation_id()
        status = 500  # what the server answers if the app raises before it starts a response

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                MutableHeaders(scope=message).append(REQUEST_ID, rid)
            await send(message)

        token = correlation_id.set(rid)
        started = time.perf_counter()
        try:
            await self.app(scope, receive, send_with_id)
        finally:
            correlation_id.reset(token)
            LATENCY.labels(self.service, scope["method"], "?").observe(time.perf_counter() - started)
            route = scope.get("route")
            REQUESTS.labels(self.service, scope["method"], getattr(route, "path", "unmatched"), status).inc()


def body_limit(max_bytes: int) -> dict[str, Any]:
    """A route's `openapi_extra` for a body larger than a JSON command's (a file upload): the limit BodyLimit
    holds it to, written in the OpenAPI for clients as `x-max-body-bytes`."""
    return {BODY_LIMIT: max_bytes}


class BodyLimit:
    """Every request body has a limit: its route's `body_limit`, else DEFAULT_BODY_LIMIT. A Content-Length over it
    is refused (413 `validation.too_large`) at the first read, before any of the body is read; a body sent
    without one is counted as it arrives and refused the moment it passes the limit. One anonymous body of
    3.5 MB once held every service's event loop for seconds while it was parsed and validated (issue 14).

    The limit is looked up when the endpoint first reads the body: routing has run by then, so the matched
    route is in the scope. Starlette's own RequestBodyLimitMiddleware answers a declared Content-Length over
    the limit with plain text in place of whatever the app answered, not with problem details."""

    def __init__(self, app: ASGIApp, default: int = DEFAULT_BODY_LIMIT) -> None:
        self.app, self.default = app, default

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit: int | None = None
        received = 0

        async def receive_within_limit() -> Message:
            nonlocal limit, received
            if limit is None:
                limit = int((getattr(scope.get("route"), "openapi_extra", None) or {}).get(BODY_LIMIT, self.default))
                declared = Headers(scope=scope).get("content-length", "")
                if declared.isdigit() and int(declared) > limit:
                    raise BodyTooLarge(limit)
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge(limit)
            return message

        await self.app(scope, receive_within_limit, send)


def create_app(runtime: ServiceRuntime, *, title: str, routers: list[APIRouter] | None = None,
               **fastapi_args: Any) -> FastAPI:
    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        await runtime.start()
        try:
            yield
        finally:
            await runtime.stop()

    # FastAPI's native OpenTelemetry off: our spans come from FastAPIInstrumentor with the service's own provider
    # (kit/telemetry.py), and the native one, never configured, still asked OpenTelemetry's global provider (an
    # environment lookup) on every request: 1 % of the gateway's CPU under load (make profile).
    app = FastAPI(title=title, lifespan=lifespan, telemetry={"tracing": False, "metrics": False, "logs": False},
                  **fastapi_args)
    app.state.runtime = runtime
    install_problem_handlers(app)
    document_problems(app)
    service = runtime.settings.service_name

    app.add_middleware(BodyLimit)
    app.add_middleware(RequestContext, service=service)

    @app.get("/health", include_in_schema=False)
    async def health() -> dict[str, str]:
        return {"status": "ok", "service": service}

    @app.get("/ready", include_in_schema=False)
    async def ready() -> JSONResponse:
        checks = await runtime.readiness()
        ok = all(checks.values())
        return JSONResponse({"ready": ok, "service": service, "checks": checks}, status_code=200 if ok else 503)

    for router in routers or []:
        app.include_router(router)
    instrument_app(app, runtime.tracer_provider)
    return app


def serve(app: FastAPI, host: str, port: int) -> None:
    """Run one service in this process (`python -m <service>`)."""
    runtime = getattr(app.state, "runtime", None)
    if isinstance(runtime, ServiceRuntime):
        # What start-up made (modules, the app, its routes) lives as long as the process: out of every collection.
        gc.freeze()
        gc.set_threshold(runtime.settings.gc_gen0_threshold, *gc.get_threshold()[1:])
    # Keep-alive longer than clients' pools keep idle connections (httpx: 5 s), so the server never closes
    # a connection the client is just reusing (a ReadError under load); an ingress's is longer still.
    # proxy_headers off: uvicorn would otherwise believe X-Forwarded-For from any loopback peer and hand the
    # forged address on as the client's (a login flood from one machine spread over made-up addresses); the
    # gateway reads the header itself, as far as its settings.trusted_proxy_hops trust it (tests/security).
    # log_config None: uvicorn's lines go through the service's own JSON logging (kit.logging), whose root
    # handler scrubs what they carry (an unhandled error's traceback holds PostgreSQL's DETAIL: the failing
    # row), instead of handlers of uvicorn's own that print it as it is.
    # loop and http named, not "auto": uvloop's event loop and httptools' parser (kit's dependencies) are what
    # the bench measured; "auto" would fall back to asyncio's loop and h11 without a word if either were missing.
    uvicorn.run(app, host=host, port=port, log_level="warning", access_log=False, proxy_headers=False,
                lifespan="on", timeout_graceful_shutdown=10, timeout_keep_alive=75, log_config=None,
                loop="uvloop", http="httptools")
