"""What the gateway's route tests share: a gateway whose services are a fake that records calls, whose
session is the principal a test sets (the real `patient` and `staff(...)` checks run on it), and whose audit
log is a list."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from gateway import auth
from gateway.bootstrap import build
from gateway.domain.principal import ActingFor, Principal
from gateway.settings import GatewaySettings
from tests.support.gateway import record_audits


@dataclass
class FakeServices:
    """The services behind the gateway: each call recorded, answered from `answers` by (service, method, path)
    or by (method, path); a DomainError there is raised as the service's refusal would be."""

    calls: list[tuple[str, str, str, dict[str, Any]]] = field(default_factory=list)
    answers: dict[tuple[str, ...], Any] = field(default_factory=dict)

    async def call(self, service: str, method: str, path: str, **kwargs: Any) -> Any:
        self.calls.append((service, method, path, kwargs))
        answer = self.answers.get((service, method, path), self.answers.get((method, path)))
        if isinstance(answer, Exception):
            raise answer
        return answer

    def to(self, service: str) -> list[tuple[str, str, dict[str, Any]]]:
        return [(m, p, k) for s, m, p, k in self.calls if s == service]

    def paths(self) -> list[tuple[str, str]]:
        return [(m, p) for _, m, p, _ in self.calls]


@dataclass
class Gateway:
    app: FastAPI
    client: httpx.AsyncClient
    services: Any
    audits: list[dict[str, Any]]
    who: dict[str, Principal]

    def act_as(self, principal: Principal) -> None:
        self.who["principal"] = principal


def a_patient(patient_id: uuid.UUID, *, restrictions: tuple[str, ...] = (),
              gp_id: uuid.UUID | None = None) -> Principal:
    return Principal(kind="patient", subject_id=patient_id, role="patient", session_id="s", restrictions=restrictions,
                     gp_id=gp_id)


def a_guardian_of_a_child_under_12(guardian_id: uuid.UUID, child_id: uuid.UUID, *,
                                   gp_id: uuid.UUID | None = None) -> Principal:
    """A guardian (not our patient) acting for their child under 12: the child's whole portal."""
    return Principal(kind="guardian", subject_id=guardian_id, role="guardian", session_id="s", gp_id=gp_id,
                     name="Kari Nordmann", guardian_id=guardian_id,
                     acting_for=ActingFor(child_id, "Emma", "under_12", "everything"))


def a_staff(role: str, staff_id: uuid.UUID) -> Principal:
    return Principal(kind="staff", subject_id=staff_id, role=role, session_id="s")  # type: ignore[arg-type]


@asynccontextmanager
async def gateway_with(monkeypatch: pytest.MonkeyPatch, services: Any, principal: Principal,
                       **settings: Any) -> AsyncIterator[Gateway]:
    """A gateway on `services`, acting as `principal` until a test says otherwise; its audit records kept in
    `Gateway.audits` (a recording audit log in the database's place)."""
    app = build(GatewaySettings(**{"env": "test", **settings}, database_url="postgresql://nobody@127.0.0.1:1/none"))
    app.state.gateway.services = services
    audits = record_audits(app)
    who: dict[str, Principal] = {"principal": principal}

    async def session(request: Any) -> Principal:
        return who["principal"]

    monkeypatch.setattr(auth, "current_principal", session)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://gw") as client:
        yield Gateway(app, client, services, audits, who)

