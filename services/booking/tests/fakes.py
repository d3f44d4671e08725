"""booking's repositories in memory (tests/support/fakes.py): what the handler tests run on. Each answers as its
PostgreSQL statement in adapters/ does, for one unit of work at a time: the invariants PostgreSQL keeps under
concurrency (the slot's unique index, the patient's lock, the doctor's exclusion constraint) are plain checks
here, and test_booking_fakes_agree.py holds the two to the same transcript."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import date, datetime

from booking.domain.appointments import Appointment, Slot
from booking.domain.errors import NotListed, SlotOverlaps, SlotTaken
from booking.domain.schedule import SlotTimes, WeeklyTemplate, local_day_bounds
from contracts.envelope import Event
from kit.clock import oslo
from tests.support.fakes import InMemoryUnitOfWork, Store


@dataclass(frozen=True)
class StoredSlot:
    slot: Slot
    withdrawn_at: datetime | None = None
    template_id: uuid.UUID | None = None

    def overlaps(self, doctor_id: uuid.UUID, starts_at: datetime, ends_at: datetime) -> bool:
        """What the exclusion constraint `slots_no_overlap` refuses: the doctor's slot, not withdrawn, whose
        [start, end) meets the other's."""
        s = self.slot
        return (self.withdrawn_at is None and s.doctor_id == doctor_id
                and s.starts_at < ends_at and starts_at < s.ends_at)


@dataclass
class StoredTemplate:
    template: WeeklyTemplate
    materialised_until: date | None = None


@dataclass
class BookingStore(Store):
    slots: dict[uuid.UUID, StoredSlot] = field(default_factory=dict)
    templates: dict[uuid.UUID, StoredTemplate] = field(default_factory=dict)  # in the order they were made
    appointments: dict[uuid.UUID, Appointment] = field(default_factory=dict)
    reminded: dict[uuid.UUID, datetime] = field(default_factory=dict)
    closed_reasons: dict[date, str | None] = field(default_factory=dict)  # the days are Store.closed_days

    def __call__(self) -> FakeBookingUnitOfWork:
        return FakeBookingUnitOfWork(self)

    def slot(self, doctor_id: uuid.UUID, starts_at: datetime, ends_at: datetime, *, online: bool = True) -> Slot:
        """A slot in the doctor's schedule, as if opened earlier."""
        slot = Slot(uuid.uuid4(), doctor_id, starts_at, ends_at, online)
        self.slots[slot.id] = StoredSlot(slot)
        return slot


def _active(a: Appointment) -> bool:
    return a.cancelled_at is None


def _on(day: date, at: datetime) -> bool:
    start, end = local_day_bounds(day)
    return start <= at < end


class FakeAppointments:
    def __init__(self, store: BookingStore, publish: Callable[[Event], Awaitable[None]]) -> None:
        """`publish`: the unit of work's, for the writes that carry their event."""
        self._store = store
        self._publish = publish

    async def lock_for_booking(self, patient_id: uuid.UUID, slot_id: uuid.UUID, now: datetime
                               ) -> tuple[uuid.UUID | None, Slot | None, set[date]]:
        patient = self._store.patients.get(patient_id)
        if patient is None:
            raise NotListed()
        stored = self._store.slots.get(slot_id)
        slot = replace(stored.slot, withdrawn=stored.withdrawn_at is not None) if stored else None
        # PostgreSQL's least() and greatest() pass over the NULL start of a missing slot: now's day alone.
        around = [now, slot.starts_at] if slot else [now]
        first, last = oslo(min(around)).date(), oslo(max(around)).date()
        return patient.gp_id, slot, {d for d in self._store.closed_days if first <= d <= last}

    async def add_unless_future(self, appointment: Appointment, now: datetime, booked: Event) -> bool:
        kept = self._store.appointments.values()
        if any(a.patient_id == appointment.patient_id and _active(a) and a.starts_at > now for a in kept):
            return False
        if any(a.slot_id == appointment.slot_id and _active(a) for a in kept):
            raise SlotTaken()  # the partial unique index appointments_one_per_slot
        self._store.appointments[appointment.id] = appointment
        await self._publish(booked)
        return True

    async def get(self, appointment_id: uuid.UUID) -> Appointment | None:
        return self._store.appointments.get(appointment_id)

    async def save_cancellation(self, appointment: Appointment, cancelled: Event) -> bool | None:
        kept = self._store.appointments.get(appointment.id)
        if kept is None or not _active(kept):
            return None
        self._store.appointments[appointment.id] = replace(kept, cancelled_at=appointment.cancelled_at,
                                                           cancelled_by=appointment.cancelled_by)
        await self._publish(cancelled)
        stored = self._store.slots.get(kept.slot_id)
        return (stored is not None and stored.slot.online and stored.withdrawn_at is None
                and (stored.slot.doctor_id, stored.slot.starts_at, stored.slot.ends_at)
                == (kept.doctor_id, kept.starts_at, kept.ends_at)
                and not any(a.slot_id == kept.slot_id and _active(a) for a in self._store.appointments.values()))

    async def of_patient(self, patient_id: uuid.UUID) -> list[Appointment]:
        return sorted((a for a in self._store.appointments.values() if a.patient_id == patient_id),
                      key=lambda a: a.starts_at, reverse=True)[:200]

    async def due_reminders(self, now: datetime, limit: int) -> list[Appointment]:
        due = [a for a in self._store.appointments.values()
               if a.reminder_due_at is not None and a.reminder_due_at <= now and a.id not in self._store.reminded
               and _active(a) and a.starts_at > now]
        return sorted(due, key=lambda a: a.reminder_due_at or now)[:limit]

    async def mark_reminded(self, appointment_id: uuid.UUID, at: datetime) -> None:
        self._store.reminded[appointment_id] = at


