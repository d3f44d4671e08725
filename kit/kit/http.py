"""The HTTP side every service shares: the app factory, health, readiness, metrics, request ids."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

import uvicorn
from fastapi import APIRouter, FastAPI, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, Counter, Histogram, generate_latest

from kit.errors import document_problems, install_problem_handlers
from kit.logging import correlation_id, new_correlation_id
from kit.runtime import ServiceRuntime

REQUEST_ID = "X-Request-ID"
_SAFE_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")

REQUESTS = Counter("eportal_http_requests_total", "HTTP requests", ["service", "method", "route", "status"])
LATENCY = Histogram("eportal_http_request_seconds", "HTTP request latency", ["service", "method", "route"])


def create_app(runtime: ServiceRuntime, *, title: str, routers: list[APIRouter] | None = None,
               **fastapi_args: Any) -> FastAPI:
    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        await runtime.start()
        try:
            yield
        finally:
            await runtime.stop()

    app = FastAPI(title=title, lifespan=lifespan, **fastapi_args)
    app.state.runtime = runtime
    install_problem_handlers(app)
    document_problems(app)
    service = runtime.settings.service_name

    @app.middleware("http")
    async def bind_request_id(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        incoming = request.headers.get(REQUEST_ID, "")
        rid = incoming if _SAFE_ID.match(incoming) else new_correlation_id()
        token = correlation_id.set(rid)
        try:
            with LATENCY.labels(service, request.method, "?").time():
                response = await call_next(request)
        finally:
            correlation_id.reset(token)
        route = request.scope.get("route")
        REQUESTS.labels(service, request.method, getattr(route, "path", "unmatched"), response.status_code).inc()
        response.headers[REQUEST_ID] = rid
        return response

    @app.get("/health", include_in_schema=False)
    async def health() -> dict[str, str]:
        return {"status": "ok", "service": service}

    @app.get("/ready", include_in_schema=False)
    async def ready() -> JSONResponse:
        checks = await runtime.readiness()
        ok = all(checks.values())
        return JSONResponse({"ready": ok, "service": service, "checks": checks}, status_code=200 if ok else 503)

    @app.get("/metrics", include_in_schema=False)
    async def metrics() -> Response:
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    for router in routers or []:
        app.include_router(router)
    return app


def serve(app: FastAPI, host: str, port: int) -> None:
    """Run one service in this process (`python -m <service>`)."""
    # Keep-alive longer than clients' pools keep idle connections (httpx: 5 s), so the server never closes
    # a connection the client is just reusing (a ReadError under load); an ingress's is longer still.
    # proxy_headers off: uvicorn would otherwise believe X-Forwarded-For from any loopback peer and hand the
    # forged address on as the client's (a login flood from one machine spread over made-up addresses); the
    # gateway reads the header itself, as far as its settings.trusted_proxy_hops trust it (tests/security).
    uvicorn.run(app, host=host, port=port, log_level="warning", access_log=False, proxy_headers=False,
                lifespan="on", timeout_graceful_shutdown=10, timeout_keep_alive=75)
