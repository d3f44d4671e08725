"""The gateway's short memory of identity's answers for session tokens: it expires, it forgets a token at
logout and a person whose facts this gateway changed, and it stays bounded."""

from __future__ import annotations

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