class FakeSchedules:
    def __init__(self, store: BookingStore) -> None:
        self._store = store

    async def closed_days(self, first: date, last: date) -> set[date]:
        return {d for d in self._store.closed_days if first <= d <= last}

    async def add_closed_day(self, day: date, reason: str | None) -> bool:
        if day in self._store.closed_days:
            return False
        self._store.closed_days.add(day)
        self._store.closed_reasons[day] = reason
        return True

    async def remove_closed_day(self, day: date) -> bool:
        if day not in self._store.closed_days:
            return False
        self._store.closed_days.discard(day)
        self._store.closed_reasons.pop(day, None)
        return True

    async def restore_withdrawn_slots_on(self, day: date, now: datetime) -> int:
        slots = self._store.slots
        # One UPDATE: each slot is judged against the schedule as it was before it.
        back = [k for k in slots.values()
                if _on(day, k.slot.starts_at) and k.slot.starts_at > now and k.withdrawn_at is not None
                and not any(o.overlaps(k.slot.doctor_id, k.slot.starts_at, k.slot.ends_at) for o in slots.values())]
        for k in back:
            slots[k.slot.id] = replace(k, withdrawn_at=None)
        return len(back)

    async def withdraw_free_slots_on(self, day: date, at: datetime) -> int:
        booked = {a.slot_id for a in self._store.appointments.values() if _active(a)}
        free = [k for k in self._store.slots.values()
                if _on(day, k.slot.starts_at) and k.withdrawn_at is None and k.slot.id not in booked]
        for k in free:
            self._store.slots[k.slot.id] = replace(k, withdrawn_at=at)
        return len(free)

    async def appointments_on(self, day: date) -> int:
        return sum(1 for a in self._store.appointments.values() if _active(a) and _on(day, a.starts_at))

    async def add_template(self, template: WeeklyTemplate) -> None:
        self._store.templates.setdefault(template.id, StoredTemplate(template))

    async def templates_behind(self, horizon: date) -> list[tuple[WeeklyTemplate, date | None]]:
        return [(t.template, t.materialised_until) for t in self._store.templates.values()
                if (t.materialised_until is None or t.materialised_until < horizon)
                and (t.template.valid_until is None or t.materialised_until is None
                     or t.materialised_until < t.template.valid_until)]

    async def templates_materialised_over(self, day: date) -> list[WeeklyTemplate]:
        return [t.template for t in self._store.templates.values()
                if t.materialised_until is not None and t.materialised_until >= day
                and t.template.valid_from <= day and (t.template.valid_until is None or t.template.valid_until >= day)]

    async def mark_materialised(self, template_id: uuid.UUID, until: date) -> None:
        self._store.templates[template_id].materialised_until = until

    async def add_template_slots(self, template: WeeklyTemplate, times: Iterable[SlotTimes]) -> int:
        made = 0
        for t in times:  # ON CONFLICT DO NOTHING: one that would overlap is skipped
            if not self._overlaps(template.doctor_id, t):
                slot = Slot(uuid.uuid4(), template.doctor_id, t.starts_at, t.ends_at, template.online)
                self._store.slots[slot.id] = StoredSlot(slot, template_id=template.id)
                made += 1
        return made

    async def add_single_slot(self, doctor_id: uuid.UUID, times: SlotTimes, online: bool) -> Slot:
        if self._overlaps(doctor_id, times):
            raise SlotOverlaps()
        slot = Slot(uuid.uuid4(), doctor_id, times.starts_at, times.ends_at, online)
        self._store.slots[slot.id] = StoredSlot(slot)
        return slot

    async def slot_for_change(self, slot_id: uuid.UUID) -> Slot | None:
        stored = self._store.slots.get(slot_id)
        return replace(stored.slot, withdrawn=stored.withdrawn_at is not None) if stored else None

    async def set_online(self, slot_id: uuid.UUID, online: bool) -> Slot:
        stored = self._store.slots[slot_id]
        self._store.slots[slot_id] = replace(stored, slot=replace(stored.slot, online=online))
        return replace(stored.slot, online=online, withdrawn=stored.withdrawn_at is not None)

    async def free_slots(self, doctor_id: uuid.UUID, start: datetime, end: datetime, limit: int) -> list[Slot]:
        booked = {a.slot_id for a in self._store.appointments.values() if _active(a)}
        free = [k.slot for k in self._store.slots.values()
                if k.slot.doctor_id == doctor_id and start <= k.slot.starts_at < end and k.slot.online
                and k.withdrawn_at is None and k.slot.id not in booked]
        return sorted(free, key=lambda s: s.starts_at)[:limit]

    def _overlaps(self, doctor_id: uuid.UUID, times: SlotTimes) -> bool:
        return any(k.overlaps(doctor_id, times.starts_at, times.ends_at) for k in self._store.slots.values())


class FakeBookingUnitOfWork(InMemoryUnitOfWork):
    def repositories(self, store: BookingStore) -> None:
        self.appointments = FakeAppointments(store, self.publish)
        self.schedules = FakeSchedules(store)
