"""The one way a test waits for what another process does in its own time (an event on its way, a relay, a
consumer): poll until it is so, never a fixed sleep, and never an assertion about how long it took."""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

T = TypeVar("T")


async def eventually(probe: Callable[[], Awaitable[T] | T], what: str = "condition", *, timeout: float = 60.0,
                     pause: float = 0.2) -> T:
    """The first truthy answer of `probe()` (sync or async), polled every `pause` seconds. `timeout` only
    bounds a wait that would otherwise hang: a slow machine waits longer, it does not fail sooner."""
    deadline = asyncio.get_running_loop().time() + timeout
    last: Any = None
    while True:
        last = probe()
        if inspect.isawaitable(last):
            last = await last
        if last:
            return last  # type: ignore[no-any-return]
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"timed out waiting for {what} (last answer: {last!r:.300})")
        await asyncio.sleep(pause)
