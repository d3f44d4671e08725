"""The free-slot search served from memory while a doctor's schedule stands still.

A patient's search returns the same few hundred slots as everyone else's of the same GP (the booking rush:
2,000 searches of one list). Each booking process keeps, per doctor, the free slots of a window (today and
the weeks a default search covers) as PostgreSQL wrote them, each with its cancel deadline, and answers any
search inside the window by cutting that list at the asked range (and at now: past slots drop out).

Kept true by a version per doctor: every change to what the search answers (a slot made, withdrawn or put
online or offline, an appointment booked or cancelled, a day closed or reopened) NOTIFYs `booking_schedule`
at commit (migrations 0003 and 0004), from whichever replica made it; the notice bumps the doctor's version
(a closed day: every doctor's) and the entry made under an older version is not used again. A booking or a
cancellation says which slot (0004): the kept list is patched instead, that slot taken out or put back in its
place, and carries the new version; the booking rush would otherwise refill the list after every booking.
A notice delivered once a process has patched its own booking or cancellation at once (`booked`, `freed`)
changes nothing more, and a change of this process is patched at once only if its notice has not come first
(notices come in commit order: one come before would otherwise be undone by an older change). A change the list
cannot be patched for (any other, or a slot not where its notice says) drops it, as before. An entry is filled
once at a time per doctor (the searches that arrive meanwhile wait for that fill, if no change came since it
began) and lives at most `max_age_seconds`. While the listening connection is away (a database
restart) nothing is served from memory: every search asks PostgreSQL until it listens again.

What a stale answer could cost is bounded anyway: between a commit and its notice (milliseconds), a search may
show a slot just taken; booking it is refused with `slot_taken` by the database's unique index, as when two
patients choose the same slot.

The clinic's calendar (its closed days, for every cancel deadline) is kept the same way, until a day is closed
or reopened; and so is each searching patient's GP (the search's one read of the directory, 16 % of booking's
CPU in the rush), until the directory row's GP changes (migration 0006: 'patient <id>' on the same channel). A
search in the milliseconds between a change of GP and its notice shows the old GP's slots; booking one is
refused, as the command reads the GP again under its lock.

A booking of a slot known taken is refused from memory (`known_taken`), without its transaction: in the rush
five tries in six are of a slot another patient took a moment before (the list each saw was a search old), and
each cost booking and PostgreSQL a transaction that ended in the unique index's refusal. Known taken: a booking's
notice (or this process's own booking) named the slot, and no cancellation's notice has freed it since; any
other change of the doctor's (a notice that names no slot, an appointment moved or deleted) forgets what was
known of that doctor's slots, and so does a lost listener. Only a future slot of the patient's own GP (as kept
for the search) is refused so; anything else goes to PostgreSQL, whose refusal may then say more (a past slot,
another GP's). Between a cancellation's commit and its notice a try may be refused as taken, as a search in
those milliseconds still leaves the slot out.
"""

from __future__ import annotations

import asyncio
import bisect
import contextlib
import time
import uuid
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import asyncpg

from booking.domain.clinic import ClinicCalendar
from kit.logging import get_logger
from kit.worker import Listening

log = get_logger(__name__)

CHANNEL = "booking_schedule"
EVERY_DOCTOR = "*"
PATIENT = "patient"  # 'patient <id>': the directory row's GP changed (migration 0006)
MAX_DEADLINES = 100_000
MAX_PATIENTS = 200_000  # GPs kept: every listed patient of a large clinic (~60 bytes each), then begun afresh

SEEN_CHANGES = 10_000
# Slots known taken, then begun afresh: a clinic's week or two of bookings, about 1 MB (at 20,000 the bench's
# 100,000 bookings left booking 4 MiB higher at its peak).
TAKEN_KEPT = 5_000
# Doctors whose version is kept. A clinic has dozens and the country about 5,000 GPs; past this (a bulk load of
# 100,000 slots of made-up doctors in the bench) everything kept is dropped as when the listener is lost, so the
# versions cost at most a few MB (they were 50 MB after the bench's bulk load, never given back).
MAX_DOCTORS = 10_000
CHANGES_KEPT = 256  # per doctor: which slot each of the latest versions changed (for `freed`)
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

