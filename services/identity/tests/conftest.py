"""identity in-process on the session's real PostgreSQL and Kafka, with a clock the test moves and login
codes the test knows (the CSPRNG is replaced only here, by monkeypatching identity's `new_code`)."""

from __future__ import annotations

import json
import secrets
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

import asyncpg
import httpx
import pytest

import identity.handlers.login as login_handlers
from identity.bootstrap import build
from kit.clock import OSLO, FixedClock
from kit.demo import synthetic_national_id
from tests.support.idporten import APP_REDIRECT, CLIENT_ID, CLIENT_KEY, ISSUER, POST_LOGOUT, WEB_REDIRECT, Provider
from tests.support.services import StackEnv, running

START = datetime(2026, 3, 2, 12, 0, tzinfo=OSLO)


@dataclass
class Identity:
    client: httpx.AsyncClient
    clock: FixedClock
    dsn: str
    codes: list[str] = field(default_factory=list)
    address: str = field(default_factory=lambda: f"10.{secrets.randbelow(250)}.{secrets.randbelow(250)}.9")
    runtime: Any = None  # the service's ServiceRuntime: its pool and login policy, for tests that look inside

    async def db(self) -> asyncpg.Connection:
        return await asyncpg.connect(self.dsn)

    async def patient(self, *, mobile: str | None = "+4791234567", first_contact_done: bool = True,
                      gp_id: uuid.UUID | None = None, born: date | None = None) -> tuple[str, uuid.UUID]:
        """A registered patient with a fresh synthetic national ID: (national ID, patient id)."""
        born = born or date(1960, 1, 1) + timedelta(days=secrets.randbelow(15000))
        national_id = synthetic_national_id(born, secrets.randbelow(1000))
        made = await self.client.post("/internal/patients", json={
            "national_id": national_id, "name": "Test Pasient", "birth_date": born.isoformat(), "mobile": mobile,
            "gp_id": str(gp_id or uuid.uuid4()), "first_contact_done": first_contact_done})
        if made.status_code == 409:  # the same synthetic number drawn twice in a session: draw again
            return await self.patient(mobile=mobile, first_contact_done=first_contact_done, gp_id=gp_id)
        assert made.status_code == 201, made.text
        return national_id, uuid.UUID(made.json()["id"])

    def unknown_id(self) -> str:
        return synthetic_national_id(date(1901, 1, 1) + timedelta(days=secrets.randbelow(3000)),
                                     secrets.randbelow(1000))

    async def start(self, national_id: str, address: str | None = None) -> httpx.Response:
        return await self.client.post("/internal/login/start",
                                      json={"national_id": national_id, "address": address or self.address})

    async def verify(self, challenge_id: str, code: str) -> httpx.Response:
        return await self.client.post("/internal/login/verify", json={"challenge_id": challenge_id, "code": code})

    async def login(self, national_id: str) -> dict[str, Any]:
        started = await self.start(national_id)
        assert started.status_code == 202, started.text
        verified = await self.verify(started.json()["challenge_id"], self.codes[-1])
        assert verified.status_code == 200, verified.text
        body: dict[str, Any] = verified.json()
        return body

    async def resolve(self, token: str) -> httpx.Response:
        return await self.client.post("/internal/sessions/resolve", json={"token": token})


@asynccontextmanager
async def _identity(stack_env: StackEnv, monkeypatch: pytest.MonkeyPatch, clock: FixedClock,
                    transport: httpx.AsyncBaseTransport | None = None, **settings: Any) -> AsyncIterator[Identity]:
    codes: list[str] = []

    def known_code() -> str:
        codes.append(f"{secrets.randbelow(10**6):06d}")
        return codes[-1]

    monkeypatch.setattr(login_handlers, "new_code", known_code)
    # The cheapest argon2 the library allows: these tests are about the rules, not the hash's cost.
    made = stack_env.settings("identity", argon2_time_cost=1, argon2_memory_kib=8, argon2_parallelism=1,
                              login_start_floor_seconds=0.0, **settings)
    app = build(made, clock=clock, idporten_transport=transport)
    async with running(app) as client:
        yield Identity(client, clock, stack_env.dsns["identity"], codes, runtime=app.state.runtime)


@pytest.fixture
async def identity_service(stack_env: StackEnv, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Identity]:
    async with _identity(stack_env, monkeypatch, FixedClock(START)) as identity:
        yield identity


@dataclass
class WithIdPorten:
    identity: Identity
    provider: Provider


@pytest.fixture
async def with_idporten(stack_env: StackEnv, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[WithIdPorten]:
    """identity as ID-porten's client, the provider the tests' own (tests/support/idporten.py)."""
    clock = FixedClock(START)
    provider = Provider(clock)
    transport = httpx.ASGITransport(app=provider.app())
    async with _identity(stack_env, monkeypatch, clock, transport, idporten_issuer=ISSUER,
                         idporten_client_id=CLIENT_ID, idporten_client_key=json.dumps(CLIENT_KEY.as_dict(private=True)),
                         idporten_web_redirect_uri=WEB_REDIRECT, idporten_app_redirect_uris=(APP_REDIRECT,),
                         idporten_post_logout_redirect_uri=POST_LOGOUT,
                         idporten_jwks_min_refresh_seconds=0) as identity:
        yield WithIdPorten(identity, provider)
