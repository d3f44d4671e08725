"""eConsultation (api.md): the guidance and price before sending, sending, reading answers; the doctor's
answer, decline and availability.

The question, the answer and the reason for declining are health data. Patients reach only their own
(their id comes from the session); only doctors reach the staff routes, and econsult lets a doctor
act only on eConsultations addressed to them. Reception and billing have no route to the text at all.
Every read or change is audited, refused attempts too.
"""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

from fastapi import APIRouter, Depends, Request, status
from pydantic import Field, StrictBool

from gateway.adapters.services import patient_card
from gateway.auth import patient, staff
from gateway.dependencies import Strict, audit, audited, gateway, services
from gateway.domain.principal import Principal, ensure_may_make_requests
from kit.clock import oslo
from kit.errors import DomainError
from kit.logging import get_logger

log = get_logger(__name__)

router = APIRouter(prefix="/api/v1", tags=["ekonsultasjon"])

doctor = staff("doctor")

OBJECT = "econsultation"
_MAX_BODY_CHARS = 20_000  # parsing bound only; econsult counts the real limits (500 after NFC)


class SendIn(Strict):
    text: str = Field(max_length=_MAX_BODY_CHARS, description="Spørsmålet: 1 til 500 tegn.")
    accepted_terms: StrictBool = Field(
        default=False, description="Pasienten har lest hva som kan og ikke kan spørres om, svartiden og prisen.")


class HintIn(Strict):
    text: str = Field(max_length=_MAX_BODY_CHARS, description="Spørsmålet slik det står nå (lagres ikke).")
    medicine_names: list[str] = Field(
        default_factory=list, max_length=200,
        description="Navnene på medisinene i min medisinliste (fra GET /api/v1/medications), om klienten har dem.")


class AnswerIn(Strict):
    text: str = Field(max_length=_MAX_BODY_CHARS)


class DeclineIn(Strict):
    reason: str = Field(max_length=_MAX_BODY_CHARS, description="Hvorfor spørsmålet bør tas på en vanlig time.")


class AvailabilityIn(Strict):
    open: StrictBool


async def _price(request: Request, patient_id: uuid.UUID) -> Any:
    """What this patient pays if the eConsultation is answered today: billing's own figure."""
    today = oslo(gateway(request).runtime.clock.now()).date()
    return await services(request).call("billing", "GET", "/internal/prices/econsultation",
                                        params={"patient_id": str(patient_id), "on": today.isoformat()})


def _for_patient(item: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in item.items() if k not in ("patient_id",)}


async def _medicine_names(request: Request, patient_id: uuid.UUID) -> list[str]:
    """The names on the patient's medicine list, for the renewal hint (a question naming one of them is a renewal
    in disguise). Not to be had (prescription down): the hint goes by its words alone, and the question is sent."""
    try:
        found = await services(request).call("prescription", "GET", f"/internal/patients/{patient_id}/medications")
    except DomainError as exc:
        log.warning("medicine names unavailable for the renewal hint", code=exc.code)
        return []
    items = found.get("items", []) if isinstance(found, dict) else []
    return [str(m["name"]) for m in items if m.get("name")]


@router.get("/econsultations/guidance")
async def guidance(request: Request, principal: Principal = Depends(patient)) -> Any:
    """What must be read before sending: what may and may not be asked, not for acute matters, the answer
    time (1–5 working days), whether my GP is open, and the price (egenandel + fakturagebyr, or exempt)."""
    pid = principal.patient_id
    found = await services(request).call("econsult", "GET", "/internal/guidance", params={"patient_id": str(pid)})
    return {**found, "price": await _price(request, pid)}


@router.post("/econsultations/renewal-hint")
async def renewal_hint(body: HintIn, request: Request, principal: Principal = Depends(patient)) -> Any:
    """While the patient writes, before anything is sent or billed: whether the question looks like a prescription
    renewal (it mentions resept/fornye or names a medicine on my list), by the same rule the sent question is
    judged by. Answers `{"renewal_hint": {"code": "econsult.renewal_hint", "message"}}` or `{"renewal_hint": null}`.
    Nothing is stored, and no health data is read: the client sends the names it already has."""
    return await services(request).call("econsult", "POST", "/internal/renewal-hint",
                                        json={"text": body.text, "medicine_names": body.medicine_names})


@router.post("/econsultations", status_code=status.HTTP_201_CREATED)
async def send(body: SendIn, request: Request, principal: Principal = Depends(patient)) -> Any:
    """Send a question to my GP (1–500 characters, counted after NFC with invisible format characters such as
    U+200B removed). Answered within 5 working days (`due_date`); billed only when the GP answers. A question that
    looks like a renewal carries `renewal_hint` (renewals are free and have their own form). For oneself, or as a
    guardian for a child under 12 (free: under 16; the SMS go to the guardian who sent it)."""
    ensure_may_make_requests(principal)
    pid, guardian = principal.patient_id, principal.acting_guardian_id
    # The price and the medicine names (billing and prescription) asked at the same time: one wait, not two, before
    # econsult is. The price comes first all the same: if it cannot be shown, nothing is sent that the patient could
    # be billed for unseen (and the names' call is given up).
    names = asyncio.create_task(_medicine_names(request, pid))
    try:
        price = await _price(request, pid)
    except BaseException:
        names.cancel()
        raise
    payload: dict[str, Any] = {"patient_id": str(pid), "text": body.text, "accepted_terms": body.accepted_terms,
                               "medicine_names": await names}
    if guardian is not None:
        payload["sent_by_guardian_id"] = str(guardian)
    created = await audited(request, principal, pid, OBJECT, None, "create", lambda: services(request).call(
        "econsult", "POST", "/internal/econsultations", json=payload))
    return {**_for_patient(created), "price": price}


