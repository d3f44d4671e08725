"""booking's own HTTP API (reached only by the gateway): thin, parse and hand over."""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta
from typing import Annotated

import asyncpg
from fastapi import APIRouter, Query, Request, Response, status

from booking import handlers
from booking.adapters.appointments import AppointmentRepository
from booking.adapters.schedules import ScheduleRepository, free_slot_object, free_slots_document
from booking.adapters.slot_cache import Loaded, SlotSearchCache
from booking.domain.appointments import cancel_deadline
from booking.domain.clinic import ClinicCalendar
from booking.domain.errors import AppointmentNotFound, NotListed
from booking.domain.schedule import WeeklyTemplate, local_day_bounds
from booking.entrypoints.schemas import (
    AppointmentOut,
    BookIn,
    CancelIn,
    ClosedDayIn,
    FreeSlotsOut,
    SingleSlotIn,
    SlotOnlineIn,
    SlotOut,
    TemplateIn,
)
from booking.settings import BookingSettings
from kit.clock import oslo
from kit.errors import DomainError
from kit.http import IsoDay
from kit.patient_directory import PatientDirectory
from kit.runtime import ServiceRuntime

router = APIRouter(prefix="/internal")

# The slot search cache's window, whole days: today and the five weeks after, so the default search (four weeks
# from now) and a month ahead from any day are served from memory.
CACHED_DAYS = 35
# The most slots one search reads from PostgreSQL (a listing's `limit` is at most 2,000; a window of ten-minute
# slots of one doctor is under 5,000).
LOAD_LIMIT = 10_000


def _runtime(request: Request) -> ServiceRuntime:
    runtime: ServiceRuntime = request.app.state.runtime
    return runtime


def _slot_cache(runtime: ServiceRuntime) -> SlotSearchCache | None:
    cache: SlotSearchCache | None = runtime.state.get("slot_cache")
    return cache


def _schedule_changed(runtime: ServiceRuntime, doctor_id: uuid.UUID | None) -> None:
    """A schedule change this process committed (None: a closed or reopened day, every doctor's): its own next
    search reads it, without waiting for the change's notice (milliseconds, or more on a loaded machine; staff
    open or close a slot and look at once). Other replicas hear the notice."""
    if (cache := _slot_cache(runtime)) is not None:
        if doctor_id is None:
            cache.changed_every_doctor()
        else:
            cache.changed(doctor_id)


async def _clinic(runtime: ServiceRuntime) -> ClinicCalendar:
    """The clinic's calendar with its own closed days from a year back to a year ahead (kept by the slot
    search cache until a day is closed or reopened)."""
    async def load() -> ClinicCalendar:
        async with runtime.pool.acquire() as conn:
            return await _clinic_on(conn, runtime)
    cache = _slot_cache(runtime)
    return await load() if cache is None else await cache.clinic(oslo(runtime.clock.now()).date(), load)


async def _clinic_on(conn: asyncpg.Connection, runtime: ServiceRuntime) -> ClinicCalendar:
    today = oslo(runtime.clock.now()).date()
    closed = await ScheduleRepository(conn).closed_days(today - timedelta(days=366), today + timedelta(days=400))
    return ClinicCalendar(closed)


def _range(request: Request, start: str | None, end: str | None) -> tuple[datetime, datetime]:
    """`from` and `to` as dates (Oslo days, `to` included) or instants with offset; 4 weeks by default."""
    runtime = _runtime(request)
    lo = _instant(start, end_of_day=False) if start else runtime.clock.now()
    hi = _instant(end, end_of_day=True) if end else lo + timedelta(days=28)
    settings = runtime.settings
    assert isinstance(settings, BookingSettings)
    if hi <= lo or hi - lo > timedelta(days=settings.max_listing_days):
        raise DomainError(f"Perioden må være positiv og høyst {settings.max_listing_days} dager.",
                          code="validation.invalid", status=422, title="Ugyldig periode.")
    return lo, hi


def _instant(value: str, *, end_of_day: bool) -> datetime:
    try:
        if len(value) == 10:
            first, after = local_day_bounds(date.fromisoformat(value))
            return after if end_of_day else first
        parsed = datetime.fromisoformat(value)
    except ValueError:
        parsed = None
    if parsed is None or parsed.tzinfo is None:
        raise DomainError("Bruk YYYY-MM-DD eller ISO 8601 med tidssone.", code="validation.invalid", status=422,
                          title="Ugyldig tidspunkt.")
    return parsed


