"""The gateway's HTTP client to the services' own APIs: one pooled client, made in the lifespan.

aiohttp, not httpx: every public request makes one to three of these calls, and under load httpx's
transport (httpcore over anyio) was over half of the gateway's CPU (make profile); aiohttp's client, with its
C parser on asyncio's own transports, does the same calls for a fraction of it."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import aiohttp
from fastapi import Response
from opentelemetry.sdk.trace import TracerProvider

from kit.errors import DomainError
from kit.logging import current_correlation_id, get_logger
from kit.telemetry import SECRET_HEADERS, scrub_url

log = get_logger(__name__)


@dataclass(frozen=True)
class Upstream:
    """A service's answer, read whole: the gateway's calls are small JSON documents and a PDF at most."""
    status_code: int
    content: bytes
    headers: Mapping[str, str]  # case-insensitive, as the wire's

    def json(self) -> Any:
        return json.loads(self.content)


def upstream_problem(response: Upstream) -> DomainError:
    """A service's problem details, passed on unchanged; anything else is a 502, never a 500."""
    try:
        body = response.json()
    except ValueError:
        body = {}
    if isinstance(body, dict) and isinstance(body.get("code"), str):
        extra = {k: v for k, v in body.items() if k not in {"type", "title", "status", "detail", "code", "instance"}}
        return DomainError(body.get("detail"), code=body["code"], status=response.status_code,
                           title=body.get("title"), **extra)
    return DomainError("En tjeneste svarte ikke som forventet. Prøv igjen om litt.", code="upstream.unavailable",
                       status=502, title="Tjenesten er midlertidig utilgjengelig.")


def _query(params: Mapping[str, Any] | None) -> dict[str, str] | None:
    """Query values as the services read them: true/false for booleans, empty for None (as httpx wrote)."""
    if params is None:
        return None
    return {k: ("true" if v else "false") if isinstance(v, bool) else "" if v is None else str(v)
            for k, v in params.items()}


class Services:
    def __init__(self, urls: dict[str, str], timeout: float, tracer_provider: TracerProvider | None = None) -> None:
        self.urls = urls
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        self._session: aiohttp.ClientSession | None = None
        self._tracer_provider = tracer_provider

    def _client(self) -> aiohttp.ClientSession:
        # Made on first use, inside the running event loop (aiohttp binds its session to it).
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                timeout=self._timeout, raise_for_status=False, trace_configs=self._trace_configs(),
                connector=aiohttp.TCPConnector(limit=200, keepalive_timeout=30))  # under the services' 75 s
        return self._session

    def _trace_configs(self) -> list[aiohttp.TraceConfig]:
        """aiohttp's own instrumentation, when tracing is on: a client span per call and its traceparent header."""
        if self._tracer_provider is None:
            return []
        from opentelemetry.instrumentation.aiohttp_client import create_trace_config
        return [create_trace_config(url_filter=lambda url: scrub_url(str(url)), tracer_provider=self._tracer_provider,
                                    sensitive_headers=SECRET_HEADERS)]

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()

    async def request(self, service: str, method: str, path: str, *, params: Mapping[str, Any] | None = None,
                      json: Any = None, content: bytes | None = None, headers: Mapping[str, str] | None = None
                      ) -> Upstream:
        """One call to a service. A service that cannot be reached (restarting, overloaded, gone) is a 503
        problem the client may retry, never a 500."""
        sent = {"X-Request-ID": current_correlation_id(), **(headers or {})}
        try:
            async with self._client().request(method, f"{self.urls[service]}{path}", params=_query(params),
                                              json=json, data=content, headers=sent) as response:
                return Upstream(response.status, await response.read(), response.headers.copy())
        except (TimeoutError, aiohttp.ClientError) as exc:
            log.warning("upstream_unreachable", service=service, error=type(exc).__name__)
            raise DomainError("En tjeneste svarer ikke akkurat nå. Prøv igjen om litt.", code="upstream.unavailable",
                              status=503, title="Tjenesten er midlertidig utilgjengelig.") from exc

    async def _accepted(self, service: str, method: str, path: str, **kwargs: Any) -> Upstream:
        """The service's answer if it accepted the call; a refusal comes back as the same problem (same code)."""
        response = await self.request(service, method, path, **kwargs)
        if response.status_code >= 400:
            raise upstream_problem(response)
        return response

    async def call(self, service: str, method: str, path: str, **kwargs: Any) -> Any:
        """Call a service and return its JSON; a refusal comes back as the same problem (same code)."""
        response = await self._accepted(service, method, path, **kwargs)
        if response.status_code == 204 or not response.content:
            return None
        return response.json()

    async def forward(self, service: str, method: str, path: str, **kwargs: Any) -> Response:
        """Call a service and pass its JSON answer on as it is, unparsed. For answers already in the public
        shape and large enough that parsing, validating and writing them again was a real share of the
        gateway's CPU (the slot search: hundreds of slots). A contract test holds the shapes equal."""
        response = await self._accepted(service, method, path, **kwargs)
        return Response(response.content, status_code=response.status_code, media_type="application/json")

    async def readiness(self) -> dict[str, dict[str, Any]]:
        async def one(name: str) -> tuple[str, dict[str, Any]]:
            try:
                async with asyncio.timeout(3):
                    response = await self.request(name, "GET", "/ready")
                body = response.json()
                return name, {"ready": response.status_code == 200 and body.get("ready") is True,
                              "checks": body.get("checks", {})}
            except (DomainError, TimeoutError, ValueError) as exc:
                return name, {"ready": False, "error": type(exc).__name__}
        return dict(await asyncio.gather(*(one(n) for n in self.urls)))


async def patient_card(services: Services, patient_id: str) -> dict[str, Any]:
    """Whom a staff page is about, as every staff page shows it: the name and the birth date (identity's
    registry), never the national ID."""
    found = await services.call("identity", "GET", f"/internal/patients/{patient_id}")
    return {"patient_name": found["name"], "patient_birth_date": found["birth_date"]}