@router.post("/econsultations/{econsult_id}/withdraw")
async def withdraw(econsult_id: uuid.UUID, request: Request, principal: Principal = Depends(patient)) -> Any:
    """Withdraw my question while the doctor has not opened it (`withdrawable` in the list): it is never answered
    and never billed. Refused with 409 `econsult.already_opened` once the doctor has read it, 409
    `econsult.already_handled` once answered or declined."""
    pid = principal.patient_id
    withdrawn = await audited(request, principal, pid, OBJECT, str(econsult_id), "withdraw",
                              lambda: services(request).call("econsult", "POST",
                                                             f"/internal/econsultations/{econsult_id}/withdraw",
                                                             json={"patient_id": str(pid)}))
    return _for_patient(withdrawn)


@router.get("/econsultations")
async def mine(request: Request, principal: Principal = Depends(patient)) -> Any:
    pid = principal.patient_id
    found = await audited(request, principal, pid, OBJECT, None, "read", lambda: services(request).call(
        "econsult", "GET", "/internal/econsultations", params={"patient_id": str(pid)}))
    return {"items": [_for_patient(item) for item in found["items"]]}


@router.get("/econsultations/{econsult_id}")
async def my_one(econsult_id: uuid.UUID, request: Request, principal: Principal = Depends(patient)) -> Any:
    pid = principal.patient_id
    found = await audited(request, principal, pid, OBJECT, str(econsult_id), "read", lambda: services(request).call(
        "econsult", "GET", f"/internal/econsultations/{econsult_id}", params={"patient_id": str(pid)}))
    return _for_patient(found)


async def _addressed_to(request: Request, principal: Principal, econsult_id: uuid.UUID) -> dict[str, Any]:
    """The eConsultation, if it is addressed to this doctor: the patient's current GP (403 for any other doctor,
    also the GP the patient had when asking; 404 for one withdrawn or unknown). Reading it opens it: the patient
    can no longer withdraw it."""
    found: dict[str, Any] = await services(request).call(
        "econsult", "GET", f"/internal/econsultations/{econsult_id}", params={"doctor_id": str(principal.subject_id)})
    return found


@router.get("/staff/econsultations/{econsult_id}")
async def read_as_doctor(econsult_id: uuid.UUID, request: Request, principal: Principal = Depends(doctor)) -> Any:
    """The question with whose it is (`patient_name`, `patient_birth_date`): the doctor answers a person."""
    found = await _addressed_to(request, principal, econsult_id)
    await audit(request, principal, patient_id=uuid.UUID(found["patient_id"]), object_type=OBJECT,
                object_id=str(econsult_id), action="read")
    return {**found, **await patient_card(services(request), found["patient_id"])}


@router.post("/staff/econsultations/{econsult_id}/answer")
async def answer(econsult_id: uuid.UUID, body: AnswerIn, request: Request,
                 principal: Principal = Depends(doctor)) -> Any:
    found = await _addressed_to(request, principal, econsult_id)
    return await audited(request, principal, uuid.UUID(found["patient_id"]), OBJECT, str(econsult_id), "answer",
                         lambda: services(request).call(
                             "econsult", "POST", f"/internal/econsultations/{econsult_id}/answer",
                             json={"doctor_id": str(principal.subject_id), "text": body.text}))


@router.post("/staff/econsultations/{econsult_id}/decline")
async def decline(econsult_id: uuid.UUID, body: DeclineIn, request: Request,
                  principal: Principal = Depends(doctor)) -> Any:
    found = await _addressed_to(request, principal, econsult_id)
    return await audited(request, principal, uuid.UUID(found["patient_id"]), OBJECT, str(econsult_id), "decline",
                         lambda: services(request).call(
                             "econsult", "POST", f"/internal/econsultations/{econsult_id}/decline",
                             json={"doctor_id": str(principal.subject_id), "reason": body.reason}))


@router.get("/staff/econsult-availability")
async def my_availability(request: Request, principal: Principal = Depends(doctor)) -> Any:
    return await services(request).call("econsult", "GET", f"/internal/availability/{principal.subject_id}")


@router.put("/staff/econsult-availability")
async def set_availability(body: AvailabilityIn, request: Request, principal: Principal = Depends(doctor)) -> Any:
    """Open or close eConsultation for my own list (a doctor's own id, from the session)."""
    changed = await services(request).call("econsult", "PUT", f"/internal/availability/{principal.subject_id}",
                                           json={"open": body.open})
    # Shown at once on this gateway's profile pages; econsult's event tells the other gateways.
    gateway(request).econsult_availability.changed(principal.subject_id, body.open)
    return changed