@router.get("/slots", response_model=FreeSlotsOut)
async def free_slots(request: Request, patient_id: uuid.UUID, start: Annotated[str | None, Query(alias="from")] = None,
                     end: Annotated[str | None, Query(alias="to")] = None,
                     limit: Annotated[int, Query(ge=1, le=2000)] = 2000) -> Response:
    """The bookable slots of the patient's own GP: open, free and in the future (the first `limit`), each with
    the deadline for cancelling it online. The JSON is PostgreSQL's (hundreds of slots a search: an object each
    in Python was most of the request's CPU)."""
    runtime = _runtime(request)
    lo, hi = _range(request, start, end)
    now = runtime.clock.now()
    lo = max(lo, now)
    cache = _slot_cache(runtime)

    async def read_gp() -> uuid.UUID | None:
        async with runtime.pool.acquire() as conn:
            patient = await PatientDirectory(conn).find(patient_id)
        return patient.gp_id if patient else None

    gp_id = await (read_gp() if cache is None else cache.gp_of(patient_id, read_gp))
    if gp_id is None:
        raise NotListed()

    async def load(first: datetime, last: datetime) -> Loaded:
        clinic = await _clinic(runtime)

        def deadline(at: datetime) -> datetime:
            return cancel_deadline(at, clinic.is_working_day)
        cancel_until = deadline if cache is None else cache.deadlines(clinic, deadline)
        async with runtime.pool.acquire() as conn:
            starts, slots = await ScheduleRepository(conn).free_slot_objects(gp_id, first, last, LOAD_LIMIT,
                                                                             cancel_until)

        def render(slot_id: uuid.UUID, starts_at: datetime, ends_at: datetime) -> str:
            return free_slot_object(slot_id, gp_id, starts_at, ends_at, cancel_until)
        return Loaded(starts, slots, render)

    if cache is None:
        slots = (await load(lo, max(hi, lo))).slots[:limit]
    else:
        today = local_day_bounds(oslo(now).date())[0]
        slots = await cache.search(gp_id, lo, max(hi, lo), limit, load=load,
                                   window=(today, today + timedelta(days=CACHED_DAYS)))
    return Response(free_slots_document(gp_id, slots), media_type="application/json")


@router.post("/appointments", status_code=status.HTTP_201_CREATED)
async def book(body: BookIn, request: Request) -> AppointmentOut:
    runtime = _runtime(request)
    cache = _slot_cache(runtime)
    appointment = await handlers.book_appointment(runtime, body.patient_id, body.slot_id, body.reason,
                                                   body.booked_by_guardian_id,
                                                   known_taken=cache.known_taken if cache is not None else None)
    if cache is not None:
        cache.booked(appointment.doctor_id, appointment.id, appointment.slot_id, appointment.starts_at)
    return AppointmentOut.of(appointment, await _clinic(runtime), runtime.clock.now())


@router.get("/appointments")
async def appointments_of_patient(request: Request, patient_id: uuid.UUID) -> dict[str, list[AppointmentOut]]:
    runtime = _runtime(request)
    async with runtime.pool.acquire() as conn:
        found = await AppointmentRepository(conn).of_patient(patient_id)
    clinic = await _clinic(runtime)
    now = runtime.clock.now()
    return {"items": [AppointmentOut.of(a, clinic, now) for a in found]}


@router.get("/appointments/{appointment_id}")
async def appointment(appointment_id: uuid.UUID, request: Request) -> AppointmentOut:
    runtime = _runtime(request)
    async with runtime.pool.acquire() as conn:
        found = await AppointmentRepository(conn).get(appointment_id)
    if found is None:
        raise AppointmentNotFound()
    return AppointmentOut.of(found, await _clinic(runtime), runtime.clock.now())


@router.post("/appointments/{appointment_id}/cancel")
async def cancel(appointment_id: uuid.UUID, body: CancelIn, request: Request) -> AppointmentOut:
    if body.by == "patient" and body.patient_id is None:
        raise DomainError("patient_id mangler.", code="validation.invalid", status=422)
    runtime = _runtime(request)
    cache = _slot_cache(runtime)
    # A patient's cancellation is judged by the calendar the search keeps (no read of the closed days before
    # it): the one their deadline was shown by. A day closed that moment is in it at its notice.
    clinic = await _clinic(runtime) if cache is not None and body.by == "patient" else None
    # The slot back in this process's kept list at once (its next search shows it), if the cancellation's statement
    # says it is free for the search: no read of the doctor's whole list again, and no statement more.
    cancelled = await handlers.cancel_appointment(runtime, appointment_id, by=body.by, patient_id=body.patient_id,
                                                  clinic=clinic, search=cache)
    return AppointmentOut.of(cancelled, ClinicCalendar())


