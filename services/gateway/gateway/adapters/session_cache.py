"""identity's answers for the session tokens this gateway has seen, kept in its memory and refreshed in bulk.

A request with a kept session costs no call to identity. The answers are kept fresh by one call for all of them
(`to_refresh`, `refreshed`; entrypoints/kept_sessions.py runs it every few seconds): identity answers the live
sessions with their facts as they are now (restrictions, GP, whom a guardian acts for), and leaves out the ended
ones, which are forgotten. So a change made anywhere (a logout through another gateway with the broker away,
claims settled, a guardian removed) reaches this gateway within one refresh, and an answer older than the cache's
seconds is never used: when identity cannot be asked, the kept answers run out and each request asks for itself,
as without the cache. identity's SessionEnded and SessionActingForChanged make it quicker still (tens of
milliseconds: entrypoints/sessions_ended.py), and a logout or change made through this gateway is forgotten at
once.

The refresh also tells identity when each session was last used here, so its 30 idle minutes count from the
last request wherever it was served; a session kept but not used is not kept alive by being refreshed.
"""

from __future__ import annotations

import asyncio
import hashlib
import time
import uuid
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import datetime

from gateway.domain.principal import Principal

Resolve = Callable[[], Awaitable[tuple[Principal, datetime | None]]]


@dataclass
class _Kept:
    principal: Principal
    checked: float  # time.monotonic() of the identity answer it stands on
    ends: datetime | None  # the session's own end (idle or absolute) as of that answer
    used_at: datetime | None = None  # served from here since the last refresh, last at this moment
    facts: str | None = None  # identity's fingerprint of the facts behind `principal` (from a refresh)


class SessionCache:
    """identity's answers for the tokens this gateway has seen, each trusted for `seconds` after identity gave it
    (or last refreshed it). Keyed by a hash of the token; bounded in size, least recently kept out first."""

    def __init__(self, seconds: float, size: int = 20_000) -> None:
        self._seconds, self._size = seconds, size
        self._items: OrderedDict[str, _Kept] = OrderedDict()
        self._keys: dict[str, str] = {}  # session id -> key, for the refresh
        # identity's answers on their way, one per token: a page that loads five things at once asks once.
        self._pending: dict[str, asyncio.Future[tuple[Principal, datetime | None]]] = {}
        # Counts every forget: an answer asked for before a forget may be from before a logout (or a change to
        # the person), so it serves the request that asked but is not kept.
        self._forgets = 0

    async def resolve(self, token: str, now: datetime | None, ask: Resolve) -> Principal:
        """The kept answer, or identity's (`ask`), asked once however many requests with this token wait for
        it; kept unless a forget came while it was asked."""
        key = self.key(token)  # once: a miss reads, asks and keeps under the same key
        found = self._kept(key, now)
        if found is not None:
            return found
        pending = self._pending.get(key)
        if pending is None:
            forgets = self._forgets
            pending = asyncio.ensure_future(ask())
            self._pending[key] = pending

            def settled(done: asyncio.Future[tuple[Principal, datetime | None]]) -> None:
                self._pending.pop(key, None)
                if not done.cancelled() and done.exception() is None and self._forgets == forgets:
                    self._keep(key, *done.result())
            pending.add_done_callback(settled)
        # Shielded: one waiter going away (its client hung up) does not cancel the answer the others wait for.
        principal, _ = await asyncio.shield(pending)
        return principal

    @staticmethod
    def key(token: str) -> str:
        return hashlib.sha256(token.encode()).hexdigest()

    def get(self, token: str, now: datetime | None = None) -> Principal | None:
        """The kept answer, unless it is older than the cache's seconds or the session itself has ended by
        `now` (the service clock: a kept session never outlives its idle or absolute end)."""
        return self._kept(self.key(token), now)

    def _kept(self, key: str, now: datetime | None) -> Principal | None:
        found = self._items.get(key)
        if found is None:
            return None
        if found.checked + self._seconds <= time.monotonic() or (
                now is not None and found.ends is not None and now >= found.ends):
            self._drop(key)
            return None
        if now is not None:
            found.used_at = now
        return found.principal

    def put(self, token: str, principal: Principal, session_ends: datetime | None = None) -> None:
        self._keep(self.key(token), principal, session_ends)

    def _keep(self, key: str, principal: Principal, session_ends: datetime | None) -> None:
        if self._seconds <= 0:
            return
        self._items[key] = _Kept(principal, time.monotonic(), session_ends)
        self._keys[principal.session_id] = key
        self._items.move_to_end(key)
        while len(self._items) > self._size:
            self._drop(next(iter(self._items)))

    def _drop(self, key: str) -> None:
        kept = self._items.pop(key, None)
        if kept is not None and self._keys.get(kept.principal.session_id) == key:
            del self._keys[kept.principal.session_id]

    def forget(self, token: str) -> None:
        self._forgets += 1
        self._drop(self.key(token))

    def forget_session(self, session_id: str) -> None:
        """An ended session (identity's SessionEnded, from a logout through any gateway)."""
        self._forgets += 1
        key = self._keys.get(session_id)
        if key is not None:
            self._drop(key)

    def forget_subject(self, subject_id: uuid.UUID) -> None:
        """Every kept session of one patient or staff member: what this gateway just changed about them
        (reception marking the first contact, say) shows on their very next request."""
        self._forgets += 1
        for key in [k for k, kept in self._items.items() if kept.principal.subject_id == subject_id]:
            self._drop(key)

    # --- the refresh -------------------------------------------------------------------------------------------

    def to_refresh(self) -> dict[str, tuple[datetime | None, str | None]]:
        """Every kept session: when it was last used here since the last refresh (None: not used), and the
        fingerprint of the facts kept for it (None: not known yet)."""
        return {kept.principal.session_id: (kept.used_at, kept.facts) for kept in self._items.values()}

    def refreshed(self, asked: Mapping[str, tuple[datetime | None, str | None]], started: float,
                  live: Mapping[str, tuple[Principal | None, datetime | None, str]]) -> None:
        """identity's answer to a refresh that began at `started` (time.monotonic()): the `asked` sessions it
        found `live` are trusted again, with when they end, and with new facts where identity sent them (None: the
        facts kept are still true); the rest have ended and are forgotten. An entry identity answered for after
        `started` (a forget and a new check meanwhile) is newer than this answer: left alone."""
        for session_id, (used_at, _) in asked.items():
            key = self._keys.get(session_id)
            kept = self._items.get(key) if key is not None else None
            if key is None or kept is None or kept.checked > started:
                continue
            found = live.get(session_id)
            if found is None:
                self._drop(key)
                continue
            principal, kept.ends, kept.facts, kept.checked = found[0], found[1], found[2], started
            if principal is not None:
                kept.principal = principal
            if kept.used_at == used_at:  # no use since the one identity has now counted
                kept.used_at = None
