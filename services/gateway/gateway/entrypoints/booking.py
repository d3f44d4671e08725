"""Appointments (api.md): a patient's free slots, booking and cancelling; staff's schedules and calendar.

Every route checks the role; a patient's id always comes from the session, and booking itself checks
that the slot belongs to the patient's own GP. Appointments are health data (the reason for the visit
especially): every read or change is audited, and reception never sees the reason.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime, time
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request, Response, status
from pydantic import AwareDatetime, BaseModel, Field

from gateway.auth import patient_appointments, staff
from gateway.dependencies import Strict, audit, audited, services
from gateway.domain.errors import UnknownDoctor
from gateway.domain.principal import Principal, ensure_may_make_requests
from gateway.entrypoints.patients import readable_patient
from kit.errors import DomainError, Forbidden
from kit.http import IsoDay

router = APIRouter(prefix="/api/v1", tags=["timebestilling"])

clinic_staff = staff("doctor", "reception")
front_desk = staff("reception", "admin")

OBJECT = "appointment"


class BookIn(Strict):
    slot_id: uuid.UUID
    reason: str | None = Field(default=None, max_length=2000,
                               description="Valgfri årsak til timen (helseopplysning: vises for legen, aldri i SMS).")


class SingleSlotIn(Strict):
    doctor_id: uuid.UUID | None = Field(default=None, description="Legen; utelatt betyr meg selv (lege).")
    start: AwareDatetime
    minutes: int = Field(ge=5, le=240)
    online: bool = True


class WeeklyIn(Strict):
    weekdays: list[int] = Field(min_length=1, max_length=7, description="ISO-ukedager: 1 er mandag")
    day_starts: time
    day_ends: time
    slot_minutes: int = Field(ge=5, le=240)
    online: bool = True
    valid_from: IsoDay
    valid_until: IsoDay | None = None


class WeeklyTemplateIn(Strict):
    doctor_id: uuid.UUID | None = None
    weekly: WeeklyIn


class SlotOnlineIn(Strict):
    online: bool = Field(description="true: åpen for bestilling på nett; false: stengt (en bestilt time blir stående).")


class ClosedDayIn(Strict):
    day: IsoDay
    reason: str | None = Field(default=None, max_length=200)


# --- what the routes answer (documented in the OpenAPI; times in Oslo with offset) -------------


class SlotOut(BaseModel):
    id: uuid.UUID
    doctor_id: uuid.UUID
    starts_at: datetime
    ends_at: datetime
    minutes: int
    online: bool


class FreeSlotOut(SlotOut):
    patient_may_cancel_until: datetime = Field(
        description="Siste tidspunkt pasienten kan avbestille på nett hvis timen bestilles (på en virkedag).")


class FreeSlotsOut(BaseModel):
    doctor_id: uuid.UUID
    slots: list[FreeSlotOut]


class AppointmentOut(BaseModel):
    id: uuid.UUID
    doctor_id: uuid.UUID
    starts_at: datetime
    ends_at: datetime
    reason: str | None
    status: Literal["booked", "cancelled"]
    booked_at: datetime
    cancelled_at: datetime | None
    cancelled_by: Literal["patient", "staff"] | None
    patient_may_cancel_until: datetime | None = Field(
        description="Siste tidspunkt pasienten kan avbestille på nett (på en virkedag).")
    patient_cancel_refusal: str | None = Field(default=None, description=(
        "Koden en avbestilling på nett ville blitt avvist med akkurat nå (booking.cancel_not_working_day en "
        "helg, helligdag eller stengt dag; booking.cancel_too_late etter fristen), eller null når det går."))


class AppointmentsOut(BaseModel):
    items: list[AppointmentOut]


class CalendarAppointmentOut(BaseModel):
    id: uuid.UUID
    patient_id: uuid.UUID
    patient_name: str | None
    patient_birth_date: date | None = None
    reason: str | None = Field(default=None, description="Bare for legen; resepsjonen ser den ikke.")
    booked_at: datetime


class CalendarEntryOut(BaseModel):
    slot_id: uuid.UUID
    starts_at: datetime
    ends_at: datetime
    online: bool
    appointment: CalendarAppointmentOut | None


class CalendarOut(BaseModel):
    doctor_id: uuid.UUID
    items: list[CalendarEntryOut]


class TemplateOut(BaseModel):
    kind: Literal["weekly"]
    id: uuid.UUID
    slots_made: int


class ClosedDayOut(BaseModel):
    day: date
    withdrawn_slots: int
    booked_appointments: int = Field(
        description="Timer som fortsatt står den dagen: avbestill dem (pasienten får beskjed).")


async def _ensure_doctor(request: Request, doctor_id: uuid.UUID) -> None:
    """Slots are opened only in one of the clinic's doctors' schedules. identity keeps the staff and answers who
    is a doctor (booking has no register of staff), so reception's made-up or non-doctor id is refused here."""
    try:
        member = await services(request).call("identity", "GET", f"/internal/staff/{doctor_id}")
    except DomainError as exc:
        if exc.status == 404:
            raise UnknownDoctor() from None
        raise
    if member.get("role") != "doctor" or not member.get("active"):
        raise UnknownDoctor()


