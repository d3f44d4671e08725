"""Reception's patient list (api.md: /staff/patients), and the clinic's doctors.

Reception registers patients, corrects their mobile and e-mail and marks the first contact done; a doctor
reads only patients on their own list. National IDs go in request bodies only: a name search may use the
query string, an ID search is a POST.
"""

from __future__ import annotations

import re
import uuid
from typing import Any

from fastapi import APIRouter, Depends, File, Query, Request, Response, UploadFile, status
from pydantic import Field, StrictBool

from gateway.adapters.services import upstream_problem
from gateway.auth import staff
from gateway.dependencies import Strict, audit, audited, services, session_cache
from gateway.domain.principal import Principal
from kit.errors import DomainError
from kit.http import IsoDay, body_limit

router = APIRouter(prefix="/api/v1/staff", tags=["pasientliste"])

reception = staff("reception")
reception_or_doctor = staff("reception", "doctor")
any_staff = staff()
OBJECT = "patient"
MAX_ROSTER_BYTES = 5 * 1024 * 1024  # the whole upload; 10,000 patients are about 1 MB
DIGITS = re.compile(r"\d{6,}")


class PatientIn(Strict):
    national_id: str = Field(max_length=20, description="Fødselsnummer eller D-nummer.")
    name: str = Field(min_length=1, max_length=200)
    birth_date: IsoDay
    mobile: str | None = Field(default=None, max_length=20, description="Norsk mobilnummer (+47, 4xx eller 9xx).")
    email: str | None = Field(default=None, max_length=254)
    gp_id: uuid.UUID = Field(description="Fastlegen: pasienten står på denne legens liste.")
    first_contact_done: StrictBool = False


class PatientChange(Strict):
    name: str | None = Field(default=None, min_length=1, max_length=200)
    mobile: str | None = Field(default=None, max_length=20, description="null fjerner mobilnummeret.")
    email: str | None = Field(default=None, max_length=254, description="null fjerner e-postadressen.")
    gp_id: uuid.UUID | None = Field(default=None, description=(
        "Ny fastlege: åpne reseptforespørsler og eKonsultasjoner følger med, og første kontakt må tas på telefon "
        "igjen."))
    first_contact_done: StrictBool | None = None


class SearchIn(Strict):
    query: str = Field(min_length=1, max_length=100, description="Navn (del av) eller hele fødselsnummeret.")
    gp_id: uuid.UUID | None = None


def _own_list(principal: Principal, gp_id: uuid.UUID | None) -> uuid.UUID | None:
    """A doctor searches only their own list; reception the whole clinic's."""
    return principal.subject_id if principal.role == "doctor" else gp_id


@router.get("/doctors")
async def doctors(request: Request, principal: Principal = Depends(any_staff)) -> Any:
    """The clinic's GPs (for reception's forms and the calendar)."""
    return await services(request).call("identity", "GET", "/internal/staff/doctors")


async def _search(request: Request, principal: Principal, query: str | None, gp_id: uuid.UUID | None,
                  limit: int) -> Any:
    own = _own_list(principal, gp_id)
    # In the body, also internally: a national ID must not land in any access log.
    return await services(request).call("identity", "POST", "/internal/patients/search", json={
        "query": query, "gp_id": str(own) if own else None, "limit": limit})


@router.get("/patients")
async def find_patients(request: Request, principal: Principal = Depends(reception_or_doctor),
                        query: str | None = Query(default=None, max_length=100, description="Navn (del av)."),
                        gp_id: uuid.UUID | None = None, limit: int = Query(default=50, ge=1, le=200)) -> Any:
    """Find patients by name. A national ID does not belong in a URL: search for one with POST .../search."""
    if query and DIGITS.search(query):
        raise DomainError("Søk på fødselsnummer med POST /api/v1/staff/patients/search.",
                          code="validation.national_id_in_url", status=422,
                          title="Fødselsnummer hører ikke hjemme i en URL.")
    return await _search(request, principal, query, gp_id, limit)


@router.post("/patients/search")
async def search_patients(body: SearchIn, request: Request,
                          principal: Principal = Depends(reception_or_doctor)) -> Any:
    return await _search(request, principal, body.query, body.gp_id, 50)


@router.post("/patients", status_code=status.HTTP_201_CREATED)
async def register_patient(body: PatientIn, request: Request, principal: Principal = Depends(reception)) -> Any:
    """Register a patient on a GP's list. Until the first contact by phone is marked done, the portal tells
    the patient to phone the clinic."""
    created = await services(request).call("identity", "POST", "/internal/patients",
                                           json={**body.model_dump(mode="json"), "check_gp": True})
    await audit(request, principal, patient_id=uuid.UUID(created["id"]), object_type=OBJECT,
                object_id=created["id"], action="create")
    return created


async def readable_patient(request: Request, principal: Principal, patient_id: uuid.UUID) -> dict[str, Any]:
    found: dict[str, Any] = await services(request).call("identity", "GET", f"/internal/patients/{patient_id}")
    if principal.role == "doctor" and found.get("gp_id") != str(principal.subject_id):
        await audit(request, principal, patient_id=patient_id, object_type=OBJECT, object_id=str(patient_id),
                    action="read", outcome="refused:forbidden")
        raise DomainError(code="forbidden", status=403, title="Pasienten står ikke på din liste.")
    return found


