"""Prescription renewal (api.md): my medicines and whether each can be renewed, asking for renewals, and
the clinic's side: the doctor's decision, reception's phone requests, the medicine lists.

Medicines and renewals are health data. A patient reaches only their own (the id comes from the session);
a doctor only patients on their own list (prescription checks it against the directory); reception
registers phone requests and sees the list it needs for that. Every read or change is audited, refused
attempts too. Renewals are free: nothing here asks billing for a price.
"""

from __future__ import annotations

import uuid
from typing import Any, Literal

from fastapi import APIRouter, Depends, Request, status
from pydantic import Field, StrictBool

from gateway.adapters.services import patient_card
from gateway.auth import patient, staff
from gateway.dependencies import Strict, audit, audited, services
from gateway.domain.principal import ChildConfidential, Principal, ensure_may_make_requests
from kit.errors import DomainError

router = APIRouter(prefix="/api/v1", tags=["resept"])

doctor = staff("doctor")
reception = staff("reception")
doctor_or_reception = staff("doctor", "reception")

ATC_PATTERN = r"^[A-Z][0-9]{2}[A-Z]{2}[0-9]{2}$"


class RenewIn(Strict):
    medication_ids: list[uuid.UUID] = Field(max_length=50, description="1 til 3 ulike faste medisiner fra listen min.")
    message: str | None = Field(default=None, max_length=1000, description="Til legen (valgfritt).")


class PhoneRenewIn(RenewIn):
    patient_id: uuid.UUID
    guardian_id: uuid.UUID | None = Field(default=None, description=(
        "Foresatt som ringte for barnet (barn under 12 år): SMS-ene om fornyelsen går til denne foresatte, ikke "
        "til barnet. Utelatt: pasienten ringte selv."))


class DecisionItem(Strict):
    medication_id: uuid.UUID
    approve: StrictBool
    reason: str | None = Field(default=None, max_length=1000, description="Påkrevd ved avslag; pasienten ser den.")


class DecisionIn(Strict):
    items: list[DecisionItem] = Field(max_length=50)


class MedicationIn(Strict):
    name: str = Field(min_length=1, max_length=200)
    strength: str = Field(default="", max_length=100)
    atc_code: str = Field(pattern=ATC_PATTERN, description="ATC-kode på virkestoffnivå, f.eks. A10BA02.")
    reseptgruppe: Literal["A", "B", "C"]
    fixed: StrictBool = Field(description="Fast medisin.")
    prescribed_by: Literal["here", "hospital", "other_clinic"]


class MedicationChange(Strict):
    name: str | None = Field(default=None, min_length=1, max_length=200)
    strength: str | None = Field(default=None, max_length=100)
    atc_code: str | None = Field(default=None, pattern=ATC_PATTERN)
    reseptgruppe: Literal["A", "B", "C"] | None = None
    fixed: StrictBool | None = None
    prescribed_by: Literal["here", "hospital", "other_clinic"] | None = None


class AgreementIn(Strict):
    active: StrictBool = Field(default=True, description="false trekker avtalen tilbake.")


def _for_patient(item: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in item.items() if k not in ("patient_id", "doctor_id", "patient_name")}


def _for_reception(item: dict[str, Any]) -> dict[str, Any]:
    """Reception reads no clinical text: not the doctor's reasons."""
    return {**item, "items": [{k: v for k, v in i.items() if k != "reason"} for i in item.get("items", [])]}


# --- the patient ------------------------------------------------------------------------------------


@router.get("/medications")
async def my_medications(request: Request, principal: Principal = Depends(patient)) -> Any:
    """My medicine list, each with `renewable` and, when false, the `renewal.*` code (and a sentence) why."""
    pid = principal.patient_id
    found = await audited(request, principal, pid, "medication_list", None, "read", lambda: services(request).call(
        "prescription", "GET", f"/internal/patients/{pid}/medications"))
    return {"items": [_for_patient(m) for m in found["items"]]}