class ClosedDayListed(BaseModel):
    day: date
    reason: str | None
    booked_appointments: int = Field(
        description="Timer som fortsatt står den dagen: avbestill dem (pasienten får beskjed).")


class ClosedDaysOut(BaseModel):
    closed_days: list[ClosedDayListed]


class ReopenedDayOut(BaseModel):
    day: date
    restored_slots: int = Field(description="Ledige timer som er tilbake den dagen.")


def _doctor_for(principal: Principal, doctor_id: uuid.UUID | None) -> uuid.UUID:
    """A doctor manages their own schedule; reception names the doctor."""
    if principal.role == "doctor":
        if doctor_id not in (None, principal.subject_id):
            raise Forbidden("Du kan bare endre din egen timebok.")
        return principal.subject_id
    if doctor_id is None:
        raise DomainError("Oppgi legen (doctor_id).", code="validation.invalid", status=422,
                          title="Ugyldig forespørsel.")
    return doctor_id


# --- patients ---------------------------------------------------------------------------------


@router.get("/slots", summary="Ledige timer hos fastlegen min", response_model=FreeSlotsOut)
async def free_slots(request: Request, principal: Principal = Depends(patient_appointments),
                     start: Annotated[str | None, Query(alias="from", max_length=40)] = None,
                     end: Annotated[str | None, Query(alias="to", max_length=40)] = None,
                     limit: Annotated[int | None, Query(ge=1, le=2000, description="Bare de første (1: den "
                                                                                 "første ledige).")] = None) -> Any:
    """Each slot with `patient_may_cancel_until`: the deadline for cancelling online if it is booked."""
    params = {"patient_id": str(principal.patient_id)}
    params.update({k: v for k, v in (("from", start), ("to", end)) if v})
    if limit is not None:
        params["limit"] = str(limit)
    # Passed on as booking wrote it (FreeSlotsOut documents it): hundreds of slots, parsed and written again,
    # were the largest share of the gateway's CPU in make profile.
    return await services(request).forward("booking", "GET", "/internal/slots", params=params)


@router.get("/appointments", summary="Timene mine", response_model=AppointmentsOut)
async def my_appointments(request: Request, principal: Principal = Depends(patient_appointments)) -> Any:
    pid = principal.patient_id
    found = await audited(request, principal, pid, OBJECT, None, "read", lambda: services(request).call(
        "booking", "GET", "/internal/appointments", params={"patient_id": str(pid)}))
    return _without_reasons(principal, found)


def _without_reasons(principal: Principal, found: Any) -> Any:
    """A guardian of a child of 12 to 15 sees the times, never the reason (domain-rules: "Acting for a child")."""
    if principal.acting_for is None or principal.acting_for.scope == "everything":
        return found
    if isinstance(found, dict) and isinstance(found.get("items"), list):
        return {**found, "items": [{**a, "reason": None} for a in found["items"]]}
    return {**found, "reason": None} if isinstance(found, dict) else found


