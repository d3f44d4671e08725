"""argon2 off the event loop, a few at a time, on threads of its own.

argon2 is slow on purpose (milliseconds of CPU and 19 MiB a check: settings.py). 24 staff logins at once once
took every core, and every pooled connection, from the session checks every patient's request waits for (issue 14).
Here at most `slots` checks run at once (the others wait their turn, holding nothing); past `queue` waiting, a
login is refused as busy at once rather than queued behind work its client has long given up on."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import TypeVar

from identity.domain.errors import HashingBusy
from identity.domain.staff import Passwords

T = TypeVar("T")


class HashingPool:
    def __init__(self, passwords: Passwords, *, slots: int, queue: int) -> None:
        self._passwords = passwords
        self._executor = ThreadPoolExecutor(max_workers=slots, thread_name_prefix="argon2")
        self._counting = threading.Lock()
        self.slots, self.queue = slots, queue
        self.running = 0  # checks on a thread now
        self.waiting = 0  # checks waiting for a thread

    async def verify(self, password_hash: str | None, password: str) -> bool:
        """`Passwords.verify`: an unknown user's check (no hash) runs against the decoy, at the same cost."""
        return await self._run(partial(self._passwords.verify, password_hash, password))

    async def hash(self, password: str) -> str:
        return await self._run(partial(self._passwords.hash, password))

    def _count(self, running: int, waiting: int) -> None:
        with self._counting:
            self.running += running
            self.waiting += waiting

    async def _run(self, work: Callable[[], T]) -> T:
        if self.waiting >= self.queue:
            raise HashingBusy(retry_after=1)
        self._count(0, 1)
        started = False

        def on_thread() -> T:
            nonlocal started
            started = True
            self._count(1, -1)
            try:
                return work()
            finally:
                self._count(-1, 0)

        try:
            return await asyncio.get_running_loop().run_in_executor(self._executor, on_thread)
        finally:
            if not started:  # cancelled while it waited: it never ran
                self._count(0, -1)

    def close(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)
