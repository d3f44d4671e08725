"""The public API's headers and exposure (issue 14, item 6): every answer `nosniff` and `no-store`, a 401 with
RFC 6750's Bearer challenge, and the interactive docs from our own origin under the web client's CSP."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from gateway.bootstrap import build
from gateway.entrypoints.web import SECURITY_HEADERS
from gateway.settings import GatewaySettings
from kit.errors import DomainError


class Identity:
    """identity as the gateway sees it: every session token is unknown (401)."""

    async def call(self, service: str, method: str, path: str, **kwargs: Any) -> Any:
        raise DomainError(code="auth.invalid_session", status=401)


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    app = build(GatewaySettings(env="test", database_url="postgresql://nobody@127.0.0.1:1/none"))
    app.state.gateway.services = Identity()
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://gw") as http:
        yield http


async def test_a_401_carries_the_bearer_challenge(client: httpx.AsyncClient) -> None:
    anonymous = await client.get("/api/v1/me")
    assert (anonymous.status_code, anonymous.json()["code"]) == (401, "auth.required")
    assert anonymous.headers["www-authenticate"] == 'Bearer realm="eportal"'
    for presented in ({"Authorization": "Bearer not-a-session"}, {"Cookie": "__Host-eportal_session=gone"}):
        refused = await client.get("/api/v1/me", headers=presented)
        assert refused.status_code == 401
        assert refused.headers["www-authenticate"] == 'Bearer realm="eportal", error="invalid_token"'


@pytest.mark.parametrize(("method", "path"), [
    ("GET", "/api/v1/me"), ("GET", "/api/openapi.json"), ("POST", "/api/v1/auth/login"),
    ("GET", "/api/v1/no-such-route"), ("GET", "/api/docs")])
async def test_every_api_answer_is_neither_sniffed_nor_kept(client: httpx.AsyncClient, method: str, path: str) -> None:
    answer = await client.request(method, path, json={})
    assert answer.headers["x-content-type-options"] == "nosniff"
    assert answer.headers["cache-control"] in ("no-store", "no-cache")  # the docs page: revalidated, holds nothing


async def test_the_docs_load_only_our_own_files_under_the_web_clients_csp(client: httpx.AsyncClient) -> None:
    page = await client.get("/api/docs")
    assert page.status_code == 200
    assert page.headers["content-security-policy"] == SECURITY_HEADERS["Content-Security-Policy"]
    assert "script-src 'self'" in page.headers["content-security-policy"]
    assert "http" not in page.text  # no CDN, no other origin
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", page.text, re.DOTALL)
    assert scripts
    assert all('src="/api/docs/' in attributes and not body.strip() for attributes, body in scripts)  # none inline
    for asset in re.findall(r'(?:src|href)="(/api/docs/[^"]+)"', page.text):
        loaded = await client.get(asset)
        assert loaded.status_code == 200, asset
        assert loaded.headers["x-content-type-options"] == "nosniff"
    bundle = await client.get("/api/docs/swagger-ui-bundle.js")
    assert b"SwaggerUIBundle" in bundle.content
    assert (await client.get("/api/docs/redoc.standalone.js")).status_code == 404  # only what the page loads
