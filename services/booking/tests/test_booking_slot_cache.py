"""The slot search from memory (booking/adapters/slot_cache.py): the same answer as PostgreSQL's, served without
it while the doctor's schedule stands still, and never older than the last change: a booking through this
process at once, a change another replica commits by its NOTIFY, and nothing from memory while the listener
is away."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import pytest

from booking.adapters.schedules import ScheduleRepository
from booking.adapters.slot_cache import SlotSearchCache
from services.booking.tests.conftest import Booking
from tests.support.eventually import eventually

pytestmark = pytest.mark.stack

FROM, TO = "2026-03-03", "2026-03-06"  # inside the cache's window (the fixture's clock: 2 March 2026)
CLOSED = "2026-03-25"  # a Wednesday inside the window that no other test's dates reach


async def test_searches_come_from_memory_until_the_doctors_schedule_changes(booking_service: Booking) -> None:
    svc = booking_service
    cache: SlotSearchCache = svc.runtime.state["slot_cache"]
    gp = uuid.uuid4()
    kari, ola = await svc.listed(gp, 2)
    await svc.template(gp, day_starts="09:00", day_ends="10:00")  # three slots a working day
    first = await svc.free(kari, FROM, TO)
    assert len(first) == 12

    fills, hits = cache.fills, cache.hits
    assert await svc.free(ola, FROM, TO) == first
    assert (cache.fills, cache.hits) == (fills, hits + 1), "the second search of the same GP came from memory"

    # A booking through this process: the next search leaves its slot out at once.
    booked = await svc.client.post("/internal/appointments", json={"patient_id": str(kari),
                                                                    "slot_id": first[0]["id"]})
    assert booked.status_code == 201, booked.text
    assert await svc.free(ola, FROM, TO) == first[1:]

    # A change committed elsewhere (another replica; here SQL straight into the database) reaches the cache by
    # the schedule's change notice.
    conn = await svc.db()
    try:
        await conn.execute("UPDATE slots SET online = false WHERE id = $1", uuid.UUID(first[1]["id"]))
    finally:
        await conn.close()

    async def second_gone() -> bool:
        return await svc.free(ola, FROM, TO) == first[2:]
    await eventually(second_gone, "the slot taken offline elsewhere to leave the search")

    # The cancelled appointment's slot is free again at once.
    cancelled = await svc.client.post(f"/internal/appointments/{booked.json()['id']}/cancel",
                                      json={"by": "staff"})
    assert cancelled.status_code == 200, cancelled.text
    assert await svc.free(ola, FROM, TO) == [first[0], *first[2:]]


async def test_nothing_comes_from_memory_while_the_listener_is_away(booking_service: Booking) -> None:
    svc = booking_service
    cache: SlotSearchCache = svc.runtime.state["slot_cache"]
    gp = uuid.uuid4()
    (kari,) = await svc.listed(gp)
    await svc.template(gp, day_starts="09:00", day_ends="09:40")
    first = await svc.free(kari, FROM, TO)
    assert len(first) == 8

    conn = await svc.db()
    try:
        # The database drops the listening connection (a restart): notices may be missed from now on.
        await conn.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                           "WHERE datname = current_database() AND query = 'LISTEN \"booking_schedule\"'")

        async def lost() -> bool:
            return not cache.listening
        await eventually(lost, "the cache to notice its listener is gone")
        # A change it cannot hear of while away, made before the next search: that search asks PostgreSQL.
        await conn.execute("UPDATE slots SET online = false WHERE id = $1", uuid.UUID(first[0]["id"]))
        assert await svc.free(kari, FROM, TO) == first[1:]

        async def listening() -> bool:
            return cache.listening
        await eventually(listening, "the cache to listen again")
        await conn.execute("UPDATE slots SET online = true WHERE id = $1", uuid.UUID(first[0]["id"]))

        async def back() -> bool:
            return await svc.free(kari, FROM, TO) == first
        await eventually(back, "the slot put online again to come back")
    finally:
        await conn.close()


async def test_bookings_and_a_cancellation_patch_the_kept_list_as_postgresql_has_it(booking_service: Booking) -> None:
    """The booking rush: a booking or a cancellation takes its slot out of the kept list or puts it back in its
    place (migration 0004's notice says which slot), so the doctor's next searches come from memory without a
    refill, whichever replica made the change, and the list stays what PostgreSQL answers."""
    svc = booking_service
    cache: SlotSearchCache = svc.runtime.state["slot_cache"]
    gp = uuid.uuid4()
    kari, ola, per = await svc.listed(gp, 3)
    await svc.template(gp, day_starts="09:00", day_ends="10:00")
    first = await svc.free(kari, FROM, TO)
    assert len(first) == 12
    fills = cache.fills

    async def book(patient: uuid.UUID, slot: dict[str, str]) -> str:
        booked = await svc.client.post("/internal/appointments", json={"patient_id": str(patient),
                                                                        "slot_id": slot["id"]})
        assert booked.status_code == 201, booked.text
        return str(booked.json()["id"])

    # Two bookings through this process: both slots out at once.
    kari_booked = await book(kari, first[0])
    await book(ola, first[5])
    left = [s for i, s in enumerate(first) if i not in (0, 5)]
    assert await svc.free(per, FROM, TO) == left

    conn = await svc.db()
    try:
        # Another replica (SQL straight into the database) cancels Kari's appointment: the slot comes back, in
        # its place and written as PostgreSQL writes it, by the notice.
        await conn.execute("UPDATE appointments SET cancelled_at = now(), cancelled_by = 'staff' WHERE id = $1",
                           uuid.UUID(kari_booked))
        back = [s for i, s in enumerate(first) if i != 5]

        async def put_back() -> bool:
            return await svc.free(per, FROM, TO) == back
        await eventually(put_back, "the slot cancelled elsewhere to come back")

        # ... and books a slot: it leaves the list by the notice.
        await conn.execute(
            """INSERT INTO appointments (id, slot_id, patient_id, doctor_id, starts_at, ends_at, booked_at)
               SELECT $1, id, $2, doctor_id, starts_at, ends_at, now() FROM slots WHERE id = $3""",
            uuid.uuid4(), per, uuid.UUID(first[7]["id"]))
        now_left = [s for i, s in enumerate(first) if i not in (5, 7)]

        async def taken() -> bool:
            return await svc.free(kari, FROM, TO) == now_left
        await eventually(taken, "the slot booked elsewhere to leave the list")
    finally:
        await conn.close()
    assert cache.fills == fills, "every change was patched into the kept list, none read it again"
    assert cache.patches >= 4

    # What PostgreSQL says, read again: the same list.
    cache.changed(gp)
    assert await svc.free(ola, FROM, TO) == now_left
    assert cache.fills == fills + 1


async def test_a_cancellation_here_puts_its_slot_back_without_reading_the_list_again(booking_service: Booking) -> None:
    """The traffic mix books and cancels all day: a cancellation through this process puts its slot back in the
    kept list at once (its next search shows it) without reading the doctor's list again; a cancellation that
    frees nothing for the search (said again after someone else booked the slot, or of a slot taken offline)
    puts nothing back."""
    svc = booking_service
    cache: SlotSearchCache = svc.runtime.state["slot_cache"]
    gp = uuid.uuid4()
    kari, ola = await svc.listed(gp, 2)
    await svc.template(gp, day_starts="09:00", day_ends="10:00")
    first = await svc.free(kari, FROM, TO)

    async def book(patient: uuid.UUID, slot: dict[str, str]) -> str:
        booked = await svc.client.post("/internal/appointments", json={"patient_id": str(patient),
                                                                        "slot_id": slot["id"]})
        assert booked.status_code == 201, booked.text
        return str(booked.json()["id"])

    async def cancel(appointment: str) -> None:
        cancelled = await svc.client.post(f"/internal/appointments/{appointment}/cancel", json={"by": "staff"})
        assert cancelled.status_code == 200, cancelled.text

    karis = await book(kari, first[0])
    assert await svc.free(ola, FROM, TO) == first[1:]
    fills = cache.fills
    await cancel(karis)
    assert await svc.free(ola, FROM, TO) == first, "back at once, in its place"
    assert cache.fills == fills, "put back, not read again"

    await book(ola, first[0])
    await cancel(karis)  # said again, after Ola took the slot: nothing is freed
    assert await svc.free(kari, FROM, TO) == first[1:]

    second = await book(kari, first[1])
    conn = await svc.db()
    try:
        await conn.execute("UPDATE slots SET online = false WHERE id = $1", uuid.UUID(first[1]["id"]))
    finally:
        await conn.close()
    await cancel(second)  # its slot is offline now: not for the search
    assert await svc.free(ola, FROM, TO) == first[2:]


def test_a_cancellation_here_is_patched_in_while_other_slots_change_but_not_after_a_change_of_its_own_slot() -> None:
    """While the cancelling process asked PostgreSQL whether the freed slot is free for the search, notices of
    other slots came (the mix books all the time): its answer is about its own slot alone, so it is put back. A
    notice of the same slot, or one that names no slot, meanwhile: the list is read again."""
    from datetime import UTC, datetime, timedelta

    from booking.adapters.slot_cache import EPOCH, MAX_DOCTORS, _Entry

    doctor = uuid.uuid4()
    nine = datetime(2026, 3, 3, 8, 0, tzinfo=UTC)
    slots = [(uuid.uuid4(), nine + timedelta(minutes=10 * n)) for n in range(3)]

    def render(slot_id: uuid.UUID, starts_at: datetime, ends_at: datetime) -> str:
        return f'{{"id":"{slot_id}","starts_at":"{starts_at.isoformat()}"}}'

    def micros(at: datetime) -> int:
        return (at - EPOCH) // timedelta(microseconds=1)

    def kept_with_the_first_booked() -> SlotSearchCache:
        cache = SlotSearchCache(None, max_age_seconds=60)  # type: ignore[arg-type]  # never listens here
        rest = slots[1:]
        cache._entries[doctor] = _Entry(cache.version_of(doctor), nine - timedelta(days=1), nine + timedelta(days=30),
                                        0.0, [s for _, s in rest], [render(i, s, s) for i, s in rest], render)
        return cache

    def cancel_first(cache: SlotSearchCache, meanwhile: str) -> list[str] | None:
        since = cache.version_of(doctor)
        cache._on_notice(meanwhile)  # came while PostgreSQL was asked
        slot_id, starts = slots[0]
        cache.freed(doctor, uuid.uuid4(), slot_id, starts, starts + timedelta(minutes=10), free_again=True,
                    since=since)
        entry = cache._entries.get(doctor)
        return entry.slots if entry is not None else None

    other_booked = f"{doctor} booked {uuid.uuid4()} {slots[2][0]} {micros(slots[2][1])}"
    assert cancel_first(kept_with_the_first_booked(), other_booked) == [
        render(i, s, s) for i, s in slots[:2]], "put back: only another slot changed meanwhile"
    same_booked = f"{doctor} booked {uuid.uuid4()} {slots[0][0]} {micros(slots[0][1])}"
    assert cancel_first(kept_with_the_first_booked(), same_booked) is None, "its own slot changed: read again"
    assert cancel_first(kept_with_the_first_booked(), str(doctor)) is None, "a change of no one slot: read again"

    # Years of changes to other doctors' schedules (the bench fills 100,000 appointments, each of its own doctor):
    # nothing is kept for a doctor whose list is not kept.
    cache = kept_with_the_first_booked()
    for _ in range(1000):
        cache._on_notice(f"{uuid.uuid4()} booked {uuid.uuid4()} {uuid.uuid4()} {micros(nine)}")
    assert list(cache._changes) == []
    # Nor a version for every one of them without end: past MAX_DOCTORS everything kept is dropped at once (a new
    # epoch: a cancellation's answer asked for before it is not patched in after it).
    since = cache.version_of(doctor)
    for _ in range(MAX_DOCTORS):
        cache._on_notice(f"{uuid.uuid4()} booked {uuid.uuid4()} {uuid.uuid4()} {micros(nine)}")
    assert len(cache._versions) <= MAX_DOCTORS
    assert cache._entries == {}
    slot_id, starts = slots[0]
    cache._entries[doctor] = _Entry(cache.version_of(doctor), nine - timedelta(days=1), nine + timedelta(days=30),
                                    0.0, [], [], render)
    cache.freed(doctor, uuid.uuid4(), slot_id, starts, starts + timedelta(minutes=10), free_again=True, since=since)
    assert doctor not in cache._entries, "asked before everything was dropped: read again, not patched"


async def test_a_search_past_the_window_is_served_from_memory_when_the_window_holds_what_it_asks(
        booking_service: Booking) -> None:
    """The web client's "first free slot" asks four months ahead for one: the window's first slot answers it
    without PostgreSQL. A search past the window that wants more than the window has is PostgreSQL's."""
    svc = booking_service
    cache: SlotSearchCache = svc.runtime.state["slot_cache"]
    gp = uuid.uuid4()
    (kari,) = await svc.listed(gp)
    await svc.template(gp, day_starts="09:00", day_ends="09:40")
    within = await svc.free(kari, FROM, TO)
    reads = cache.reads

    async def search(**params: str) -> list[dict[str, str]]:
        found = await svc.client.get("/internal/slots", params={"patient_id": str(kari), **params})
        assert found.status_code == 200, found.text
        slots: list[dict[str, str]] = found.json()["slots"]
        return slots

    assert await search(**{"from": FROM, "to": "2026-07-01", "limit": "1"}) == within[:1]
    assert cache.reads == reads, "the first free slot came from memory"
    everything = await search(**{"from": FROM, "to": "2026-07-01"})
    assert everything[:len(within)] == within
    assert len(everything) > len(within)
    assert cache.reads == reads + 1, "more than the window holds: PostgreSQL's answer"


async def test_postgresqls_search_the_cancellations_notice_and_its_own_answer_judge_every_slot_alike(
        booking_service: Booking) -> None:
    """"Free for the search" is said three times: the search's SQL (FREE_SLOTS), the notice a cancellation sends
    the caches (migration 0005: 'freed' or the doctor alone) and the cancelling process's own answer (the
    cancellation's statement, `save_cancellation`, given to the cache's `freed`). Were one to drift from the
    others, a cache would show a slot PostgreSQL's search does not (a booking refused) or hide one it shows. Slots
    in every state the rule looks at: each judged alike by all."""
    svc = booking_service
    cache: SlotSearchCache = svc.runtime.state["slot_cache"]
    answered: dict[uuid.UUID, bool] = {}
    told = cache.freed

    def freed(doctor_id: uuid.UUID, appointment_id: uuid.UUID, slot_id: uuid.UUID, *args: Any, free_again: bool,
              since: tuple[int, int]) -> None:
        answered[slot_id] = free_again
        told(doctor_id, appointment_id, slot_id, *args, free_again=free_again, since=since)
    cache.freed = freed  # type: ignore[method-assign]
    gp = uuid.uuid4()
    patients = await svc.listed(gp, 6)
    await svc.template(gp, day_starts="09:00", day_ends="10:00")
    slots = await svc.free(patients[0], FROM, TO)
    ids = [uuid.UUID(s["id"]) for s in slots]

    async def book(patient: uuid.UUID, slot: uuid.UUID) -> str:
        booked = await svc.client.post("/internal/appointments", json={"patient_id": str(patient),
                                                                        "slot_id": str(slot)})
        assert booked.status_code == 201, booked.text
        return str(booked.json()["id"])

    async def cancel(appointment: str) -> None:
        cancelled = await svc.client.post(f"/internal/appointments/{appointment}/cancel", json={"by": "staff"})
        assert cancelled.status_code == 200, cancelled.text

    booked = [await book(p, s) for p, s in zip(patients[:5], ids[:5], strict=True)]
    notices: list[str] = []
    listener, conn = await svc.db(), await svc.db()
    try:
        await conn.execute("UPDATE slots SET online = false WHERE id = ANY($1::uuid[])", [ids[1], ids[6]])
        await conn.execute("UPDATE slots SET withdrawn_at = now() WHERE id = ANY($1::uuid[])", [ids[2], ids[7]])
        await listener.add_listener("booking_schedule", lambda *args: notices.append(args[3]))  # from here on
        # 0: cancelled, online: free again. 1: cancelled, offline. 2: cancelled, withdrawn. 3: still booked.
        # 4: cancelled, then booked by another. 6, 7: never booked, offline / withdrawn. The rest: never booked.
        for n in (0, 1, 2, 4):
            await cancel(booked[n])
        await book(patients[5], ids[4])

        async def all_heard() -> bool:  # notices come in commit order: the last booking's says the others came
            return any(n.split()[1:2] == ["booked"] for n in notices)
        await eventually(all_heard, "the cancellations' notices")
        assert len([n for n in notices if n == str(gp) or n.split()[1:2] == ["freed"]]) == 4, notices
        freed = {uuid.UUID(n.split()[3]) for n in notices if n.split()[1:2] == ["freed"]}

        searched = {uuid.UUID(s["id"]) for s in await svc.free(patients[0], FROM, TO)}
    finally:
        del cache.freed
        await listener.close()
        await conn.close()

    assert searched == {ids[0], *ids[5:6], *ids[8:]}, "the rule itself, as the search applies it"
    cancelled_slots = {ids[0], ids[1], ids[2]}  # 4's notice came before it was booked again: freed then, rightly
    assert freed - {ids[4]} == cancelled_slots & searched
    # The cancelling process's answers, each as its cancellation wrote it: 4 was free then, and booked again after.
    assert answered == {ids[0]: True, ids[1]: False, ids[2]: False, ids[4]: True}
    assert {slot for slot, free in answered.items() if free} - {ids[4]} == cancelled_slots & searched


async def test_a_patients_gp_is_read_once_and_again_when_the_directory_changes_it(booking_service: Booking) -> None:
    """The search's one read of the directory (the patient's GP) is kept; a change of GP applied by any replica
    (here SQL straight into the database) reaches it by the directory's notice (migration 0006), and the next
    search shows the new GP's slots."""
    svc = booking_service
    cache: SlotSearchCache = svc.runtime.state["slot_cache"]
    first_gp, second_gp = uuid.uuid4(), uuid.uuid4()
    [kari] = await svc.listed(first_gp)
    await svc.template(first_gp, day_starts="09:00", day_ends="10:00")
    await svc.template(second_gp, day_starts="13:00", day_ends="14:00")
    reads = cache.gp_reads
    first = await svc.free(kari, FROM, TO)
    assert {s["doctor_id"] for s in first} == {str(first_gp)}
    assert await svc.free(kari, FROM, TO) == first
    assert cache.gp_reads == reads + 1, "the GP read once, then from memory"

    conn = await svc.db()
    try:
        await conn.execute("UPDATE patient_directory SET gp_id = $2, as_of = now() WHERE patient_id = $1",
                           kari, second_gp)
    finally:
        await conn.close()

    async def new_gps_slots() -> bool:
        return {s["doctor_id"] for s in await svc.free(kari, FROM, TO)} == {str(second_gp)}
    await eventually(new_gps_slots, "the new GP's slots once the change is noticed")
    assert cache.gp_reads == reads + 2


async def test_a_schedule_change_here_is_in_this_processs_next_search_without_waiting_for_its_notice(
        booking_service: Booking) -> None:
    """Staff close a slot for online booking, open one, close a day, and look at once: this process's own next
    search shows each change though the change's notice has not come yet (on a loaded machine it can lag the next
    request; here the notices are held back until the end)."""
    svc = booking_service
    cache: SlotSearchCache = svc.runtime.state["slot_cache"]
    gp = uuid.uuid4()
    (kari,) = await svc.listed(gp)
    await svc.template(gp, day_starts="09:00", day_ends="10:00")
    first = await svc.free(kari, FROM, TO)

    def ids(slots: list[dict[str, str]]) -> set[str]:
        return {s["id"] for s in slots}

    listening = cache._listening
    heard, held = listening._on_notice, list[str]()
    listening._on_notice = held.append
    try:
        closed = await svc.client.patch(f"/internal/slots/{first[0]['id']}", json={"online": False})
        assert closed.status_code == 200, closed.text
        assert first[0]["id"] not in ids(await svc.free(kari, FROM, TO)), "a slot closed here, before its notice"

        made = await svc.client.post("/internal/slots", json={"doctor_id": str(gp), "minutes": 20,
                                                               "start": "2026-03-04T12:00:00+01:00"})
        assert made.status_code == 201, made.text
        assert made.json()["id"] in ids(await svc.free(kari, FROM, TO)), "a slot opened here, before its notice"

        # A day no other test counts working days across (closed days are the whole clinic's, on a shared topic),
        # opened again at the end.
        assert await svc.free(kari, CLOSED, CLOSED) != []
        day = await svc.client.post("/internal/closed-days", json={"day": CLOSED})
        assert day.status_code == 201, day.text
        assert await svc.free(kari, CLOSED, CLOSED) == [], "a day closed here, before its notice"
        assert held, "the notices were held back meanwhile"
    finally:
        listening._on_notice = heard
        for payload in held:
            heard(payload)
        reopened = await svc.client.delete(f"/internal/closed-days/{CLOSED}")
        assert reopened.status_code in (200, 404), reopened.text


async def test_a_slot_known_taken_is_refused_from_memory_until_a_cancellation_frees_it(
        booking_service: Booking) -> None:
    """The booking rush: most tries are of a slot another patient took a moment before. A booking names its slot in
    its notice, so the next try of that slot by a patient of the same GP is refused as taken without a transaction;
    once the appointment is cancelled the slot can be booked again, and a change that names no slot (the doctor's
    schedule changed some other way) forgets what was known of that doctor's slots."""
    svc = booking_service
    cache: SlotSearchCache = svc.runtime.state["slot_cache"]
    gp = uuid.uuid4()
    kari, ola, per = await svc.listed(gp, 3)
    await svc.template(gp, day_starts="09:00", day_ends="10:00")
    first = await svc.free(ola, FROM, TO)  # ola's GP known to the cache from her search; per's is not

    async def book(patient: uuid.UUID, slot: dict[str, str]) -> tuple[int, str]:
        tried = await svc.client.post("/internal/appointments", json={"patient_id": str(patient),
                                                                       "slot_id": slot["id"]})
        return tried.status_code, tried.json().get("code", tried.json().get("id"))

    status, kari_appointment = await book(kari, first[0])
    assert status == 201
    refused = cache.refused_taken
    assert await book(ola, first[0]) == (409, "booking.slot_taken")
    assert cache.refused_taken == refused + 1, "refused from memory: no transaction was begun"
    assert await book(per, first[0]) == (409, "booking.slot_taken")
    assert cache.refused_taken == refused + 1, "a patient whose GP is not known here: PostgreSQL's refusal"

    cancelled = await svc.client.post(f"/internal/appointments/{kari_appointment}/cancel", json={"by": "staff"})
    assert cancelled.status_code == 200, cancelled.text
    status, ola_appointment = await book(ola, first[0])
    assert status == 201, "free again once cancelled: not refused from memory"

    # Another replica moves ola's appointment off the slot (SQL straight into the database): its notice names no
    # slot, so nothing of this doctor's is known taken any more; per's try of the slot goes to PostgreSQL.
    await svc.free(per, FROM, TO)
    conn = await svc.db()
    try:
        await conn.execute("UPDATE appointments SET slot_id = $2 WHERE id = $1", uuid.UUID(ola_appointment),
                           uuid.UUID(first[1]["id"]))
    finally:
        await conn.close()

    async def forgotten() -> bool:
        return not cache._taken.get(gp)
    await eventually(forgotten, "the change's notice to forget the doctor's known-taken slots")
    refused = cache.refused_taken
    status, _ = await book(per, first[0])
    assert status == 201, "the slot was free after the move: PostgreSQL, not memory, answered"
    assert cache.refused_taken == refused


def test_what_is_known_taken_follows_every_replicas_notices_and_only_for_a_future_slot_of_the_patients_gp() -> None:
    from datetime import UTC, timedelta
    from types import SimpleNamespace

    from booking.adapters.slot_cache import EPOCH, TAKEN_KEPT

    now = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
    gp, other_gp, patient = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    cache = SlotSearchCache(None, max_age_seconds=60)  # type: ignore[arg-type]  # never listens here
    cache._listening = SimpleNamespace(alive=True)  # type: ignore[assignment]
    cache._gps[patient] = gp

    def micros(at: datetime) -> int:
        return (at - EPOCH) // timedelta(microseconds=1)

    def booked(doctor: uuid.UUID, slot: uuid.UUID, at: datetime) -> uuid.UUID:
        appointment = uuid.uuid4()
        cache._on_notice(f"{doctor} booked {appointment} {slot} {micros(at)}")
        return appointment

    tomorrow, earlier = now + timedelta(days=1), now - timedelta(hours=1)
    slot, past, others = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    appointment = booked(gp, slot, tomorrow)
    booked(gp, past, earlier)
    booked(other_gp, others, tomorrow)
    assert cache.known_taken(patient, slot, now)
    assert not cache.known_taken(patient, past, now), "a past slot: PostgreSQL says it is not bookable"
    assert not cache.known_taken(patient, others, now), "another GP's slot: PostgreSQL says it is not theirs"
    assert not cache.known_taken(uuid.uuid4(), slot, now), "a patient whose GP is not known here"

    cache._on_notice(f"{gp} freed {appointment} {slot} {micros(tomorrow)} {micros(tomorrow + timedelta(minutes=10))}")
    assert not cache.known_taken(patient, slot, now), "freed by a cancellation's notice"
    booked(gp, slot, tomorrow)
    cache._on_notice(str(gp))
    assert not cache.known_taken(patient, slot, now), "a change that names no slot forgets the doctor's"
    booked(gp, slot, tomorrow)
    cache._on_notice("*")
    assert not cache.known_taken(patient, slot, now), "a closed day forgets everything"

    booked(gp, slot, tomorrow)
    cache._listening = SimpleNamespace(alive=False)  # type: ignore[assignment]
    assert not cache.known_taken(patient, slot, now), "notices may be missed while the listener is away"
    cache._listening = SimpleNamespace(alive=True)  # type: ignore[assignment]

    for _ in range(TAKEN_KEPT):  # a bulk load of bookings: what is kept stays bounded
        booked(other_gp, uuid.uuid4(), tomorrow)
    assert cache._taken_count == sum(map(len, cache._taken.values())) <= TAKEN_KEPT


async def test_a_patients_cancellation_is_judged_by_the_kept_calendar_with_a_day_closed_elsewhere_in_it(
        booking_service: Booking, monkeypatch: pytest.MonkeyPatch) -> None:
    """The calendar the search keeps (the one the patient's deadline was shown by) judges a patient's cancellation:
    no read of the closed days in each cancellation's transaction. A day closed by another replica (SQL straight
    into the database) is in it once its notice comes: a cancellation that day is refused."""
    from datetime import date

    from kit.clock import OSLO
    svc = booking_service
    gp = uuid.uuid4()
    (kari,) = await svc.listed(gp)
    await svc.template(gp, day_starts="09:00", day_ends="10:00")
    slots = await svc.free(kari, "2026-03-30", "2026-03-30")  # Monday 30 March, after the closed Wednesday
    reads: list[tuple[date, date]] = []
    read = ScheduleRepository.closed_days

    async def counted(self: ScheduleRepository, first: date, last: date) -> set[date]:
        reads.append((first, last))
        return await read(self, first, last)
    monkeypatch.setattr(ScheduleRepository, "closed_days", counted)

    async def book_and_cancel(slot: dict[str, str]) -> tuple[int, str | None]:
        booked = await svc.client.post("/internal/appointments",
                                       json={"patient_id": str(kari), "slot_id": slot["id"]})
        assert booked.status_code == 201, booked.text
        done = await svc.client.post(f"/internal/appointments/{booked.json()['id']}/cancel",
                                     json={"by": "patient", "patient_id": str(kari)})
        if done.status_code != 200:  # cancelled by staff, so the next try books again
            staff = await svc.client.post(f"/internal/appointments/{booked.json()['id']}/cancel", json={"by": "staff"})
            assert staff.status_code == 200, staff.text
        return done.status_code, done.json().get("code")

    svc.clock.set(datetime(2026, 3, 25, 10, 0, tzinfo=OSLO))  # Wednesday CLOSED, open for now
    assert await book_and_cancel(slots[0]) == (200, None)
    reads.clear()  # the calendar of the new day read once, above; from now on kept
    assert await book_and_cancel(slots[1]) == (200, None)
    assert await book_and_cancel(slots[2]) == (200, None)
    assert reads == [], "no closed days read in a cancellation's transaction"

    conn = await svc.db()
    try:
        await conn.execute("INSERT INTO closed_days (day, reason) VALUES ($1, 'Personaldag')", date(2026, 3, 25))

        async def refused() -> bool:
            return await book_and_cancel(slots[0]) == (422, "booking.cancel_not_working_day")
        await eventually(refused, "a cancellation on the day closed elsewhere to be refused")
    finally:
        await conn.execute("DELETE FROM closed_days WHERE day = $1", date(2026, 3, 25))
        await conn.close()
