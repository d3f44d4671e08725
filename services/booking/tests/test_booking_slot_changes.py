"""What the slot search cache makes of a schedule notice (migration 0004's payload), without a database: a
booking or a cancellation patches the kept list, anything it cannot place drops it."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from booking.adapters.slot_cache import EPOCH, SlotChange, _Entry

DAY = datetime(2026, 3, 3, 8, tzinfo=UTC)


def _micros(at: datetime) -> str:
    return str((at - EPOCH) // timedelta(microseconds=1))


def _entry(ids: list[uuid.UUID]) -> _Entry:
    starts = [DAY + timedelta(minutes=20 * i) for i in range(len(ids))]
    return _Entry((0, 0), DAY, DAY + timedelta(days=30), 0.0, starts,
                  [f'{{"id":"{i}"}}' for i in ids], lambda slot, start, end: f'{{"id":"{slot}"}}')


def test_a_notice_is_parsed_or_refused_whole() -> None:
    appointment, slot = uuid.uuid4(), uuid.uuid4()
    booked = SlotChange.parse(["booked", str(appointment), str(slot), _micros(DAY)])
    assert booked == SlotChange("booked", appointment, slot, DAY, None)
    end = _micros(DAY + timedelta(minutes=20))
    freed = SlotChange.parse(["freed", str(appointment), str(slot), _micros(DAY), end])
    assert freed is not None
    assert freed.ends_at == DAY + timedelta(minutes=20)
    for words in (["booked", str(appointment), str(slot)], ["freed", str(appointment), str(slot), _micros(DAY)],
                  ["moved", str(appointment), str(slot), _micros(DAY)], ["booked", "x", str(slot), _micros(DAY)],
                  ["booked", str(appointment), str(slot), "soon"]):
        assert SlotChange.parse(words) is None, words


def test_booked_out_freed_back_in_place_and_a_stranger_where_it_should_be_refused() -> None:
    ids = [uuid.uuid4() for _ in range(3)]
    entry = _entry(ids)
    middle = entry.starts[1]
    assert entry.patch(SlotChange("booked", uuid.uuid4(), ids[1], middle, None))
    assert entry.slots == [f'{{"id":"{ids[0]}"}}', f'{{"id":"{ids[2]}"}}']
    # Twice is once: the notice of a booking this process patched already.
    assert entry.patch(SlotChange("booked", uuid.uuid4(), ids[1], middle, None))
    assert len(entry.slots) == 2
    assert entry.patch(SlotChange("freed", uuid.uuid4(), ids[1], middle, middle + timedelta(minutes=20)))
    assert entry.slots == [f'{{"id":"{i}"}}' for i in ids]
    assert entry.starts[1] == middle
    assert entry.patch(SlotChange("freed", uuid.uuid4(), ids[1], middle, middle + timedelta(minutes=20)))
    assert len(entry.slots) == 3
    # Another slot at that start: the list cannot tell, and is dropped by the cache.
    assert not entry.patch(SlotChange("booked", uuid.uuid4(), uuid.uuid4(), middle, None))
    # A slot freed outside the kept window stays out.
    late = DAY + timedelta(days=31)
    assert entry.patch(SlotChange("freed", uuid.uuid4(), uuid.uuid4(), late, late + timedelta(minutes=20)))
    assert len(entry.slots) == 3
