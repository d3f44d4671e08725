"""prescription's own HTTP API (reached only by the gateway): thin, parse and hand over.

The gateway decides who is asking and passes that id: a patient's id from the session, a doctor's id
(prescription checks the patient is on that doctor's list), or reception's staff id for a phone request.
"""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, Query, Request, status

from kit.db import transaction
from kit.errors import DomainError
from kit.patient_directory import PatientDirectory
from kit.runtime import ServiceRuntime
from prescription import handlers
from prescription.adapters.dispatches import Dispatches
from prescription.adapters.medicine_lists import MedicineLists
from prescription.adapters.records_csv import parse_export
from prescription.adapters.renewals import Renewals
from prescription.domain.errors import RenewalNotFound
from prescription.domain.medicines import Medication
from prescription.domain.renewal import RenewalRequest
from prescription.entrypoints.schemas import (
    AgreementIn,
    DecisionIn,
    MedicationChange,
    MedicationIn,
    MedicationOut,
    RenewalIn,
    RenewalOut,
)

router = APIRouter(prefix="/internal")
_MAX_IMPORT_BYTES = 20 * 1024 * 1024


def _runtime(request: Request) -> ServiceRuntime:
    runtime: ServiceRuntime = request.app.state.runtime
    return runtime


async def _out(runtime: ServiceRuntime, requests: list[RenewalRequest],
               names: dict[uuid.UUID, str | None] | None = None) -> list[RenewalOut]:
    async with runtime.pool.acquire() as conn:
        sent = await Dispatches(conn).sent_at_of([r.id for r in requests])
    now = runtime.clock.now()
    return [RenewalOut.of(r, now, sent, (names or {}).get(r.id)) for r in requests]


@router.get("/patients/{patient_id}/medications")
async def medicine_list(patient_id: uuid.UUID, request: Request,
                        doctor_id: uuid.UUID | None = None) -> dict[str, list[MedicationOut]]:
    """The patient's list, each medicine with whether the portal may renew it and, if not, the rule why.
    With `doctor_id`, only for a patient on that doctor's list."""
    async with _runtime(request).pool.acquire() as conn:
        if doctor_id is not None:
            await handlers.ensure_own_patient(PatientDirectory(conn), patient_id, doctor_id)
        found = await MedicineLists(conn).of_patient(patient_id)
    return {"items": [MedicationOut.of(m) for m in found]}


@router.post("/patients/{patient_id}/medications", status_code=status.HTTP_201_CREATED)
async def add_medication(patient_id: uuid.UUID, body: MedicationIn, request: Request) -> MedicationOut:
    runtime = _runtime(request)
    medicine = Medication(id=uuid.uuid4(), patient_id=patient_id, added_at=runtime.clock.now(),
                          **body.model_dump(exclude={"doctor_id"}))
    return MedicationOut.of(await handlers.add_medication(runtime, medicine, body.doctor_id))


@router.patch("/patients/{patient_id}/medications/{medication_id}")
async def change_medication(patient_id: uuid.UUID, medication_id: uuid.UUID, body: MedicationChange,
                            request: Request) -> MedicationOut:
    changes = body.model_dump(exclude={"doctor_id"}, exclude_none=True)
    return MedicationOut.of(await handlers.change_medication(
        _runtime(request), patient_id=patient_id, medication_id=medication_id, doctor_id=body.doctor_id,
        changes=changes))


@router.put("/patients/{patient_id}/b-agreements/{medication_id}")
async def b_agreement(patient_id: uuid.UUID, medication_id: uuid.UUID, body: AgreementIn,
                      request: Request) -> MedicationOut:
    return MedicationOut.of(await handlers.set_b_agreement(
        _runtime(request), patient_id=patient_id, medication_id=medication_id, doctor_id=body.doctor_id,
        active=body.active))