# A free slot's JSON object as the search writes it, from its id, start and end: for a slot put back.
Render = Callable[[uuid.UUID, datetime, datetime], str]


@dataclass(frozen=True)
class Loaded:
    """The free slots of a window, in start order: each slot's start and its JSON object (as the API writes it),
    and how one more slot of the same doctor is written (the same calendar's cancel deadlines)."""
    starts: list[datetime]
    slots: list[str]
    render: Render


Load = Callable[[datetime, datetime], Awaitable[Loaded]]


@dataclass(frozen=True)
class SlotChange:
    """What a notice says of one booking or cancellation (migration 0004's payload)."""
    change: str  # "booked" or "freed"
    appointment_id: uuid.UUID
    slot_id: uuid.UUID
    starts_at: datetime
    ends_at: datetime | None  # freed only: the slot put back needs its end

    @classmethod
    def parse(cls, words: list[str]) -> SlotChange | None:
        try:
            change, appointment, slot, start, *end = words
            if (change, len(end)) not in (("booked", 0), ("freed", 1)):
                return None
            return cls(change, uuid.UUID(appointment), uuid.UUID(slot), _instant(start),
                       _instant(end[0]) if end else None)
        except ValueError:
            return None


def _instant(microseconds: str) -> datetime:
    return EPOCH + timedelta(microseconds=int(microseconds))


@dataclass
class _Entry:
    version: tuple[int, int]
    window_start: datetime
    window_end: datetime
    made: float
    starts: list[datetime]
    slots: list[str]
    render: Render

    def patch(self, change: SlotChange) -> bool:
        """Take the booked slot out or put the freed one back in its place; False if the list cannot tell
        (another slot where this one should be)."""
        at = bisect.bisect_left(self.starts, change.starts_at)
        here = at < len(self.starts) and self.starts[at] == change.starts_at
        mine = here and self.slots[at].startswith(f'{{"id":"{change.slot_id}"')
        if here and not mine:
            return False
        if change.change == "booked":
            if mine:
                del self.starts[at], self.slots[at]
            return True
        if not mine and self.window_start <= change.starts_at < self.window_end:
            assert change.ends_at is not None
            self.starts.insert(at, change.starts_at)
            self.slots.insert(at, self.render(change.slot_id, change.starts_at, change.ends_at))
        return True