@router.get("/patients/{patient_id}")
async def read_patient(patient_id: uuid.UUID, request: Request,
                       principal: Principal = Depends(reception_or_doctor)) -> Any:
    found = await readable_patient(request, principal, patient_id)
    await audit(request, principal, patient_id=patient_id, object_type=OBJECT, object_id=str(patient_id),
                action="read")
    return found


@router.patch("/patients/{patient_id}")
async def change_patient(patient_id: uuid.UUID, body: PatientChange, request: Request,
                         principal: Principal = Depends(reception)) -> Any:
    """Mobile, e-mail, first contact done (and name or GP). The other services hear of it by PatientUpdated.

    A new GP (`gp_id`) moves the patient's open renewals and eConsultations to that GP (only the current GP may
    read, decide, answer or decline them), makes the first contact due again (the portal refuses new requests
    with `access.first_contact_by_phone` until `first_contact_done` is set, in this request or a later one),
    leaves booked appointments as they are, and tells the patient by SMS/e-mail (PatientGpChanged)."""
    changes = body.model_dump(mode="json", exclude_unset=True)
    try:
        changed = await services(request).call("identity", "PATCH", f"/internal/patients/{patient_id}", json=changes)
    except DomainError as exc:
        await audit(request, principal, patient_id=patient_id, object_type=OBJECT, object_id=str(patient_id),
                    action="update", outcome=f"refused:{exc.code}")
        raise
    session_cache(request).forget_subject(patient_id)  # e.g. the first contact done: the portal opens at once
    await audit(request, principal, patient_id=patient_id, object_type=OBJECT, object_id=str(patient_id),
                action="update:" + ",".join(sorted(changes)))
    return changed


class GuardianIn(Strict):
    national_id: str = Field(max_length=20, description="Forelderens fødselsnummer eller D-nummer.")
    name: str = Field(min_length=1, max_length=200)
    mobile: str = Field(max_length=20, description="Norsk mobilnummer (+47, 4xx eller 9xx): innloggingskoden går hit.")


@router.get("/patients/{patient_id}/guardians")
async def guardians_of(patient_id: uuid.UUID, request: Request, principal: Principal = Depends(reception)) -> Any:
    """The child's registered guardians: name and mobile, never the national ID (reception has the registry's
    printout for that). A read of the child's data, so it is audited as one."""
    found = await audited(request, principal, patient_id, "guardian", None, "read",
                          lambda: services(request).call("identity", "GET",
                                                         f"/internal/patients/{patient_id}/guardians"))
    # Named field by field: whatever identity adds to its answer later, no national ID leaves through here.
    return {"guardians": [{"id": g["id"], "name": g["name"], "mobile": g["mobile"]} for g in found["guardians"]]}


@router.post("/patients/{patient_id}/guardians", status_code=status.HTTP_201_CREATED)
async def register_guardian(patient_id: uuid.UUID, body: GuardianIn, request: Request,
                            principal: Principal = Depends(reception)) -> Any:
    """Register a guardian (foreldreansvar) of a child patient, from the national registry's printout. The
    guardian may then log in (our patient or not) and act for the child by the child's age."""
    registered = await audited(request, principal, patient_id, "guardian", None, "create",
                               lambda: services(request).call("identity", "POST",
                                                              f"/internal/patients/{patient_id}/guardians",
                                                              json=body.model_dump()))
    return registered


@router.delete("/patients/{patient_id}/guardians/{guardian_id}", status_code=status.HTTP_204_NO_CONTENT,
               response_class=Response)
async def remove_guardian(patient_id: uuid.UUID, guardian_id: uuid.UUID, request: Request,
                          principal: Principal = Depends(reception)) -> Response:
    """The guardian's access to the child ends at once (their sessions check it on every request)."""
    await audited(request, principal, patient_id, "guardian", str(guardian_id), "delete",
                  lambda: services(request).call("identity", "DELETE",
                                                 f"/internal/patients/{patient_id}/guardians/{guardian_id}"))
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/patients/import", openapi_extra=body_limit(MAX_ROSTER_BYTES))
async def import_patients(request: Request, file: UploadFile = File(description="CSV fra journalsystemet."),
                          principal: Principal = Depends(reception)) -> Any:
    """The clinic's list from its records system (CSV, the upload at most 5 MB: `x-max-body-bytes`; larger is
    413 `validation.too_large`): every valid new patient registered, every refused line reported with its code
    (bad ID, bad mobile, unknown GP), never with its national ID. A file that is not the list (no header with
    the columns, not CSV) is refused whole: 422 `validation.columns` or `validation.csv`."""
    raw = await file.read()
    response = await services(request).request("identity", "POST", "/internal/patients/import", content=raw,
                                               headers={"Content-Type": "text/csv"})
    if response.status_code >= 400:
        raise upstream_problem(response)
    return response.json()