@router.post("/appointments", status_code=status.HTTP_201_CREATED, summary="Bestill time",
             response_model=AppointmentOut)
async def book(body: BookIn, request: Request, principal: Principal = Depends(patient_appointments)) -> Any:
    """For oneself, or as a guardian for the child chosen (the child's GP and prerequisites; the SMS go to the
    guardian who booked)."""
    ensure_may_make_requests(principal)
    pid, guardian = principal.patient_id, principal.acting_guardian_id
    payload = {"patient_id": str(pid), "slot_id": str(body.slot_id), "reason": body.reason}
    if guardian is not None:
        payload["booked_by_guardian_id"] = str(guardian)
    appointment = await audited(request, principal, pid, OBJECT, None, "create", lambda: services(request).call(
        "booking", "POST", "/internal/appointments", json=payload))
    return _without_reasons(principal, appointment)


@router.delete("/appointments/{appointment_id}", status_code=status.HTTP_204_NO_CONTENT, summary="Avbestill time")
async def cancel(appointment_id: uuid.UUID, request: Request,
                 principal: Principal = Depends(patient_appointments)) -> Response:
    pid = principal.patient_id
    await audited(request, principal, pid, OBJECT, str(appointment_id), "cancel", lambda: services(request).call(
        "booking", "POST", f"/internal/appointments/{appointment_id}/cancel",
        json={"by": "patient", "patient_id": str(pid)}))
    return Response(status_code=status.HTTP_204_NO_CONTENT)


# --- staff ------------------------------------------------------------------------------------


@router.post("/staff/slots", status_code=status.HTTP_201_CREATED, summary="Åpne timer: én time eller en ukemal",
             response_model=SlotOut | TemplateOut)
async def open_slots(body: SingleSlotIn | WeeklyTemplateIn, request: Request,
                     principal: Principal = Depends(clinic_staff)) -> Any:
    doctor_id = str(_doctor_for(principal, body.doctor_id))
    if principal.role != "doctor":
        await _ensure_doctor(request, uuid.UUID(doctor_id))
    if isinstance(body, SingleSlotIn):
        return await services(request).call("booking", "POST", "/internal/slots", json={
            "doctor_id": doctor_id, "start": body.start.isoformat(), "minutes": body.minutes, "online": body.online})
    made = await services(request).call("booking", "POST", "/internal/templates", json={
        "doctor_id": doctor_id, **body.weekly.model_dump(mode="json")})
    return {"kind": "weekly", **made}


@router.patch("/staff/slots/{slot_id}", summary="Åpne eller stenge en time for bestilling på nett",
              response_model=SlotOut)
async def change_slot(slot_id: uuid.UUID, body: SlotOnlineIn, request: Request,
                      principal: Principal = Depends(clinic_staff)) -> Any:
    """A doctor changes slots in their own schedule only (booking checks the slot's doctor); reception any."""
    payload: dict[str, Any] = {"online": body.online}
    if principal.role == "doctor":
        payload["doctor_id"] = str(principal.subject_id)
    return await services(request).call("booking", "PATCH", f"/internal/slots/{slot_id}", json=payload)


@router.get("/staff/closed-days", summary="Legekontorets stengte dager", response_model=ClosedDaysOut)
async def closed_days(request: Request, principal: Principal = Depends(front_desk),
                      start: Annotated[IsoDay | None, Query(alias="from")] = None,
                      end: Annotated[IsoDay | None, Query(alias="to")] = None) -> Any:
    """The days the clinic has closed, from `from` (today) to `to` (a year on), each with the appointments still
    booked on it: reception cancels those (the patient is told) or reopens the day."""
    params = {k: v.isoformat() for k, v in (("from", start), ("to", end)) if v}
    return await services(request).call("booking", "GET", "/internal/closed-days", params=params)


