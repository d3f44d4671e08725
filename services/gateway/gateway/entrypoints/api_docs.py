"""The API's interactive documentation (/api/docs): Swagger UI from the copy the fastapi-offline package ships,
served from the portal's own origin under the web client's Content-Security-Policy.

FastAPI's own page loaded Swagger UI from a public CDN with a floating version and no integrity check, and
started it with an inline script: whoever served that file ran code on the portal's origin. Here every script is
one of ours (the start-up script below is a file, not inline), so `script-src 'self'` holds."""

from __future__ import annotations

import importlib.resources
from functools import cache

from fastapi import APIRouter, Response
from fastapi.responses import HTMLResponse

from gateway.entrypoints.web import SECURITY_HEADERS
from kit.errors import NotFound

router = APIRouter(include_in_schema=False)

SWAGGER_UI = importlib.resources.files("fastapi_offline") / "static"
ASSETS = {"swagger-ui-bundle.js": "text/javascript", "swagger-ui.css": "text/css", "favicon.png": "image/png"}

PAGE = """<!doctype html>
<html lang="nb">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>eportal – API</title>
<link rel="stylesheet" href="/api/docs/swagger-ui.css">
<link rel="icon" href="/api/docs/favicon.png">
</head>
<body>
<div id="swagger-ui"></div>
<script src="/api/docs/swagger-ui-bundle.js"></script>
<script src="/api/docs/start.js"></script>
</body>
</html>
"""

START = """window.ui = SwaggerUIBundle({
  url: "/api/openapi.json",
  dom_id: "#swagger-ui",
  layout: "BaseLayout",
  deepLinking: true,
  presets: [SwaggerUIBundle.presets.apis, SwaggerUIBundle.SwaggerUIStandalonePreset],
});
"""


@cache
def _packaged(name: str) -> bytes:
    return (SWAGGER_UI / name).read_bytes()


@router.get("/api/docs")
async def docs() -> Response:
    return HTMLResponse(PAGE, headers={**SECURITY_HEADERS, "Cache-Control": "no-cache"})


@router.get("/api/docs/{name}")
async def asset(name: str) -> Response:
    if name == "start.js":
        content, media_type = START.encode(), "text/javascript"
    elif name in ASSETS:
        content, media_type = _packaged(name), ASSETS[name]
    else:
        raise NotFound("Fant ikke filen.")
    # The package's version changes only with a new release of the gateway: a day in a browser's cache is safe.
    return Response(content, media_type=media_type,
                    headers={**SECURITY_HEADERS, "Cache-Control": "public, max-age=86400"})
