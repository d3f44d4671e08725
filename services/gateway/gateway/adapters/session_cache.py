"""identity's answers for recently seen session tokens, kept in this gateway's memory."""

from __future__ import annotations

import asyncio
import hashlib
import time
import uuid
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from datetime import datetime

from gateway.domain.principal import Principal

Resolve = Callable[[], Awaitable[tuple[Principal, datetime | None]]]


class SessionCache:
    """identity's answers for recently seen session tokens, for a second or two: a busy client's requests
    then cost one hop less each. Keyed by a hash of the token; bounded in size, oldest out first."""

    def __init__(self, seconds: float, size: int = 20_000) -> None:
        self._seconds, self._size = seconds, size
        self._items: OrderedDict[str, tuple[Principal, float, datetime | None]] = OrderedDict()
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
        `now` (the service clock: a cached session never outlives its idle or absolute end)."""
        return self._kept(self.key(token), now)

    def _kept(self, key: str, now: datetime | None) -> Principal | None:
        found = self._items.get(key)
        if found is None:
            return None
        principal, kept_until, session_ends = found
        if kept_until <= time.monotonic() or (now is not None and session_ends is not None and now >= session_ends):
            del self._items[key]
            return None
        return principal

    def put(self, token: str, principal: Principal, session_ends: datetime | None = None) -> None:
        self._keep(self.key(token), principal, session_ends)

    def _keep(self, key: str, principal: Principal, session_ends: datetime | None) -> None:
        if self._seconds <= 0:
            return
        self._items[key] = (principal, time.monotonic() + self._seconds, session_ends)
        self._items.move_to_end(key)
        while len(self._items) > self._size:
            self._items.popitem(last=False)

    def forget(self, token: str) -> None:
        self._forgets += 1
        self._items.pop(self.key(token), None)

    def forget_session(self, session_id: str) -> None:
        """An ended session (identity's SessionEnded, from a logout through any gateway)."""
        self._forgets += 1
        for key in [k for k, (p, _, _) in self._items.items() if p.session_id == session_id]:
            del self._items[key]

    def forget_subject(self, subject_id: uuid.UUID) -> None:
        """Every cached session of one patient or staff member: what this gateway just changed about them
        (reception marking the first contact, say) shows on their very next request."""
        self._forgets += 1
        for key in [k for k, (p, _, _) in self._items.items() if p.subject_id == subject_id]:
            del self._items[key]
