"""Whether each GP takes eConsultations now, as econsult said, kept in this gateway's memory.

Every patient's profile (GET /me, a quarter of the traffic) shows it, and asking econsult each time was a hop per
profile. An answer is kept for a while and replaced at once by econsult's EConsultAvailabilityChanged, which every
gateway reads (entrypoints/availability_changed.py); an answer asked for before such a change is not kept. What
the profile shows is for the patient's information only: econsult itself checks it, under a lock, when a question
is sent, so a flag a few milliseconds old changes nothing."""

from __future__ import annotations

import time
import uuid
from collections.abc import Awaitable, Callable


class EConsultAvailability:
    def __init__(self, seconds: float) -> None:
        self._seconds = seconds
        self._kept: dict[uuid.UUID, tuple[bool, float]] = {}
        self._changes = 0  # counts the changes heard: an answer asked before one is not kept

    async def open(self, gp_id: uuid.UUID, ask: Callable[[], Awaitable[bool | None]]) -> bool | None:
        """The kept answer, or econsult's (`ask`; None: econsult away, not kept)."""
        kept = self._kept.get(gp_id)
        if kept is not None and kept[1] > time.monotonic():
            return kept[0]
        changes = self._changes
        found = await ask()
        if found is not None and self._seconds > 0 and self._changes == changes:
            self._kept[gp_id] = (found, time.monotonic() + self._seconds)
        return found

    def changed(self, gp_id: uuid.UUID, open_: bool) -> None:
        """econsult's EConsultAvailabilityChanged: the GP's answer from now on."""
        self._changes += 1
        if self._seconds > 0:
            self._kept[gp_id] = (open_, time.monotonic() + self._seconds)
