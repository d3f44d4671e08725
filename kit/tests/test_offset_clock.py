"""The clock tests and the bench move together: an offset in a file, read again whenever the file is replaced."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from kit.clock import OffsetClock


def replace(file: Path, text: str) -> None:
    """As move_clock writes it (tests/support/system.py): a new file put in the old one's place."""
    aside = file.with_suffix(".new")
    aside.write_text(text)
    aside.replace(file)


def test_every_replacement_is_read_at_once_even_of_the_same_length(tmp_path: Path) -> None:
    file = tmp_path / "clock-offset"
    clock = OffsetClock(file)
    assert clock.offset() == timedelta(0), "no file: no offset"
    replace(file, "3600")
    assert clock.offset() == timedelta(hours=1)
    for seconds in ("7200", "1800", "9000", "3600"):  # one after the other, within the same millisecond or so
        replace(file, seconds)
        assert clock.offset() == timedelta(seconds=int(seconds))
    replace(file, "")
    assert clock.offset() == timedelta(0)
    file.unlink()
    assert clock.offset() == timedelta(0)