@router.post("/staff/closed-days", status_code=status.HTTP_201_CREATED, summary="Stengt dag på legekontoret",
             response_model=ClosedDayOut)
async def close_day(body: ClosedDayIn, request: Request, principal: Principal = Depends(front_desk)) -> Any:
    """Close a day for the whole clinic (Christmas Eve, a staff day). From now on it is no working day anywhere:
    the patients' cancel deadlines, and the due dates of renewals and eConsultations, new and open, skip it.
    Its free slots are withdrawn; booked appointments stay for staff to cancel (the patient is told)."""
    return await services(request).call("booking", "POST", "/internal/closed-days", json=body.model_dump(mode="json"))


@router.delete("/staff/closed-days/{day}", summary="Åpne en stengt dag igjen", response_model=ReopenedDayOut)
async def reopen_day(day: IsoDay, request: Request, principal: Principal = Depends(front_desk)) -> Any:
    """Open a closed day again: a working day once more (unless a weekend or public holiday), open requests' due
    dates computed again, and the day's slots back. 404 `not_found` when the day is not closed."""
    return await services(request).call("booking", "DELETE", f"/internal/closed-days/{day.isoformat()}")


@router.get("/staff/appointments", summary="Timeboken (kalender)", response_model=CalendarOut,
            response_model_exclude_unset=True)
async def calendar(request: Request, principal: Principal = Depends(clinic_staff),
                   doctor_id: uuid.UUID | None = None,
                   start: Annotated[str | None, Query(alias="from", max_length=40)] = None,
                   end: Annotated[str | None, Query(alias="to", max_length=40)] = None) -> Any:
    """A doctor sees their own calendar with the reasons; reception any doctor's, without them."""
    doctor = _doctor_for(principal, doctor_id)
    params = {"doctor_id": str(doctor)}
    params.update({k: v for k, v in (("from", start), ("to", end)) if v})
    found = await services(request).call("booking", "GET", "/internal/calendar", params=params)
    for item in found["items"]:
        appointment = item["appointment"]
        if appointment is None:
            continue
        if principal.role != "doctor":
            appointment.pop("reason", None)
        await audit(request, principal, patient_id=uuid.UUID(appointment["patient_id"]), object_type=OBJECT,
                    object_id=appointment["id"], action="read")
    return found


@router.get("/staff/patients/{patient_id}/appointments", summary="En pasients timer (resepsjonen, fastlegen)",
            response_model=AppointmentsOut)
async def patients_appointments(patient_id: uuid.UUID, request: Request,
                                principal: Principal = Depends(clinic_staff)) -> Any:
    """One patient's appointments, newest first, for the patient's page at reception (without the reason)
    or for their own GP (a doctor reads only patients on their own list)."""
    if principal.role == "doctor":
        await readable_patient(request, principal, patient_id)
    found = await audited(request, principal, patient_id, OBJECT, None, "list", lambda: services(request).call(
        "booking", "GET", "/internal/appointments", params={"patient_id": str(patient_id)}))
    if principal.role != "doctor":
        for appointment in found["items"]:
            appointment["reason"] = None
    return found


@router.delete("/staff/appointments/{appointment_id}", status_code=status.HTTP_204_NO_CONTENT,
               summary="Avbestill en time når som helst (pasienten får beskjed)")
async def staff_cancel(appointment_id: uuid.UUID, request: Request,
                       principal: Principal = Depends(clinic_staff)) -> Response:
    client = services(request)
    found = await client.call("booking", "GET", f"/internal/appointments/{appointment_id}")
    if principal.role == "doctor" and found["doctor_id"] != str(principal.subject_id):
        raise Forbidden("Du kan bare avbestille timer i din egen timebok.")
    by: Literal["staff"] = "staff"
    await audited(request, principal, uuid.UUID(found["patient_id"]), OBJECT, str(appointment_id), "cancel",
                  lambda: client.call("booking", "POST", f"/internal/appointments/{appointment_id}/cancel",
                                      json={"by": by}))
    return Response(status_code=status.HTTP_204_NO_CONTENT)
