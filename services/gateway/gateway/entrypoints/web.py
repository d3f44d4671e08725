"""The web portal: the built client (web/dist) at "/", with every other non-API path answered by index.html
so the client's own routes (/time, /ansatt/innboks, ...) survive a reload or a shared link.

The catch-all route never matches the API's paths (/api, /dev, /health, /ready, /metrics), whatever order
the routers are included in: an unknown API path stays a 404 problem, never a web page.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, Response
from fastapi.responses import FileResponse
from fastapi.routing import APIRoute
from starlette.routing import Match
from starlette.types import Scope

from gateway.domain.errors import WebClientMissing
from kit.errors import NotFound

WEB_DIST = Path(__file__).resolve().parents[4] / "web" / "dist"
RESERVED = ("/api", "/dev", "/health", "/ready", "/metrics", "/docs", "/openapi.json")

# The portal loads only its own files and talks only to its own origin; nobody may frame it (clickjacking).
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
        "connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"),
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=()",
    "Cross-Origin-Opener-Policy": "same-origin",
}


def reserved(path: str) -> bool:
    return any(path == prefix or path.startswith(prefix + "/") for prefix in RESERVED)


class WebRoute(APIRoute):
    """A route that steps aside for the API's paths, so it can be included before or after the API routers."""

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        if scope.get("type") == "http" and reserved(scope.get("path", "")):
            return Match.NONE, {}
        return super().matches(scope)


router = APIRouter(route_class=WebRoute, include_in_schema=False)


def _file(path: Path, cache: str) -> Response:
    return FileResponse(path, headers={**SECURITY_HEADERS, "Cache-Control": cache})


@router.get("/{requested:path}")
async def portal(requested: str) -> Response:
    root = WEB_DIST.resolve()
    index = root / "index.html"
    if not index.is_file():
        raise WebClientMissing()
    if requested:
        candidate = (root / requested).resolve()
        if candidate.is_file() and candidate.is_relative_to(root):
            # Vite names built assets by content hash, so they may be cached for good; other files briefly.
            immutable = candidate.parent == root / "assets"
            return _file(candidate, "public, max-age=31536000, immutable" if immutable else "public, max-age=300")
        if requested.startswith("assets/"):
            raise NotFound("Fant ikke filen.")
    # index.html is never cached, so a new release reaches every browser at once.
    return _file(index, "no-cache")
