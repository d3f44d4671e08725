"""Reception's patient search: a national ID never goes in a URL (it would land in access logs), so a search
by one is a POST; a name may use the query string."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import date
from typing import Any

import httpx
import pytest

from gateway.bootstrap import build
from gateway.domain.principal import Principal
from gateway.entrypoints import patients as routes
from gateway.settings import GatewaySettings
from kit.demo import synthetic_national_id
from services.gateway.tests.conftest import FakeServices, Gateway, a_patient, a_staff, gateway_with
from tests.support.gateway import record_audits

RECEPTION = Principal(kind="staff", subject_id=uuid.uuid4(), role="reception", session_id="s")


class Identity:
    def __init__(self) -> None:
        self.searches: list[dict[str, Any]] = []

    async def call(self, service: str, method: str, path: str, **kwargs: Any) -> Any:
        self.searches.append(kwargs["json"])
        return {"items": []}


async def test_a_national_id_in_the_query_string_is_refused_and_never_sent_on() -> None:
    app = build(GatewaySettings(env="test", database_url="postgresql://nobody@127.0.0.1:1/none"))
    identity = app.state.gateway.services = Identity()
    record_audits(app)
    app.dependency_overrides[routes.reception_or_doctor] = lambda: RECEPTION
    national_id = synthetic_national_id(date(1980, 5, 17), 7)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://gw") as client:
        in_url = await client.get("/api/v1/staff/patients", params={"query": national_id})
        by_name = await client.get("/api/v1/staff/patients", params={"query": "Nordmann"})
        in_body = await client.post("/api/v1/staff/patients/search", json={"query": national_id})
    assert (in_url.status_code, in_url.json()["code"]) == (422, "validation.national_id_in_url")
    assert national_id not in in_url.text
    assert (by_name.status_code, in_body.status_code) == (200, 200)
    assert [s["query"] for s in identity.searches] == ["Nordmann", national_id]


CHILD = uuid.uuid4()
GUARDIAN = {"id": str(uuid.uuid4()), "name": "Kari Nordmann", "mobile": "+4791234567"}


@pytest.fixture
async def gateway(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Gateway]:
    services = FakeServices(answers={("identity", "GET", f"/internal/patients/{CHILD}/guardians"): {
        "guardians": [{**GUARDIAN, "national_id": synthetic_national_id(date(1985, 3, 2), 3)}]}})
    async with gateway_with(monkeypatch, services, RECEPTION) as gw:
        yield gw


async def test_reception_sees_a_childs_guardians_by_name_and_mobile_never_the_national_id(gateway: Gateway) -> None:
    response = await gateway.client.get(f"/api/v1/staff/patients/{CHILD}/guardians")
    assert response.status_code == 200, response.text
    assert response.json() == {"guardians": [GUARDIAN]}
    assert gateway.audits == [{"by": RECEPTION.subject_id, "patient_id": CHILD, "object_type": "guardian",
                               "object_id": None, "action": "read"}]


@pytest.mark.parametrize("principal", [a_staff("doctor", uuid.uuid4()), a_staff("billing", uuid.uuid4()),
                                       a_patient(CHILD)], ids=["doctor", "billing", "patient"])
async def test_only_reception_sees_a_childs_guardians(gateway: Gateway, principal: Principal) -> None:
    gateway.act_as(principal)
    response = await gateway.client.get(f"/api/v1/staff/patients/{CHILD}/guardians")
    assert response.status_code == 403
    assert gateway.services.calls == []
