"""What booking's own HTTP API accepts and answers. Times leave in Oslo time with offset."""

from __future__ import annotations

import unicodedata
import uuid
from datetime import date, datetime, time
from typing import Annotated, Literal

from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, Field

from booking.domain.appointments import Appointment, Slot, cancel_deadline, patient_cancel_refusal
from booking.domain.clinic import ClinicCalendar
from kit.clock import oslo
from kit.http import IsoDay


def _reason(value: str | None) -> str | None:
    """Trimmed and NFC-normalised; an empty reason is no reason."""
    if value is None:
        return None
    value = unicodedata.normalize("NFC", value).strip()
    if len(value) > 500:
        raise ValueError("at most 500 characters")
    return value or None


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class BookIn(Strict):
    patient_id: uuid.UUID
    slot_id: uuid.UUID
    booked_by_guardian_id: uuid.UUID | None = Field(default=None, description="A guardian booking for the child.")
    reason: Annotated[str | None, AfterValidator(_reason)] = Field(default=None, max_length=2000)


class CancelIn(Strict):
    by: Literal["patient", "staff"]
    patient_id: uuid.UUID | None = None


class SingleSlotIn(Strict):
    doctor_id: uuid.UUID
    start: AwareDatetime
    minutes: int = Field(ge=5, le=240)
    online: bool = True


class SlotOnlineIn(Strict):
    online: bool
    doctor_id: uuid.UUID | None = Field(default=None, description="The caller is this doctor: only their own slots.")


class TemplateIn(Strict):
    doctor_id: uuid.UUID
    weekdays: list[int] = Field(min_length=1, max_length=7, description="ISO weekdays: 1 is Monday")
    day_starts: time
    day_ends: time
    slot_minutes: int = Field(ge=5, le=240)
    online: bool = True
    valid_from: date
    valid_until: date | None = None


class ClosedDayIn(Strict):
    day: IsoDay
    reason: str | None = Field(default=None, max_length=200)


class SlotOut(BaseModel):
    id: uuid.UUID
    doctor_id: uuid.UUID
    starts_at: datetime
    ends_at: datetime
    minutes: int
    online: bool

    @classmethod
    def of(cls, s: Slot) -> SlotOut:
        return cls(id=s.id, doctor_id=s.doctor_id, starts_at=oslo(s.starts_at), ends_at=oslo(s.ends_at),
                   minutes=int((s.ends_at - s.starts_at).total_seconds() // 60), online=s.online)


class FreeSlotOut(SlotOut):
    patient_may_cancel_until: datetime = Field(
        description="The last moment the patient could cancel online if they booked it (on a working day).")

    @classmethod
    def of_free(cls, s: Slot, clinic: ClinicCalendar) -> FreeSlotOut:
        return cls(**SlotOut.of(s).model_dump(),
                   patient_may_cancel_until=oslo(cancel_deadline(s.starts_at, clinic.is_working_day)))


class FreeSlotsOut(BaseModel):
    """The slot search's answer (each slot's JSON made by PostgreSQL, the deadline added by booking:
    adapters/schedules.free_slots_json)."""
    doctor_id: uuid.UUID
    slots: list[FreeSlotOut]


class AppointmentOut(BaseModel):
    id: uuid.UUID
    slot_id: uuid.UUID
    patient_id: uuid.UUID
    doctor_id: uuid.UUID
    starts_at: datetime
    ends_at: datetime
    reason: str | None
    status: Literal["booked", "cancelled"]
    booked_at: datetime
    cancelled_at: datetime | None
    cancelled_by: Literal["patient", "staff"] | None
    patient_may_cancel_until: datetime | None = Field(
        description="The last moment the patient may cancel online (on a working day); none once cancelled.")
    patient_cancel_refusal: str | None = Field(default=None, description=(
        "The code a patient's online cancel would be refused with right now (booking.cancel_not_working_day on a "
        "weekend, public holiday or closed day; booking.cancel_too_late past the deadline), or none if allowed."))

    @classmethod
    def of(cls, a: Appointment, clinic: ClinicCalendar, now: datetime | None = None) -> AppointmentOut:
        """`now` given: say whether the patient could cancel online at that moment (the lists patients read)."""
        return cls(id=a.id, slot_id=a.slot_id, patient_id=a.patient_id, doctor_id=a.doctor_id,
                   starts_at=oslo(a.starts_at), ends_at=oslo(a.ends_at), reason=a.reason,
                   status="cancelled" if a.cancelled else "booked", booked_at=oslo(a.booked_at),
                   cancelled_at=oslo(a.cancelled_at) if a.cancelled_at else None, cancelled_by=a.cancelled_by,
                   patient_may_cancel_until=None if a.cancelled else oslo(
                       cancel_deadline(a.starts_at, clinic.is_working_day)),
                   patient_cancel_refusal=None if now is None else patient_cancel_refusal(a, now, clinic))
