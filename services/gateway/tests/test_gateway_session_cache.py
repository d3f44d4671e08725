"""The gateway's short memory of identity's answers for session tokens: it expires, it forgets a token at
logout and a person whose facts this gateway changed, and it stays bounded."""

from __future__ import annotations

import asyncio
import time
import uuid
from datetime import UTC, datetime, timedelta

import pytest

from gateway.adapters.session_cache import SessionCache
from gateway.domain.principal import Principal


def principal(subject: uuid.UUID | None = None) -> Principal:
    return Principal(kind="patient", subject_id=subject or uuid.uuid4(), role="patient", session_id="s")


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