@router.post("/medications/import")
async def import_from_records(request: Request) -> dict[str, Any]:
    """Fill medicine lists in bulk from the records system's CSV export (see adapters/records_csv.py)."""
    raw = await request.body()
    if len(raw) > _MAX_IMPORT_BYTES:
        raise DomainError("Filen er for stor.", code="import.too_large", status=413)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DomainError("Filen må være UTF-8.", code="import.not_utf8", status=422) from exc
    runtime = _runtime(request)
    parsed = parse_export(text, runtime.clock.now())
    async with transaction(runtime.pool) as conn:
        lists = MedicineLists(conn)
        for medicine in parsed.medicines:
            await lists.add(medicine, None, upsert=True)
    return {"imported": len(parsed.medicines), "rejected": len(parsed.errors), "errors": parsed.errors}


@router.post("/renewals", status_code=status.HTTP_201_CREATED)
async def ask(body: RenewalIn, request: Request) -> RenewalOut:
    runtime = _runtime(request)
    if body.channel == "phone" and body.registered_by is None:
        raise DomainError("En telefonforespørsel registreres av resepsjonen.", code="validation.invalid", status=422)
    asked = await handlers.request(runtime, patient_id=body.patient_id, medication_ids=body.medication_ids,
                                   channel=body.channel, message=body.message, registered_by=body.registered_by,
                                   requested_by_guardian_id=body.requested_by_guardian_id)
    return (await _out(runtime, [asked]))[0]


@router.get("/renewals")
async def of_patient(request: Request, patient_id: uuid.UUID = Query()) -> dict[str, list[RenewalOut]]:
    runtime = _runtime(request)
    async with runtime.pool.acquire() as conn:
        found = await Renewals(conn).of_patient(patient_id)
    return {"items": await _out(runtime, found)}


@router.get("/renewals/{renewal_id}")
async def one(renewal_id: uuid.UUID, request: Request, doctor_id: uuid.UUID | None = None,
              patient_id: uuid.UUID | None = None) -> RenewalOut:
    """One request, for its patient or the patient's GP only (the caller says which one it is)."""
    if (doctor_id is None) == (patient_id is None):
        raise DomainError("Oppgi enten doctor_id eller patient_id.", code="validation.invalid", status=422)
    runtime = _runtime(request)
    async with runtime.pool.acquire() as conn:
        found = await Renewals(conn).get(renewal_id)
        if found is None or (patient_id is not None and found.patient_id != patient_id):
            raise RenewalNotFound()
        if doctor_id is not None:
            await handlers.ensure_own_patient(PatientDirectory(conn), found.patient_id, doctor_id)
        patient = await PatientDirectory(conn).find(found.patient_id)
    return (await _out(runtime, [found], {found.id: patient.name if patient else None}))[0]


@router.post("/renewals/{renewal_id}/decision")
async def decide(renewal_id: uuid.UUID, body: DecisionIn, request: Request) -> RenewalOut:
    runtime = _runtime(request)
    decided = await handlers.decide(runtime, renewal_id=renewal_id, doctor_id=body.doctor_id,
                                    decisions=[(i.medication_id, i.approve, i.reason) for i in body.items])
    return (await _out(runtime, [decided]))[0]


@router.get("/inbox")
async def inbox(request: Request, doctor_id: uuid.UUID = Query()) -> dict[str, list[dict[str, Any]]]:
    """The doctor's open renewals in the shape agreed with econsult's inbox: portal before phone, then
    oldest first. The preview is the medicines asked for, so the doctor sees at a glance what waits; the
    message is read on the request itself."""
    runtime = _runtime(request)
    now = runtime.clock.now()
    async with runtime.pool.acquire() as conn:
        found = await Renewals(conn).open_for_doctor(doctor_id)
    return {"items": [
        {"kind": "renewal", "id": str(r.id), "patient_id": str(r.patient_id),
         "patient_name": patient["patient_name"] or "", "patient_birth_date": patient["patient_birth_date"],
         "channel": r.channel, "created_at": r.created_at.isoformat(), "due_date": r.due_date.isoformat(),
         "overdue": r.overdue(now), "preview": ", ".join(f"{i.name} {i.strength}".strip() for i in r.items)}
        for r, patient in found]}