@router.post("/renewals", status_code=status.HTTP_201_CREATED)
async def renew(body: RenewIn, request: Request, principal: Principal = Depends(patient)) -> Any:
    """Ask my GP to renew 1 to 3 fixed medicines: free of charge, handled within 5 working days. For oneself, or
    as a guardian for a child under 12 (the SMS go to the guardian who asked)."""
    ensure_may_make_requests(principal)
    pid, guardian = principal.patient_id, principal.acting_guardian_id
    payload: dict[str, Any] = {"patient_id": str(pid), "medication_ids": [str(m) for m in body.medication_ids],
                               "message": body.message, "channel": "portal"}
    if guardian is not None:
        payload["requested_by_guardian_id"] = str(guardian)
    created = await audited(request, principal, pid, "renewal", None, "create", lambda: services(request).call(
        "prescription", "POST", "/internal/renewals", json=payload))
    return _for_patient(created)


@router.get("/renewals")
async def my_renewals(request: Request, principal: Principal = Depends(patient)) -> Any:
    """My renewal requests: per medicine approved (and whether it is at the pharmacy yet) or rejected with
    the doctor's reason."""
    pid = principal.patient_id
    found = await audited(request, principal, pid, "renewal", None, "read", lambda: services(request).call(
        "prescription", "GET", "/internal/renewals", params={"patient_id": str(pid)}))
    return {"items": [_for_patient(r) for r in found["items"]]}


# --- the clinic -------------------------------------------------------------------------------------


async def _doctors_renewal(request: Request, principal: Principal, renewal_id: uuid.UUID) -> dict[str, Any]:
    """The request, if its patient is on this doctor's list (403/404 from prescription otherwise)."""
    found: dict[str, Any] = await services(request).call(
        "prescription", "GET", f"/internal/renewals/{renewal_id}", params={"doctor_id": str(principal.subject_id)})
    return found


@router.get("/staff/renewals/{renewal_id}")
async def read_renewal(renewal_id: uuid.UUID, request: Request, principal: Principal = Depends(doctor)) -> Any:
    """The request with whose it is (`patient_name`, `patient_birth_date`)."""
    found = await _doctors_renewal(request, principal, renewal_id)
    await audit(request, principal, patient_id=uuid.UUID(found["patient_id"]), object_type="renewal",
                object_id=str(renewal_id), action="read")
    return {**found, **await patient_card(services(request), found["patient_id"])}


@router.post("/staff/renewals/{renewal_id}/decision")
async def decide(renewal_id: uuid.UUID, body: DecisionIn, request: Request,
                 principal: Principal = Depends(doctor)) -> Any:
    """Approve or reject each medicine. An approval sends the e-prescription to the pharmacies; the patient
    is told when it is there. A rejection needs a reason, which the patient reads in the portal."""
    found = await _doctors_renewal(request, principal, renewal_id)
    return await audited(request, principal, uuid.UUID(found["patient_id"]), "renewal", str(renewal_id), "decide",
                         lambda: services(request).call(
                             "prescription", "POST", f"/internal/renewals/{renewal_id}/decision",
                             json={"doctor_id": str(principal.subject_id),
                                   "items": [i.model_dump(mode="json") for i in body.items]}))


@router.post("/staff/renewals", status_code=status.HTTP_201_CREATED)
async def renew_by_phone(body: PhoneRenewIn, request: Request, principal: Principal = Depends(reception)) -> Any:
    """Reception registers a renewal the patient asked for by phone (channel `phone`): the same rules, and
    it queues behind the portal's requests."""
    payload: dict[str, Any] = {"patient_id": str(body.patient_id),
                               "medication_ids": [str(m) for m in body.medication_ids],
                               "message": body.message, "channel": "phone", "registered_by": str(principal.subject_id)}
    if body.guardian_id is not None:
        payload["requested_by_guardian_id"] = str(body.guardian_id)

    async def register() -> Any:
        if body.guardian_id is not None:
            await _guardian_may_renew_for(request, body.patient_id, body.guardian_id)
        return await services(request).call("prescription", "POST", "/internal/renewals", json=payload)
    created = await audited(request, principal, body.patient_id, "renewal", None, "create", register)
    return _for_reception(created)