@router.get("/calendar")
async def calendar(request: Request, doctor_id: uuid.UUID, start: Annotated[str | None, Query(alias="from")] = None,
                   end: Annotated[str | None, Query(alias="to")] = None) -> dict[str, object]:
    """The doctor's slots in the range, each with its appointment (patient, reason) or none."""
    lo, hi = _range(request, start, end)
    async with _runtime(request).pool.acquire() as conn:
        rows = await ScheduleRepository(conn).calendar(doctor_id, lo, hi)
    items = [{
        "slot_id": r["slot_id"], "starts_at": oslo(r["starts_at"]), "ends_at": oslo(r["ends_at"]),
        "online": r["online"],
        "appointment": None if r["appointment_id"] is None else {
            "id": r["appointment_id"], "patient_id": r["patient_id"], "patient_name": r["patient_name"],
            "patient_birth_date": r["patient_birth_date"], "reason": r["reason"], "booked_at": oslo(r["booked_at"])},
    } for r in rows]
    return {"doctor_id": doctor_id, "items": items}


@router.post("/slots", status_code=status.HTTP_201_CREATED)
async def open_slot(body: SingleSlotIn, request: Request) -> SlotOut:
    runtime = _runtime(request)
    slot = await handlers.open_single_slot(runtime, body.doctor_id, body.start, body.minutes, body.online)
    _schedule_changed(runtime, slot.doctor_id)
    return SlotOut.of(slot)


@router.patch("/slots/{slot_id}")
async def change_slot(slot_id: uuid.UUID, body: SlotOnlineIn, request: Request) -> SlotOut:
    """Open a slot for online booking or close it; a booked appointment in it stays."""
    runtime = _runtime(request)
    slot = await handlers.set_slot_online(runtime, slot_id, body.online, doctor_id=body.doctor_id)
    _schedule_changed(runtime, slot.doctor_id)
    return SlotOut.of(slot)


@router.post("/templates", status_code=status.HTTP_201_CREATED)
async def add_template(body: TemplateIn, request: Request) -> dict[str, object]:
    template = WeeklyTemplate(uuid.uuid4(), body.doctor_id, frozenset(body.weekdays), body.day_starts, body.day_ends,
                              body.slot_minutes, body.online, body.valid_from, body.valid_until)
    runtime = _runtime(request)
    made = await handlers.add_weekly_template(runtime, template)
    _schedule_changed(runtime, template.doctor_id)
    return {"id": template.id, "slots_made": made}


@router.get("/closed-days")
async def closed_days(request: Request, start: Annotated[IsoDay | None, Query(alias="from")] = None,
                      end: Annotated[IsoDay | None, Query(alias="to")] = None) -> dict[str, object]:
    """The clinic's closed days from `from` (today) to `to` (a year on), each with the appointments still booked."""
    runtime = _runtime(request)
    first = start or oslo(runtime.clock.now()).date()
    last = end or first + timedelta(days=366)
    async with runtime.pool.acquire() as conn:
        rows = await ScheduleRepository(conn).closed_days_listed(first, last)
    return {"closed_days": [dict(row) for row in rows]}


@router.post("/closed-days", status_code=status.HTTP_201_CREATED)
async def close_day(body: ClosedDayIn, request: Request) -> dict[str, object]:
    """Close a day for the whole clinic. Booking owns the clinic's closed days; ClinicDayClosed tells the rest."""
    runtime = _runtime(request)
    closed = await handlers.close_day(runtime, body.day, body.reason)
    _schedule_changed(runtime, None)
    return {"day": closed.day, "withdrawn_slots": closed.withdrawn_slots,
            "booked_appointments": closed.booked_appointments}


@router.delete("/closed-days/{day}")
async def reopen_day(day: IsoDay, request: Request) -> dict[str, object]:
    """Open a closed day again (404 when it is not closed); ClinicDayReopened tells the rest."""
    runtime = _runtime(request)
    reopened = await handlers.reopen_day(runtime, day)
    _schedule_changed(runtime, None)
    return {"day": reopened.day, "restored_slots": reopened.restored_slots}
