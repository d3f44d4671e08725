"""econsult's own HTTP API (reached only by the gateway): thin, parse and hand over.

The gateway decides who is asking (the patient from the session, the doctor from the staff session)
and passes that id; econsult checks that it is the patient's own GP and that the GP is open.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any, Literal

from fastapi import APIRouter, Query, Request, status
from pydantic import BaseModel, ConfigDict, Field, StrictBool

from econsult import handlers
from econsult.adapters.econsultations import Availability, EConsultations
from econsult.domain.econsultation import BOOK_ADVICE, EConsultation
from econsult.domain.errors import EConsultationNotFound
from econsult.domain.guidance import guidance
from econsult.domain.renewal_hint import MESSAGE as RENEWAL_MESSAGE
from econsult.domain.renewal_hint import renewal_hint
from econsult.domain.text import normalised, preview
from kit.errors import DomainError
from kit.patient_directory import PatientDirectory
from kit.runtime import ServiceRuntime

router = APIRouter(prefix="/internal")
_MAX_BODY_CHARS = 20_000  # a bound on what is parsed at all; the rules count the real limits


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SubmitIn(_In):
    patient_id: uuid.UUID
    text: str = Field(max_length=_MAX_BODY_CHARS)
    accepted_terms: StrictBool = False
    sent_by_guardian_id: uuid.UUID | None = Field(default=None, description="A guardian sending it for the child.")
    medicine_names: list[str] = Field(default_factory=list, max_length=200,
                                      description="Names on the patient's medicine list, when the caller has them.")


class AnswerIn(_In):
    doctor_id: uuid.UUID
    text: str = Field(max_length=_MAX_BODY_CHARS)


class DeclineIn(_In):
    doctor_id: uuid.UUID
    reason: str = Field(max_length=_MAX_BODY_CHARS)


class AvailabilityIn(_In):
    open: StrictBool


class WithdrawIn(_In):
    patient_id: uuid.UUID


class HintIn(_In):
    text: str = Field(max_length=_MAX_BODY_CHARS)
    medicine_names: list[str] = Field(default_factory=list, max_length=200)


class EConsultationOut(BaseModel):
    id: uuid.UUID
    patient_id: uuid.UUID
    doctor_id: uuid.UUID
    status: Literal["open", "answered", "declined", "withdrawn"]
    text: str
    submitted_at: datetime
    due_date: date
    overdue: bool
    handled_at: datetime | None
    answer: str | None
    declined_reason: str | None
    advice: str | None
    renewal_hint: dict[str, str] | None
    withdrawable: bool  # open and not yet opened by the doctor: the patient may still take it back


def _runtime(request: Request) -> ServiceRuntime:
    runtime: ServiceRuntime = request.app.state.runtime
    return runtime


def _out(c: EConsultation, now: datetime) -> EConsultationOut:
    return EConsultationOut(
        id=c.id, patient_id=c.patient_id, doctor_id=c.doctor_id, status=c.status, text=c.text,
        submitted_at=c.submitted_at, due_date=c.due_date, overdue=c.overdue(now), handled_at=c.handled_at,
        answer=c.reply if c.status == "answered" else None,
        declined_reason=c.reply if c.status == "declined" else None,
        advice=BOOK_ADVICE if c.status == "declined" else None,
        renewal_hint={"code": "econsult.renewal_hint", "message": RENEWAL_MESSAGE} if c.renewal_hint else None,
        withdrawable=c.status == "open" and c.opened_at is None)


@router.get("/guidance")
async def get_guidance(request: Request, patient_id: uuid.UUID) -> dict[str, Any]:
    """What the patient sees before sending, and whether their GP takes eConsultations now."""
    async with _runtime(request).pool.acquire() as conn:
        patient = await PatientDirectory(conn).find(patient_id)
        gp_id = patient.gp_id if patient else None
        gp_open = gp_id is not None and await Availability(conn).is_open(gp_id)
    return {**guidance(), "gp_id": gp_id, "open": gp_open}


@router.get("/availability/{doctor_id}")
async def get_availability(doctor_id: uuid.UUID, request: Request) -> dict[str, Any]:
    async with _runtime(request).pool.acquire() as conn:
        return {"doctor_id": doctor_id, "open": await Availability(conn).is_open(doctor_id)}


@router.put("/availability/{doctor_id}")
async def put_availability(doctor_id: uuid.UUID, body: AvailabilityIn, request: Request) -> dict[str, Any]:
    changed = await handlers.set_availability(_runtime(request), doctor_id=doctor_id, open_=body.open)
    return {"doctor_id": doctor_id, "open": body.open, "changed": changed}


@router.post("/econsultations", status_code=status.HTTP_201_CREATED, response_model=EConsultationOut)
async def submit(body: SubmitIn, request: Request) -> EConsultationOut:
    runtime = _runtime(request)
    consultation, _ = await handlers.submit(runtime, patient_id=body.patient_id, text=body.text,
                                            accepted_terms=body.accepted_terms, medicine_names=body.medicine_names,
                                            sent_by_guardian_id=body.sent_by_guardian_id)
    return _out(consultation, runtime.clock.now())


@router.get("/econsultations")
async def of_patient(request: Request, patient_id: uuid.UUID) -> dict[str, list[EConsultationOut]]:
    runtime = _runtime(request)
    async with runtime.pool.acquire() as conn:
        found = await EConsultations(conn).of_patient(patient_id)
    return {"items": [_out(c, runtime.clock.now()) for c in found]}


@router.get("/econsultations/{econsult_id}", response_model=EConsultationOut)
async def one(econsult_id: uuid.UUID, request: Request, doctor_id: uuid.UUID | None = None,
              patient_id: uuid.UUID | None = None) -> EConsultationOut:
    """One eConsultation, for its patient or its doctor only (the caller says which one it is)."""
    if (doctor_id is None) == (patient_id is None):
        raise DomainError("Oppgi enten doctor_id eller patient_id.", code="validation.invalid", status=422)
    runtime = _runtime(request)
    if doctor_id is not None:
        return _out(await handlers.read_as_doctor(runtime, econsult_id=econsult_id, doctor_id=doctor_id),
                    runtime.clock.now())
    async with runtime.pool.acquire() as conn:
        found = await EConsultations(conn).get(econsult_id)
    if found is None or found.patient_id != patient_id:
        raise EConsultationNotFound()
    return _out(found, runtime.clock.now())


@router.post("/econsultations/{econsult_id}/withdraw", response_model=EConsultationOut)
async def withdraw(econsult_id: uuid.UUID, body: WithdrawIn, request: Request) -> EConsultationOut:
    """The patient withdraws one the doctor has not opened (409 econsult.already_opened otherwise)."""
    runtime = _runtime(request)
    withdrawn = await handlers.withdraw(runtime, econsult_id=econsult_id, patient_id=body.patient_id)
    return _out(withdrawn, runtime.clock.now())


@router.post("/renewal-hint")
async def hint(body: HintIn) -> dict[str, Any]:
    """The renewal hint for a question being written: the rule the sent question is judged by, nothing stored."""
    found = renewal_hint(normalised(body.text), body.medicine_names)
    return {"renewal_hint": found.as_json() if found else None}


@router.post("/econsultations/{econsult_id}/answer", response_model=EConsultationOut)
async def answer(econsult_id: uuid.UUID, body: AnswerIn, request: Request) -> EConsultationOut:
    runtime = _runtime(request)
    answered = await handlers.answer(runtime, econsult_id=econsult_id, doctor_id=body.doctor_id, text=body.text)
    return _out(answered, runtime.clock.now())


@router.post("/econsultations/{econsult_id}/decline", response_model=EConsultationOut)
async def decline(econsult_id: uuid.UUID, body: DeclineIn, request: Request) -> EConsultationOut:
    runtime = _runtime(request)
    declined = await handlers.decline(runtime, econsult_id=econsult_id, doctor_id=body.doctor_id,
                                      reason=body.reason)
    return _out(declined, runtime.clock.now())


@router.get("/inbox")
async def inbox(request: Request, doctor_id: uuid.UUID = Query()) -> dict[str, list[dict[str, Any]]]:
    """The doctor's open eConsultations in the shape agreed with prescription's inbox, each with a one-line
    preview of the question (the doctor's own patients' questions, read on the doctor's own inbox)."""
    runtime = _runtime(request)
    now = runtime.clock.now()
    async with runtime.pool.acquire() as conn:
        found = await EConsultations(conn).open_for_doctor(doctor_id)
    return {"items": [
        {"kind": "econsult", "id": str(c.id), "patient_id": str(c.patient_id),
         "patient_name": patient["patient_name"] or "", "patient_birth_date": patient["patient_birth_date"],
         "channel": "portal", "created_at": c.submitted_at.isoformat(), "due_date": c.due_date.isoformat(),
         "overdue": c.overdue(now), "preview": preview(c.text)}
        for c, patient in found]}