class SlotSearchCache:
    def __init__(self, pool: asyncpg.Pool, *, max_age_seconds: float) -> None:
        self._max_age = max_age_seconds
        self._every = 0  # bumped by a closed or reopened day, and when the listener is lost
        self._versions: dict[uuid.UUID, int] = {}
        # Per doctor, the latest versions and the slot each changed (None: a change not of one slot).
        self._changes: dict[uuid.UUID, deque[tuple[int, uuid.UUID | None]]] = {}
        self._entries: dict[uuid.UUID, _Entry] = {}
        self._filling: dict[uuid.UUID, tuple[tuple[int, int], asyncio.Future[_Entry]]] = {}
        self._seen: dict[tuple[str, uuid.UUID], None] = {}  # the last changes notices said, oldest first
        self._calendar: tuple[int, date, ClinicCalendar] | None = None
        self._deadlines: dict[datetime, datetime] = {}
        self._deadlines_of: ClinicCalendar | None = None
        self._listening = Listening(pool, CHANNEL, self._on_notice, self._on_lost)
        self._reconnecting: asyncio.Task[None] | None = None
        self._gps: dict[uuid.UUID, uuid.UUID] = {}  # patient -> GP, as the directory said since its last change
        self._patient_changes = 0  # bumped by every 'patient' notice: a read begun before one is not kept
        self._taken: dict[uuid.UUID, dict[uuid.UUID, datetime]] = {}  # per doctor: slots known taken, their start
        self._taken_count = 0
        self.hits = 0
        self.fills = 0
        self.reads = 0  # searches answered by PostgreSQL alone (outside the window, or no listener)
        self.patches = 0
        self.gp_reads = 0  # a searching patient's GP read from the directory
        self.refused_taken = 0  # bookings refused from memory: the slot known taken

    @property
    def listening(self) -> bool:
        return self._listening.alive

    async def start(self) -> None:
        await self._listening.start()

    async def stop(self) -> None:
        if self._reconnecting is not None:
            self._reconnecting.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._reconnecting
        await self._listening.stop()

    def _on_notice(self, payload: str) -> None:
        if payload == EVERY_DOCTOR:
            self._forget_everything()
            return
        doctor, *words = payload.split(" ")
        if doctor == PATIENT:
            self._patient_changes += 1
            with contextlib.suppress(ValueError, IndexError):
                self._gps.pop(uuid.UUID(words[0]), None)
            return
        try:
            doctor_id = uuid.UUID(doctor)
        except ValueError:
            return
        change = SlotChange.parse(words) if words else None
        if change is not None:
            self._seen[(change.change, change.appointment_id)] = None
            if len(self._seen) > SEEN_CHANGES:
                del self._seen[next(iter(self._seen))]
        self._change(doctor_id, change)

    def _change(self, doctor_id: uuid.UUID, change: SlotChange | None) -> None:
        # Always a new version: a fill begun before this change may have read the list without it.
        if doctor_id not in self._versions and len(self._versions) >= MAX_DOCTORS:
            self._forget_everything()
        self._note_taken(doctor_id, change)
        before = self._version(doctor_id)
        self._versions[doctor_id] = before[1] + 1
        entry = self._entries.get(doctor_id)
        if entry is None:
            # Kept only for a doctor whose list is kept: `freed` patches nothing else (and counts a change it
            # cannot see as one that may concern its slot). Years of other doctors' changes cost no memory.
            self._changes.pop(doctor_id, None)
            return
        self._changes.setdefault(doctor_id, deque(maxlen=CHANGES_KEPT)).append(
            (before[1] + 1, change.slot_id if change is not None else None))
        if change is not None and entry.version == before and entry.patch(change):
            entry.version = self._version(doctor_id)
            self.patches += 1
        else:
            del self._entries[doctor_id]

    def _note_taken(self, doctor_id: uuid.UUID, change: SlotChange | None) -> None:
        """A booking's slot known taken, a cancellation's known free again; any other change of the doctor's
        forgets what was known of their slots (it may have freed one without saying which)."""
        if change is None:
            self._taken_count -= len(self._taken.pop(doctor_id, {}))
        elif change.change == "booked":
            if self._taken_count >= TAKEN_KEPT:
                self._taken.clear()
                self._taken_count = 0
            taken = self._taken.setdefault(doctor_id, {})
            self._taken_count += change.slot_id not in taken
            taken[change.slot_id] = change.starts_at
        elif change.slot_id in (freed := self._taken.get(doctor_id, {})):
            del freed[change.slot_id]
            self._taken_count -= 1

    def known_taken(self, patient_id: uuid.UUID, slot_id: uuid.UUID, now: datetime) -> bool:
        """Whether a booking of `slot_id` by this patient is refused as taken from memory: a future slot of the
        patient's own GP that a booking took and nothing has freed since (see the module's note)."""
        if not self._listening.alive or (gp_id := self._gps.get(patient_id)) is None:
            return False
        starts_at = self._taken.get(gp_id, {}).get(slot_id)
        if starts_at is None or starts_at <= now:
            return False
        self.refused_taken += 1
        return True

    def changed(self, doctor_id: uuid.UUID) -> None:
        """A change this process committed: its own next search does not wait for the notice (the doctor's list
        is read again)."""
        self._change(doctor_id, None)

    def changed_every_doctor(self) -> None:
        """A closed or reopened day this process committed: every list read again, without waiting for the notice."""
        self._forget_everything()

    def booked(self, doctor_id: uuid.UUID, appointment_id: uuid.UUID, slot_id: uuid.UUID,
               starts_at: datetime) -> None:
        """A booking this process committed: its slot out of the kept list at once, unless the booking's notice
        came first (later changes may have come with it; the notice has patched the list already)."""
        if ("booked", appointment_id) not in self._seen:
            self._change(doctor_id, SlotChange("booked", appointment_id, slot_id, starts_at, None))

    def version_of(self, doctor_id: uuid.UUID) -> tuple[int, int]:
        """The doctor's version now: given back to `freed`, it tells whether a notice came in between."""
        return self._version(doctor_id)

    def freed(self, doctor_id: uuid.UUID, appointment_id: uuid.UUID, slot_id: uuid.UUID, starts_at: datetime,
              ends_at: datetime, *, free_again: bool, since: tuple[int, int]) -> None:
        """A cancellation this process committed. Its slot back in the kept list at once when PostgreSQL said,
        after the commit, that it is free for the search again (`free_again`: online, not withdrawn, no one else's),
        unless the cancellation's notice came first (it has patched the list), or a change that may concern this
        slot came since that answer was asked for (`since`: a notice of this slot, or one that names no slot); then
        the list is read again. Notices of other slots meanwhile (the rush's bookings) do not matter: PostgreSQL's
        answer is about this slot alone. The mix books and cancels all day, and a refill after every cancellation
        was most of booking's CPU."""
        if ("freed", appointment_id) in self._seen:
            return
        if free_again and not self._may_concern(doctor_id, slot_id, since):
            self._change(doctor_id, SlotChange("freed", appointment_id, slot_id, starts_at, ends_at))
        else:
            self._change(doctor_id, None)

    def _may_concern(self, doctor_id: uuid.UUID, slot_id: uuid.UUID, since: tuple[int, int]) -> bool:
        """Whether a change after version `since` may concern `slot_id` (or cannot be told any more)."""
        every, version = self._version(doctor_id)
        if every != since[0]:
            return True
        if version == since[1]:
            return False
        later = [slot for v, slot in self._changes.get(doctor_id, ()) if v > since[1]]
        return len(later) < version - since[1] or any(slot in (None, slot_id) for slot in later)

    async def clinic(self, today: date, load: Callable[[], Awaitable[ClinicCalendar]]) -> ClinicCalendar:
        """The clinic's calendar around `today` (its closed days), from memory until a day is closed or reopened."""
        kept = self._calendar
        if kept is not None and self._listening.alive and kept[:2] == (self._every, today):
            return kept[2]
        every = self._every
        calendar = await load()
        if self._every == every and self._listening.alive:
            self._calendar = (every, today, calendar)
        return calendar

    def deadlines(self, calendar: ClinicCalendar, compute: Callable[[datetime], datetime]
                  ) -> Callable[[datetime], datetime]:
        """`compute` (a slot's cancel deadline under `calendar`) remembered per start while the calendar kept by
        `clinic` is the same object (until a day is closed or reopened): the deadline depends on nothing else, and
        a fill after each booking would otherwise count back from hundreds of starts again."""
        if self._deadlines_of is not calendar or len(self._deadlines) > MAX_DEADLINES:
            self._deadlines, self._deadlines_of = {}, calendar
        memo = self._deadlines

        def deadline(starts_at: datetime) -> datetime:
            found = memo.get(starts_at)
            if found is None:
                found = memo[starts_at] = compute(starts_at)
            return found
        return deadline

    def _on_lost(self) -> None:
        # Notices may be missed from now on: nothing from memory until a new listener is in place.
        self._forget_everything()
        self._patient_changes += 1
        self._gps.clear()

    def _forget_everything(self) -> None:
        """Every kept list and version dropped at once: a new epoch (`_every`), so nothing begun before it is kept
        or patched after it."""
        self._every += 1
        self._versions.clear()
        self._entries.clear()
        self._changes.clear()
        self._calendar = None
        self._taken.clear()
        self._taken_count = 0

    async def gp_of(self, patient_id: uuid.UUID, read: Callable[[], Awaitable[uuid.UUID | None]]) -> uuid.UUID | None:
        """The patient's GP: from memory once read, until the directory says it changed; `read` asks PostgreSQL.
        A patient on no list (None) is asked about every time: being listed is the change that matters then."""
        if not self._listening.alive:
            self._listen_again()
            self.gp_reads += 1
            return await read()
        if (known := self._gps.get(patient_id)) is not None:
            return known
        changes = self._patient_changes
        self.gp_reads += 1
        gp_id = await read()
        # Not kept if a change of any patient's GP was noticed meanwhile: it may be this one's, after the read.
        if gp_id is not None and changes == self._patient_changes and self._listening.alive:
            if len(self._gps) >= MAX_PATIENTS:
                self._gps.clear()
            self._gps[patient_id] = gp_id
        return gp_id

    def _version(self, doctor_id: uuid.UUID) -> tuple[int, int]:
        return self._every, self._versions.get(doctor_id, 0)

    async def search(self, doctor_id: uuid.UUID, lo: datetime, hi: datetime, limit: int, *,
                     window: tuple[datetime, datetime], load: Load) -> list[str]:
        """The free slots starting in [lo, hi), the first `limit`: from memory when [lo, hi) lies in `window`, or
        when it starts in the window and its first `limit` slots all do (the web client's "first free slot" asks
        four months ahead for one), and the doctor's entry is current; else from `load` (PostgreSQL)."""
        if not self._listening.alive:
            self._listen_again()
            return await self._read(load, lo, hi, limit)
        if lo < window[0] or lo >= window[1]:
            return await self._read(load, lo, hi, limit)
        version = self._version(doctor_id)
        entry = self._entries.get(doctor_id)
        if (entry is None or entry.version != version or entry.window_start != window[0]
                or time.monotonic() - entry.made >= self._max_age):
            entry = await self._fill(doctor_id, version, window, load)
        else:
            self.hits += 1
        found = _cut(entry, lo, min(hi, window[1]), limit)
        if hi <= window[1] or len(found) == limit:
            return found
        return await self._read(load, lo, hi, limit)  # past the window, and the window has fewer than asked

    async def _read(self, load: Load, lo: datetime, hi: datetime, limit: int) -> list[str]:
        self.reads += 1
        return _cut(await load(lo, hi), lo, hi, limit)

    async def _fill(self, doctor_id: uuid.UUID, version: tuple[int, int], window: tuple[datetime, datetime],
                    load: Load) -> _Entry:
        filling = self._filling.get(doctor_id)
        if filling is not None and filling[0] == version:
            return await asyncio.shield(filling[1])
        future: asyncio.Future[_Entry] = asyncio.get_running_loop().create_future()
        self._filling[doctor_id] = (version, future)
        try:
            # The version is read before the load: a change committed after it bumps the version, so this entry
            # is not used after that notice.
            loaded = await load(*window)
            entry = _Entry(version, window[0], window[1], time.monotonic(), loaded.starts, loaded.slots,
                           loaded.render)
            self.fills += 1
            if self._version(doctor_id) == version and self._listening.alive:
                self._entries[doctor_id] = entry
            future.set_result(entry)
            return entry
        except BaseException as exc:
            future.set_exception(exc)
            future.exception()  # retrieved: the waiters (if any) get it raised
            raise
        finally:
            if self._filling.get(doctor_id, (None, None))[1] is future:
                del self._filling[doctor_id]

    def _listen_again(self) -> None:
        if self._reconnecting is not None and not self._reconnecting.done():
            return

        async def reconnect() -> None:
            try:
                await self._listening.again()
                log.info("slot search cache listening again")
            except Exception as exc:  # the database is still away: the next search tries again
                log.warning("slot search cache not listening", error=type(exc).__name__)

        self._reconnecting = asyncio.create_task(reconnect(), name="slot-cache-listen")


def _cut(found: Loaded | _Entry, lo: datetime, hi: datetime, limit: int) -> list[str]:
    starts, slots = found.starts, found.slots
    first = bisect.bisect_left(starts, lo)
    last = bisect.bisect_left(starts, hi, lo=first)
    return slots[first:min(last, first + limit)]
