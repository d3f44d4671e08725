"""The gateway's HTTP client to the services' own APIs: one pooled client, made in the lifespan."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx

from kit.errors import DomainError
from kit.logging import current_correlation_id, get_logger

log = get_logger(__name__)


def upstream_problem(response: httpx.Response) -> DomainError:
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


class Services:
    def __init__(self, urls: dict[str, str], timeout: float) -> None:
        self.urls = urls
        self._client = httpx.AsyncClient(timeout=timeout)

    async def close(self) -> None:
        await self._client.aclose()

    async def request(self, service: str, method: str, path: str, **kwargs: Any) -> httpx.Response:
        """One call to a service. A service that cannot be reached (restarting, overloaded, gone) is a 503
        problem the client may retry, never a 500."""
        headers = {"X-Request-ID": current_correlation_id(), **kwargs.pop("headers", {})}
        try:
            return await self._client.request(method, f"{self.urls[service]}{path}", headers=headers, **kwargs)
        except httpx.HTTPError as exc:
            log.warning("upstream_unreachable", service=service, error=type(exc).__name__)
            raise DomainError("En tjeneste svarer ikke akkurat nå. Prøv igjen om litt.", code="upstream.unavailable",
                              status=503, title="Tjenesten er midlertidig utilgjengelig.") from exc

    async def call(self, service: str, method: str, path: str, **kwargs: Any) -> Any:
        """Call a service and return its JSON; a refusal comes back as the same problem (same code)."""
        response = await self.request(service, method, path, **kwargs)
        if response.status_code >= 400:
            raise upstream_problem(response)
        if response.status_code == 204 or not response.content:
            return None
        return response.json()

    async def readiness(self) -> dict[str, dict[str, Any]]:
        async def one(name: str) -> tuple[str, dict[str, Any]]:
            try:
                response = await self._client.get(f"{self.urls[name]}/ready", timeout=3)
                body = response.json()
                return name, {"ready": response.status_code == 200 and body.get("ready") is True,
                              "checks": body.get("checks", {})}
            except (httpx.HTTPError, ValueError) as exc:
                return name, {"ready": False, "error": type(exc).__name__}
        return dict(await asyncio.gather(*(one(n) for n in self.urls)))
