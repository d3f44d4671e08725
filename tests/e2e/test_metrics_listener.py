"""Prometheus metrics are served on each service's own metrics listener (EPORTAL_METRICS_PORT), never on the
public app: the gateway's public port answers /metrics with a 404 problem like any unknown path, and so does
every service's HTTP port, while each metrics port serves the registry (issue 14, item 6; issue 21)."""

from __future__ import annotations

import httpx
import pytest

from tests.support.eventually import eventually
from tests.support.system import SERVICES, System

pytestmark = pytest.mark.stack


async def test_the_public_port_has_no_metrics_and_the_metrics_port_has(live_system: System) -> None:
    async with live_system.client() as http:
        assert (await http.get("/api/health")).status_code == 200  # a request for the counters to show
        public = await http.get("/metrics")
        assert public.status_code == 404
        assert public.json()["code"] == "not_found"
        assert "eportal_" not in public.text

        async def counted() -> str | None:
            scraped = await http.get(f"{live_system.metrics_urls['gateway']}/metrics")
            assert scraped.status_code == 200
            assert scraped.headers["content-type"].startswith("text/plain")
            found = 'route="/api/health"' in scraped.text
            return scraped.text if found else None

        text = await eventually(counted, "the gateway's request counter")
        assert "eportal_http_requests_total{" in text
        assert "eportal_service_ready" in text


@pytest.mark.parametrize("service", SERVICES)
async def test_every_service_serves_metrics_on_its_own_port_only(live_system: System, service: str) -> None:
    async with httpx.AsyncClient(timeout=30) as http:
        assert (await http.get(f"{live_system.service_urls[service]}/metrics")).status_code == 404
        scraped = await http.get(f"{live_system.metrics_urls[service]}/metrics")
        assert scraped.status_code == 200
        assert "eportal_outbox_backlog" in scraped.text
        assert "eportal_service_ready" in scraped.text
