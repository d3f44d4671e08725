"""The gateway's notify routes: staff see a patient's delivery state (reception and admin any patient, a
doctor only their own list, as notify checks with the doctor's id from the session), every read audited,
no message text passed on; /dev/sms and /dev/mail only where the dev routes are on, 404 elsewhere.

notify is a fake that records calls; the session is a monkeypatched current_principal."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from gateway import auth
from gateway.bootstrap import build
from gateway.domain.principal import Principal
from gateway.settings import GatewaySettings
from kit.errors import DomainError
from tests.support.gateway import record_audits

PATIENT = uuid.uuid4()
STAFF_ID = uuid.uuid4()
DELIVERY = {
    "id": str(uuid.uuid4()), "event_id": str(uuid.uuid4()), "event_type": "LoginCodeRequested", "kind": "login_code",
    "label": "Engangskode for innlogging", "subject_id": None, "channel": "sms", "address": "+4791234567",
    "state": "sent", "attempts": 2, "created_at": "2026-03-10T11:00:00+00:00",
    "next_attempt_at": "2026-03-10T11:00:00+00:00", "sent_at": "2026-03-10T11:00:01+00:00",
    "finished_at": "2026-03-10T11:00:01+00:00", "last_error": None, "body": "Engangskoden din: 808181",
    "tries": [{"attempt": 1, "at": "2026-03-10T11:00:00+00:00", "outcome": "failed", "error": "sms: HTTP 503"},
              {"attempt": 2, "at": "2026-03-10T11:00:01+00:00", "outcome": "accepted", "error": None}],
}


@dataclass
class FakeNotify:
    calls: list[tuple[str, str, str, dict[str, Any]]] = field(default_factory=list)
    refuse: DomainError | None = None

    async def call(self, service: str, method: str, path: str, **kwargs: Any) -> Any:
        self.calls.append((service, method, path, kwargs))
        if self.refuse is not None:
            raise self.refuse
        if path.startswith("/internal/dev/"):
            return {"items": [{"to": "+4791234567", "text": "Engangskoden din til ePortalen: 123456"}]}
        return {"items": [DELIVERY]}


@dataclass
class Gateway:
    client: httpx.AsyncClient
    notify: FakeNotify
    audits: list[dict[str, Any]]
    who: dict[str, Principal]


def a_staff(role: str) -> Principal:
    return Principal(kind="staff", subject_id=STAFF_ID, role=role, session_id="s")  # type: ignore[arg-type]


async def gateway_with(monkeypatch: pytest.MonkeyPatch, **settings: Any) -> tuple[Any, Gateway]:
    app = build(GatewaySettings(database_url="postgresql://nobody@127.0.0.1:1/none", **settings))
    fake = FakeNotify()
    app.state.gateway.services = fake
    audits = record_audits(app)
    who: dict[str, Principal] = {"principal": a_staff("reception")}

    async def session(request: Any) -> Principal:
        return who["principal"]

    monkeypatch.setattr(auth, "current_principal", session)
    client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://gw")
    return client, Gateway(client, fake, audits, who)


@pytest.fixture
async def gateway(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Gateway]:
    client, gw = await gateway_with(monkeypatch, env="test")
    async with client:
        yield gw


async def test_reception_sees_a_patients_notifications_without_their_text(gateway: Gateway) -> None:
    response = await gateway.client.get(f"/api/v1/staff/patients/{PATIENT}/notifications")
    assert response.status_code == 200, response.text
    [item] = response.json()["items"]
    assert (item["kind"], item["channel"], item["state"], item["attempts"]) == ("login_code", "sms", "sent", 2)
    assert [t["outcome"] for t in item["tries"]] == ["failed", "accepted"]
    assert "body" not in item
    assert "808181" not in response.text
    [(_, method, path, kwargs)] = gateway.notify.calls
    assert (method, path, kwargs["params"]) == ("GET", f"/internal/patients/{PATIENT}/deliveries", {"limit": 100})
    assert gateway.audits == [{"by": STAFF_ID, "patient_id": PATIENT, "object_type": "notifications",
                               "object_id": None, "action": "read"}]


async def test_a_doctor_is_asked_about_by_their_own_id_and_refusals_are_audited(gateway: Gateway) -> None:
    gateway.who["principal"] = a_staff("doctor")
    gateway.notify.refuse = DomainError(code="forbidden", status=403, title="Du har ikke tilgang til dette.")
    response = await gateway.client.get(f"/api/v1/staff/patients/{PATIENT}/notifications")
    assert (response.status_code, response.json()["code"]) == (403, "forbidden")
    assert gateway.notify.calls[0][3]["params"] == {"limit": 100, "doctor_id": str(STAFF_ID)}
    assert gateway.audits[0]["outcome"] == "refused:forbidden"


@pytest.mark.parametrize("role", ["billing"])
async def test_the_billing_office_and_patients_may_not_look(gateway: Gateway, role: str) -> None:
    gateway.who["principal"] = a_staff(role)
    response = await gateway.client.get(f"/api/v1/staff/patients/{PATIENT}/notifications")
    assert (response.status_code, response.json()["code"]) == (403, "forbidden")
    gateway.who["principal"] = Principal(kind="patient", subject_id=PATIENT, role="patient", session_id="p")
    response = await gateway.client.get(f"/api/v1/staff/patients/{PATIENT}/notifications")
    assert (response.status_code, response.json()["code"]) == (403, "forbidden")
    assert gateway.notify.calls == []


async def test_the_dev_sinks_are_shown_in_dev_and_test(gateway: Gateway) -> None:
    response = await gateway.client.get("/dev/sms", params={"to": "+4791234567"})
    assert response.status_code == 200
    assert "123456" in response.json()["items"][0]["text"]
    assert gateway.notify.calls[-1][1:] == ("GET", "/internal/dev/sms", {"params": {"to": "+4791234567"}})
    assert (await gateway.client.get("/dev/mail", params={"to": "kari@example.no"})).status_code == 200
    assert gateway.notify.calls[-1][2] == "/internal/dev/mail"


@pytest.mark.parametrize("settings", [{"env": "test", "dev_routes": False}, {"env": "prod"}])
async def test_the_dev_sinks_are_404_where_dev_routes_are_off(monkeypatch: pytest.MonkeyPatch,
                                                             settings: dict[str, Any]) -> None:
    if settings["env"] == "prod":
        monkeypatch.setenv("EPORTAL_DATABASE_URL", "postgresql://gw@db/gw")
    client, gw = await gateway_with(monkeypatch, **settings)
    async with client:
        for path in ("/dev/sms", "/dev/mail"):
            response = await client.get(path, params={"to": "+4791234567"})
            assert response.status_code == 404
    assert gw.notify.calls == []
