"""The web portal is served at "/" with the SPA fallback, and never shadows the API's paths."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import APIRouter, FastAPI
from fastapi.testclient import TestClient

from gateway.entrypoints import ROUTERS, web
from kit.problems import install_problem_handlers

INDEX = "<!doctype html><title>e-Portal</title><div id=root></div>"


@pytest.fixture
def client(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:
    (tmp_path / "assets").mkdir()
    (tmp_path / "index.html").write_text(INDEX)
    (tmp_path / "assets" / "index-abc123.js").write_text("console.log('portal')")
    (tmp_path / "favicon.svg").write_text("<svg/>")
    (tmp_path.parent / "secret.txt").write_text("not for the web")
    monkeypatch.setattr(web, "WEB_DIST", tmp_path)
    app = FastAPI()
    install_problem_handlers(app)
    # The web router first, on purpose: its routes must step aside for the API whatever the order.
    app.include_router(web.router)
    later = APIRouter()

    @later.get("/api/v1/later")
    async def later_route() -> dict[str, str]:
        return {"from": "api"}

    app.include_router(later)
    for router in ROUTERS:
        if router is not web.router:
            app.include_router(router)
    with TestClient(app) as c:
        yield c


def test_index_and_client_routes_get_the_portal_with_security_headers(client: TestClient) -> None:
    for path in ("/", "/time", "/ansatt/innboks", "/ansatt/resept/123"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert response.text == INDEX
        assert response.headers["cache-control"] == "no-cache"
        csp = response.headers["content-security-policy"]
        assert "frame-ancestors 'none'" in csp
        assert "script-src 'self'" in csp
        assert response.headers["x-content-type-options"] == "nosniff"


def test_built_assets_are_served_and_cached_for_good(client: TestClient) -> None:
    asset = client.get("/assets/index-abc123.js")
    assert asset.status_code == 200
    assert "javascript" in asset.headers["content-type"]
    assert "immutable" in asset.headers["cache-control"]
    assert client.get("/favicon.svg").status_code == 200
    assert client.get("/assets/missing.js").status_code == 404


def test_api_paths_are_never_the_portal(client: TestClient) -> None:
    assert client.get("/api/v1/later").json() == {"from": "api"}  # a router included after the portal's
    for path in ("/api/v1/nothing-here", "/api", "/dev/sms", "/health/x", "/metrics", "/ready"):
        response = client.get(path)
        assert response.status_code == 404, path
        assert INDEX not in response.text


def test_no_file_outside_the_build_is_served(client: TestClient) -> None:
    for path in ("/../secret.txt", "/%2e%2e/secret.txt", "/assets/../../secret.txt"):
        assert "not for the web" not in client.get(path).text


def test_a_missing_build_says_how_to_make_it(client: TestClient, monkeypatch: pytest.MonkeyPatch,
                                            tmp_path: Path) -> None:
    monkeypatch.setattr(web, "WEB_DIST", tmp_path / "nowhere")
    response = client.get("/")
    assert response.status_code == 503
    assert response.json()["code"] == "web.not_built"