async def _guardian_may_renew_for(request: Request, child_id: uuid.UUID, guardian_id: uuid.UUID) -> None:
    """A guardian calling for a child renews by phone only as far as in the portal (domain-rules, "Acting for a
    child"): one of the child's registered guardians (403 proxy.not_guardian), for a child under 12 (403
    proxy.child_confidential from 12: renewals are the child's own; proxy.child_of_age from 16)."""
    theirs = await services(request).call("identity", "GET", f"/internal/patients/{child_id}/guardians")
    if str(guardian_id) not in {g["id"] for g in theirs["guardians"]}:
        raise DomainError(code="proxy.not_guardian", status=403,
                          title="Personen er ikke registrert som foresatt for denne pasienten.")
    children = await services(request).call("identity", "GET", f"/internal/guardians/{guardian_id}/children")
    child = next((c for c in children["children"] if c["id"] == str(child_id)), None)
    if child is None:
        raise DomainError(code="proxy.child_of_age", status=403,
                          title="Pasienten er over 16 år og må selv be om fornyelse.")
    if child["scope"] != "everything":
        raise ChildConfidential()


@router.get("/staff/patients/{patient_id}/medications")
async def patients_medications(patient_id: uuid.UUID, request: Request,
                               principal: Principal = Depends(doctor_or_reception)) -> Any:
    """A patient's list: for their own GP, or for reception taking a renewal by phone."""
    params = {"doctor_id": str(principal.subject_id)} if principal.role == "doctor" else {}
    return await audited(request, principal, patient_id, "medication_list", None, "read",
                         lambda: services(request).call(
                             "prescription", "GET", f"/internal/patients/{patient_id}/medications", params=params))


@router.post("/staff/patients/{patient_id}/medications", status_code=status.HTTP_201_CREATED)
async def add_medication(patient_id: uuid.UUID, body: MedicationIn, request: Request,
                         principal: Principal = Depends(doctor)) -> Any:
    return await audited(request, principal, patient_id, "medication", None, "create",
                         lambda: services(request).call(
                             "prescription", "POST", f"/internal/patients/{patient_id}/medications",
                             json={"doctor_id": str(principal.subject_id), **body.model_dump()}))


@router.patch("/staff/patients/{patient_id}/medications/{medication_id}")
async def change_medication(patient_id: uuid.UUID, medication_id: uuid.UUID, body: MedicationChange,
                            request: Request, principal: Principal = Depends(doctor)) -> Any:
    return await audited(request, principal, patient_id, "medication", str(medication_id), "update",
                         lambda: services(request).call(
                             "prescription", "PATCH", f"/internal/patients/{patient_id}/medications/{medication_id}",
                             json={"doctor_id": str(principal.subject_id), **body.model_dump(exclude_none=True)}))


@router.put("/staff/patients/{patient_id}/b-agreements/{medication_id}")
async def b_agreement(patient_id: uuid.UUID, medication_id: uuid.UUID, request: Request,
                      body: AgreementIn | None = None, principal: Principal = Depends(doctor)) -> Any:
    """A standing agreement for a group B medicine: only then may the patient renew it in the portal."""
    active = body.active if body is not None else True
    return await audited(request, principal, patient_id, "medication", str(medication_id),
                         "agree" if active else "withdraw_agreement", lambda: services(request).call(
                             "prescription", "PUT", f"/internal/patients/{patient_id}/b-agreements/{medication_id}",
                             json={"doctor_id": str(principal.subject_id), "active": active}))
