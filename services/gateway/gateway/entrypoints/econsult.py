"""eConsultation (api.md): the guidance and price before sending, sending, reading answers; the doctor's
answer, decline and availability.

The question, the answer and the reason for declining are health data. Patients reach only their own
(their id comes from the session); only doctors reach the staff routes, and econsult lets a doctor
act only on eConsultations addressed to them. Reception and billing have no route to the text at all.
Every read or change is audited, refused attempts too.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import APIRouter, Depends, Request, status
from pydantic import BaseModel, ConfigDict, Field, StrictBool

from gateway.adapters.services import Services, patient_card
from gateway.auth import Principal, audit, ensure_may_make_requests, patient, staff
from kit.clock import oslo
from kit.errors import DomainError

router = APIRouter(prefix="/api/v1", tags=["ekonsultasjon"])

doctor = staff("doctor")

OBJECT = "econsultation"
_MAX_BODY_CHARS = 20_000  # parsing bound only; econsult counts the real limits (500 after NFC)


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SendIn(Strict):
    text: str = Field(max_length=_MAX_BODY_CHARS, description="Spørsmålet: 1 til 500 tegn.")
    accepted_terms: StrictBool = Field(
        default=False, description="Pasienten har lest hva som kan og ikke kan spørres om, svartiden og prisen.")


class AnswerIn(Strict):
    text: str = Field(max_length=_MAX_BODY_CHARS)


class DeclineIn(Strict):
    reason: str = Field(max_length=_MAX_BODY_CHARS, description="Hvorfor spørsmålet bør tas på en vanlig time.")


class AvailabilityIn(Strict):
    open: StrictBool


def _services(request: Request) -> Services:
    services: Services = request.app.state.runtime.state["services"]
    return services


async def _audited(request: Request, principal: Principal, patient_id: uuid.UUID, object_id: str | None,
                   action: str, call: Callable[[], Awaitable[Any]]) -> Any:
    """Run `call` and record it, refused or not."""
    try:
        result = await call()
    except DomainError as exc:
        await audit(request, principal, patient_id=patient_id, object_type=OBJECT, object_id=object_id,
                    action=action, outcome=f"refused:{exc.code}")
        raise
    if object_id is None and isinstance(result, dict) and "id" in result:
        object_id = str(result["id"])
    await audit(request, principal, patient_id=patient_id, object_type=OBJECT, object_id=object_id, action=action)
    return result


async def _price(request: Request, patient_id: uuid.UUID) -> Any:
    """What this patient pays if the eConsultation is answered today: billing's own figure."""
    today = oslo(request.app.state.runtime.clock.now()).date()
    return await _services(request).call("billing", "GET", "/internal/prices/econsultation",
                                         params={"patient_id": str(patient_id), "on": today.isoformat()})


def _for_patient(item: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in item.items() if k not in ("patient_id",)}


@router.get("/econsultations/guidance")
async def guidance(request: Request, principal: Principal = Depends(patient)) -> Any:
    """What must be read before sending: what may and may not be asked, not for acute matters, the answer
    time (1–5 working days), whether my GP is open, and the price (egenandel + fakturagebyr, or exempt)."""
    pid = principal.patient_id
    found = await _services(request).call("econsult", "GET", "/internal/guidance", params={"patient_id": str(pid)})
    return {**found, "price": await _price(request, pid)}


@router.post("/econsultations", status_code=status.HTTP_201_CREATED)
async def send(body: SendIn, request: Request, principal: Principal = Depends(patient)) -> Any:
    ensure_may_make_requests(principal)
    pid = principal.patient_id
    # The price first: if it cannot be shown, nothing is sent that the patient could be billed for unseen.
    price = await _price(request, pid)
    created = await _audited(request, principal, pid, None, "create", lambda: _services(request).call(
        "econsult", "POST", "/internal/econsultations",
        json={"patient_id": str(pid), "text": body.text, "accepted_terms": body.accepted_terms}))
    return {**_for_patient(created), "price": price}


@router.get("/econsultations")
async def mine(request: Request, principal: Principal = Depends(patient)) -> Any:
    pid = principal.patient_id
    found = await _audited(request, principal, pid, None, "read", lambda: _services(request).call(
        "econsult", "GET", "/internal/econsultations", params={"patient_id": str(pid)}))
    return {"items": [_for_patient(item) for item in found["items"]]}


@router.get("/econsultations/{econsult_id}")
async def my_one(econsult_id: uuid.UUID, request: Request, principal: Principal = Depends(patient)) -> Any:
    pid = principal.patient_id
    found = await _audited(request, principal, pid, str(econsult_id), "read", lambda: _services(request).call(
        "econsult", "GET", f"/internal/econsultations/{econsult_id}", params={"patient_id": str(pid)}))
    return _for_patient(found)


async def _addressed_to(request: Request, principal: Principal, econsult_id: uuid.UUID) -> dict[str, Any]:
    """The eConsultation, if it is addressed to this doctor (403/404 from econsult otherwise)."""
    found: dict[str, Any] = await _services(request).call(
        "econsult", "GET", f"/internal/econsultations/{econsult_id}", params={"doctor_id": str(principal.subject_id)})
    return found


@router.get("/staff/econsultations/{econsult_id}")
async def read_as_doctor(econsult_id: uuid.UUID, request: Request, principal: Principal = Depends(doctor)) -> Any:
    """The question with whose it is (`patient_name`, `patient_birth_date`): the doctor answers a person."""
    found = await _addressed_to(request, principal, econsult_id)
    await audit(request, principal, patient_id=uuid.UUID(found["patient_id"]), object_type=OBJECT,
                object_id=str(econsult_id), action="read")
    return {**found, **await patient_card(_services(request), found["patient_id"])}


@router.post("/staff/econsultations/{econsult_id}/answer")
async def answer(econsult_id: uuid.UUID, body: AnswerIn, request: Request,
                 principal: Principal = Depends(doctor)) -> Any:
    found = await _addressed_to(request, principal, econsult_id)
    return await _audited(request, principal, uuid.UUID(found["patient_id"]), str(econsult_id), "answer",
                          lambda: _services(request).call(
                              "econsult", "POST", f"/internal/econsultations/{econsult_id}/answer",
                              json={"doctor_id": str(principal.subject_id), "text": body.text}))


@router.post("/staff/econsultations/{econsult_id}/decline")
async def decline(econsult_id: uuid.UUID, body: DeclineIn, request: Request,
                  principal: Principal = Depends(doctor)) -> Any:
    found = await _addressed_to(request, principal, econsult_id)
    return await _audited(request, principal, uuid.UUID(found["patient_id"]), str(econsult_id), "decline",
                          lambda: _services(request).call(
                              "econsult", "POST", f"/internal/econsultations/{econsult_id}/decline",
                              json={"doctor_id": str(principal.subject_id), "reason": body.reason}))


@router.get("/staff/econsult-availability")
async def my_availability(request: Request, principal: Principal = Depends(doctor)) -> Any:
    return await _services(request).call("econsult", "GET", f"/internal/availability/{principal.subject_id}")


@router.put("/staff/econsult-availability")
async def set_availability(body: AvailabilityIn, request: Request, principal: Principal = Depends(doctor)) -> Any:
    """Open or close eConsultation for my own list (a doctor's own id, from the session)."""
    return await _services(request).call("econsult", "PUT", f"/internal/availability/{principal.subject_id}",
                                         json={"open": body.open})
