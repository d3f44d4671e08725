"""The gateway's memory of identity's answers for session tokens: it expires, it forgets a token at logout and a
person whose facts this gateway changed, it stays bounded, and the refresh keeps it true and trusted."""

from __future__ import annotations

import asyncio
import dataclasses
import time
import uuid
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from gateway.adapters.session_cache import SessionCache
from gateway.domain.principal import Principal


def principal(subject: uuid.UUID | None = None) -> Principal:
    return Principal(kind="patient", subject_id=subject or uuid.uuid4(), role="patient", session_id=str(uuid.uuid4()))


def test_an_answer_is_kept_for_its_seconds_and_no_longer(monkeypatch: pytest.MonkeyPatch) -> None:
    now = [1000.0]
    monkeypatch.setattr(time, "monotonic", lambda: now[0])
    cache = SessionCache(2.0)
    cache.put("token-a", principal())
    assert cache.get("token-a") is not None
    now[0] += 1.99
    assert cache.get("token-a") is not None
    now[0] += 0.02
    assert cache.get("token-a") is None


def test_a_kept_answer_never_outlives_the_session_itself() -> None:
    cache = SessionCache(60)
    ends = datetime(2026, 3, 2, 12, 30, tzinfo=UTC)
    cache.put("t", principal(), ends)
    assert cache.get("t", ends - timedelta(seconds=1)) is not None
    assert cache.get("t", ends) is None  # the clock moved past the idle or absolute end: ask identity


def test_logout_and_a_change_to_the_person_take_effect_at_once() -> None:
    cache = SessionCache(60)
    kari = uuid.uuid4()
    cache.put("phone", principal(kari))
    cache.put("laptop", principal(kari))
    cache.put("other", principal())
    cache.forget("phone")
    assert cache.get("phone") is None
    cache.forget_subject(kari)
    assert cache.get("laptop") is None
    assert cache.get("other") is not None


def test_zero_seconds_keeps_nothing_and_the_size_is_bounded() -> None:
    off = SessionCache(0)
    off.put("t", principal())
    assert off.get("t") is None
    small = SessionCache(60, size=3)
    for n in range(5):
        small.put(f"t{n}", principal())
    assert [small.get(f"t{n}") is not None for n in range(5)] == [False, False, True, True, True]


def test_tokens_are_not_kept_as_they_are() -> None:
    cache = SessionCache(60)
    cache.put("secret-token", principal())
    assert "secret-token" not in repr(cache._items)


async def test_requests_that_come_together_ask_identity_once() -> None:
    """A page that loads five things at once after a pause: one question to identity, not five."""
    cache, asked, answer = SessionCache(60), [], asyncio.get_running_loop().create_future()

    async def ask() -> tuple[Principal, datetime | None]:
        asked.append(1)
        return await answer

    waiting = [asyncio.create_task(cache.resolve("t", None, ask)) for _ in range(5)]
    await asyncio.sleep(0)
    kari = principal()
    answer.set_result((kari, None))
    assert await asyncio.gather(*waiting) == [kari] * 5
    assert len(asked) == 1
    assert cache.get("t") is kari


async def test_an_answer_asked_before_a_logout_is_not_kept() -> None:
    """identity answered "active" just before the logout through this gateway ended the session: the request
    that asked is served (the session was live when it came), but the answer is not kept for the next one."""
    cache, answer = SessionCache(60), asyncio.get_running_loop().create_future()

    async def ask() -> tuple[Principal, datetime | None]:
        return await answer

    waiting = asyncio.create_task(cache.resolve("t", None, ask))
    await asyncio.sleep(0)
    cache.forget("t")  # the logout
    answer.set_result((principal(), None))
    assert await waiting is not None
    assert cache.get("t") is None


async def test_a_refusal_reaches_every_waiter_and_is_not_kept() -> None:
    cache = SessionCache(60)

    async def ask() -> tuple[Principal, datetime | None]:
        await asyncio.sleep(0)
        raise PermissionError("auth.required")

    results = await asyncio.gather(*(cache.resolve("t", None, ask) for _ in range(3)), return_exceptions=True)
    assert all(isinstance(r, PermissionError) for r in results)
    assert cache.get("t") is None


