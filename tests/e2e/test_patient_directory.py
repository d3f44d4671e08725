"""One real flow end to end: a patient registered in identity reaches every service that keeps a
patient directory, through the outbox, real Kafka and each service's inbox."""

from __future__ import annotations

from contextlib import AsyncExitStack

import asyncpg
import pytest

from tests.support.eventually import eventually
from tests.support.services import StackEnv, running

pytestmark = pytest.mark.stack

DIRECTORY_KEEPERS = ("booking", "prescription", "econsult", "billing", "notify")


async def test_a_registered_patient_reaches_every_directory(stack_env: StackEnv) -> None:
    import importlib
    prefix = stack_env.fresh_prefix()
    async with AsyncExitStack() as stack:
        clients = {}
        for service in ("identity", *DIRECTORY_KEEPERS):
            build = importlib.import_module(f"{service}.bootstrap").build
            app = build(stack_env.settings(service, topic_prefix=prefix))
            clients[service] = await stack.enter_async_context(running(app))

        response = await clients["identity"].post("/internal/patients", json={
            "national_id": "01017010170", "name": "Kari Nordmann", "birth_date": "1970-01-01",
            "mobile": "912 34 567", "email": "kari@example.no", "first_contact_done": True,
        })
        assert response.status_code == 201, response.text
        patient_id = response.json()["id"]
        assert response.json()["mobile"] == "+4791234567"

        async def directory_row(service: str) -> asyncpg.Record | None:
            conn = await asyncpg.connect(stack_env.dsns[service])
            try:
                return await conn.fetchrow("SELECT * FROM patient_directory WHERE patient_id = $1", patient_id)
            finally:
                await conn.close()

        missing = set(DIRECTORY_KEEPERS)

        async def everywhere() -> bool:
            for service in list(missing):
                row = await directory_row(service)
                if row is not None:
                    assert row["name"] == "Kari Nordmann"
                    assert row["mobile"] == "+4791234567"
                    missing.discard(service)
            return not missing
        await eventually(everywhere, "the patient in every directory")

        for service in ("identity", *DIRECTORY_KEEPERS):
            ready = await clients[service].get("/ready")
            assert ready.json() == {"ready": True, "service": service, "checks": {"database": True, "kafka": True}}


async def test_the_gateway_reports_every_service(stack_env: StackEnv) -> None:
    from gateway.bootstrap import build
    async with running(build(stack_env.settings("gateway", identity_url="http://127.0.0.1:1"))) as gateway:
        health = await gateway.get("/api/health")
        assert health.status_code == 503
        body = health.json()
        assert set(body["services"]) == {"identity", "booking", "prescription", "econsult", "billing", "notify",
                                         "gateway"}
        assert body["services"]["identity"]["ready"] is False
        assert body["services"]["gateway"]["ready"] is True
        spec = await gateway.get("/api/openapi.json")
        assert spec.status_code == 200
        assert "/api/health" in spec.json()["paths"]
