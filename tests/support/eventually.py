"""The one way a test waits for what another process does in its own time (an event on its way, a relay, a
consumer): poll until it is so, never a fixed sleep, and never an assertion about how long it took. `eventually`
for async tests; `eventually_sync` for the synchronous ones (Playwright's sync API in tests/browser), the same
deadline and pause."""

from __future__ import annotations

import asyncio
import inspect
import time
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

T = TypeVar("T")


class _Patience:
    """How long a wait may last: `timeout` only bounds a wait that would otherwise hang (a slow machine waits
    longer, it does not fail sooner), polled every `pause` seconds."""

    def __init__(self, what: str, timeout: float, pause: float) -> None:
        self.what, self.pause = what, pause
        self._deadline = time.monotonic() + timeout

    def give_up_if_past(self, last: Any) -> None:
        if time.monotonic() > self._deadline:
            raise AssertionError(f"timed out waiting for {self.what} (last answer: {last!r:.300})")


async def eventually(probe: Callable[[], Awaitable[T | None] | T | None], what: str = "condition", *,
                     timeout: float = 60.0, pause: float = 0.2) -> T:
    """The first truthy answer of `probe()` (sync or async), polled every `pause` seconds."""
    patience = _Patience(what, timeout, pause)
    while True:
        last: Any = probe()
        if inspect.isawaitable(last):
            last = await last
        if last:
            return last  # type: ignore[no-any-return]
        patience.give_up_if_past(last)
        await asyncio.sleep(patience.pause)


def eventually_sync(probe: Callable[[], T | None], what: str = "condition", *, timeout: float = 60.0,
                    pause: float = 0.2) -> T:
    """The first truthy answer of `probe()`, polled every `pause` seconds, for a test without an event loop."""
    patience = _Patience(what, timeout, pause)
    while True:
        last = probe()
        if last:
            return last
        patience.give_up_if_past(last)
        time.sleep(patience.pause)
