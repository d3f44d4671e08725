"""Time, injected. Domain code takes a `Clock` (or a datetime from one); only `SystemClock` reads the
wall clock, and tests move a `FixedClock` by hand."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Protocol
from zoneinfo import ZoneInfo

OSLO = ZoneInfo("Europe/Oslo")


class Clock(Protocol):
    def now(self) -> datetime:
        """An aware datetime in UTC."""
        ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class FixedClock:
    """A clock that stands still until a test moves it."""

    def __init__(self, at: datetime) -> None:
        if at.tzinfo is None:
            raise ValueError("FixedClock needs an aware datetime")
        self._at = at.astimezone(UTC)

    def now(self) -> datetime:
        return self._at

    def set(self, at: datetime) -> None:
        self._at = at.astimezone(UTC)

    def advance(self, delta: timedelta) -> None:
        self._at += delta


class OffsetClock:
    """The system clock moved by an offset read from a file, for tests and demos that run services as
    separate processes and need to move their time together (e.g. past an invoice's due date).

    The file holds seconds as a decimal number; a missing or empty file means no offset. Never used in
    production: the settings refuse a clock file there.
    """

    def __init__(self, offset_file: Path) -> None:
        self._file = offset_file
        self._kept: tuple[tuple[int, int, int, int], timedelta] | None = None

    def offset(self) -> timedelta:
        # Read again only when the file is another (its stat changed): opening and reading it at every now() was 5 %
        # of the gateway's CPU under load (make profile on a weekend, when the bench moves the clock). Writers
        # replace the file (tests/support/system.py: move_clock), so every change is a new file.
        try:
            seen = os.stat(self._file)
        except FileNotFoundError:
            self._kept = None
            return timedelta(0)
        key = (seen.st_ino, seen.st_mtime_ns, seen.st_ctime_ns, seen.st_size)
        if self._kept is None or self._kept[0] != key:
            try:
                text = self._file.read_text().strip()
            except FileNotFoundError:
                return timedelta(0)
            self._kept = (key, timedelta(seconds=float(text)) if text else timedelta(0))
        return self._kept[1]

    def now(self) -> datetime:
        return datetime.now(UTC) + self.offset()


def oslo(at: datetime) -> datetime:
    """The same instant in the clinic's local time, where every rule is evaluated."""
    return at.astimezone(OSLO)