def test_a_refresh_keeps_the_live_sessions_trusted_with_their_facts_of_now_and_forgets_the_ended(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A session not used for a while is still served from memory, because the refresh renewed identity's answer;
    a change identity made meanwhile (claims unpaid) is what the next request sees; and a session identity no
    longer has (a logout through another gateway while the broker was away) is gone after the refresh."""
    now = [1000.0]
    monkeypatch.setattr(time, "monotonic", lambda: now[0])
    cache = SessionCache(10.0)
    kari, ola = principal(), principal()
    cache.put("kari", kari)
    cache.put("ola", ola)
    for _ in range(4):  # 4 x 3 s: past the 10 s one answer is trusted for
        now[0] += 3.0
        asked = cache.to_refresh()
        assert set(asked) == {kari.session_id, ola.session_id}
        owes = dataclasses.replace(kari, restrictions=("access.unpaid_claims",))
        cache.refreshed(asked, now[0], {kari.session_id: (owes, None, "f1"), ola.session_id: (None, None, "f2")})
    assert cache.get("kari") is not None
    assert cache.get("kari").restrictions == ("access.unpaid_claims",)
    assert cache.get("ola") is ola, "facts not sent again: the kept ones stay"
    assert cache.to_refresh()[kari.session_id] == (None, "f1"), "the fingerprint goes back with the next refresh"

    asked = cache.to_refresh()
    cache.refreshed(asked, now[0], {kari.session_id: (None, None, "f1")})  # ola's session has ended at identity
    assert cache.get("ola") is None
    assert cache.get("kari") is not None

    now[0] += 10.0  # no refresh came (identity away): the answers run out, each request asks for itself
    assert cache.get("kari") is None


def test_a_refresh_never_overwrites_an_answer_given_after_it_began(monkeypatch: pytest.MonkeyPatch) -> None:
    """A guardian switches child through this gateway while a refresh is on its way: the session is forgotten and
    checked again; the refresh, read at identity before the switch, must not put the old child back."""
    now = [1000.0]
    monkeypatch.setattr(time, "monotonic", lambda: now[0])
    cache = SessionCache(10.0)
    before = principal()
    cache.put("t", before)
    asked, started = cache.to_refresh(), now[0]
    cache.forget("t")  # the switch
    now[0] += 0.5
    after = dataclasses.replace(before, name="after the switch")
    cache.put("t", after)  # the next request's own check
    cache.refreshed(asked, started, {before.session_id: (before, None, "f")})
    assert cache.get("t") is after
    cache.forget("t")
    cache.refreshed(asked, started, {before.session_id: (before, None, "f")})
    assert cache.get("t") is None, "a refresh never brings back a forgotten session"


def test_each_use_is_told_to_identity_once_and_a_later_use_again() -> None:
    cache, moment = SessionCache(10.0), datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
    kari = principal()
    cache.put("t", kari)
    assert cache.to_refresh() == {kari.session_id: (None, None)}, "kept, not used: identity keeps its idle clock"
    cache.get("t", moment)
    asked = cache.to_refresh()
    assert asked == {kari.session_id: (moment, None)}
    cache.get("t", moment + timedelta(seconds=2))  # used again while the refresh was on its way
    cache.refreshed(asked, time.monotonic(), {kari.session_id: (None, None, "f")})
    assert cache.to_refresh() == {kari.session_id: (moment + timedelta(seconds=2), "f")}
    cache.refreshed(cache.to_refresh(), time.monotonic(), {kari.session_id: (None, None, "f")})
    assert cache.to_refresh() == {kari.session_id: (None, "f")}


def _session_doc(session_id: str, patient_id: uuid.UUID) -> dict[str, object]:
    ends = (datetime.now(UTC) + timedelta(minutes=30)).isoformat()
    return {"session_id": session_id, "kind": "patient", "subject_id": str(patient_id), "role": "patient",
            "name": "Kari Nordmann", "gp_id": None, "gp_name": None, "language": "nb", "restrictions": [],
            "expires_at": ends, "idle_expires_at": ends, "method": "sms", "acr": None, "guardian_id": None,
            "acting_for": None}


async def test_a_login_through_this_gateway_keeps_the_session_and_the_refresh_forgets_it_when_ended() -> None:
    """The session a login opened here is kept from the login on: its first request asks identity nothing,
    however long after the login it comes (the refresh keeps it). When identity leaves it out of a refresh (ended
    elsewhere), the next request asks identity again, and is refused."""
    from gateway.bootstrap import build
    from gateway.entrypoints.kept_sessions import refreshing_kept_sessions
    from gateway.settings import GatewaySettings
    from kit.errors import DomainError
    from services.gateway.tests.conftest import FakeServices
    from tests.support.gateway import record_audits

    patient_id, session_id = uuid.uuid4(), str(uuid.uuid4())
    services = FakeServices(answers={
        ("identity", "POST", "/internal/login/verify"): {
            "token": "t" * 43, "expires_at": "2026-03-02T12:00:00+00:00",
            "idle_expires_at": "2026-03-02T12:00:00+00:00",
            "patient": {"id": str(patient_id), "name": "Kari Nordmann"}},
        ("identity", "POST", "/internal/sessions/resolve"): _session_doc(session_id, patient_id),
        ("identity", "POST", "/internal/sessions/refresh"): {"sessions": [{
            "session_id": session_id, "facts": "f", "session": None, "expires_at": "2099-01-01T00:00:00+00:00",
            "idle_expires_at": "2099-01-01T00:00:00+00:00"}]},
    })
    app = build(GatewaySettings(env="test", database_url="postgresql://nobody@127.0.0.1:1/none"))
    app.state.gateway.services = services
    record_audits(app)
    refresh = refreshing_kept_sessions(app.state.gateway)
    headers = {"Authorization": "Bearer " + "t" * 43}

    def resolves() -> int:
        return services.paths().count(("POST", "/internal/sessions/resolve"))

    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://gw") as client:
        verified = await client.post("/api/v1/auth/verify", json={"challenge_id": str(uuid.uuid4()),
                                                                   "code": "123456"})
        assert verified.status_code == 200, verified.text
        assert resolves() == 1, "the login asks identity once for the new session"
        await refresh(app.state.runtime)
        refreshed = [kw["json"] for m, p, kw in services.to("identity") if p == "/internal/sessions/refresh"]
        assert refreshed == [{"sessions": [{"id": session_id, "used_at": None, "facts": None}]}]
        assert (await client.get("/api/v1/me", headers=headers)).status_code == 200
        assert resolves() == 1, "the first request asked identity nothing"

        services.answers[("identity", "POST", "/internal/sessions/refresh")] = {"sessions": []}  # ended elsewhere
        services.answers[("identity", "POST", "/internal/sessions/resolve")] = DomainError(
            code="auth.required", status=401, title="Logg inn")
        await refresh(app.state.runtime)
        used = [kw["json"] for m, p, kw in services.to("identity") if p == "/internal/sessions/refresh"][-1]
        assert used["sessions"][0]["used_at"] is not None, "identity is told of the use served from memory"
        assert (await client.get("/api/v1/me", headers=headers)).status_code == 401
        assert resolves() == 2


async def test_the_refresh_asks_identity_for_at_most_300_sessions_a_call() -> None:
    """identity takes 300 a call (its 64 KiB body limit): 650 kept sessions are three calls, and each call's
    answer renews its own sessions."""
    from gateway.entrypoints.kept_sessions import CHUNK, refreshing_kept_sessions
    from services.gateway.tests.conftest import FakeServices

    class Identity(FakeServices):
        async def call(self, service: str, method: str, path: str, **kwargs: object) -> object:
            await super().call(service, method, path, **kwargs)
            asked = kwargs["json"]["sessions"]  # type: ignore[index]
            return {"sessions": [{"session_id": s["id"], "facts": "f", "session": None,
                                  "expires_at": "2099-01-01T00:00:00+00:00",
                                  "idle_expires_at": "2099-01-01T00:00:00+00:00"} for s in asked]}

    cache, identity = SessionCache(10.0), Identity()
    for n in range(650):
        cache.put(f"t{n}", principal())

    class State:
        session_cache = cache
        services = identity
    await refreshing_kept_sessions(State())(None)  # type: ignore[arg-type]
    sizes = [len(kw["json"]["sessions"]) for _, _, kw in identity.to("identity")]
    assert CHUNK == 300
    assert sizes == [300, 300, 50]
    assert all(facts == "f" for _, facts in cache.to_refresh().values()), "every session renewed"
