"""identity's own HTTP API (reached only by the gateway): thin, parse and hand over.

Tokens, codes and national IDs travel in bodies, never in paths or query strings (they would end up in
access logs)."""

from __future__ import annotations

import json
import uuid
from datetime import date
from typing import Any, Literal

from fastapi import APIRouter, Request, Response, status
from fastapi.encoders import jsonable_encoder
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from contracts.events import Language
from identity import handlers
from identity.adapters.guardians import Guardian, Guardians
from identity.adapters.patients import PatientRepository
from identity.adapters.staff import StaffRepository
from identity.domain.patient import Patient
from identity.domain.staff import StaffMember
from identity.handlers.guardians import ActingFor
from identity.handlers.login import SessionIssued
from identity.handlers.sessions import ActiveSession
from kit.errors import NotFound
from kit.http import body_limit
from kit.runtime import ServiceRuntime

router = APIRouter(prefix="/internal")
MAX_ROSTER_BYTES = 5 * 1024 * 1024  # as the gateway's upload: 10,000 patients are about 1 MB


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class RegisterPatientIn(Strict):
    national_id: str = Field(min_length=1, max_length=20)
    name: str = Field(min_length=1, max_length=200)
    birth_date: date
    mobile: str | None = Field(default=None, max_length=20)
    email: str | None = Field(default=None, max_length=254)
    gp_id: uuid.UUID | None = None
    first_contact_done: bool = False
    check_gp: bool = Field(default=False, description="Refuse a GP who is not one of our doctors (reception).")


class UpdatePatientIn(Strict):
    name: str | None = Field(default=None, min_length=1, max_length=200)
    mobile: str | None = Field(default=None, max_length=20)
    email: str | None = Field(default=None, max_length=254)
    gp_id: uuid.UUID | None = None
    first_contact_done: bool | None = None
    language: Language | None = None


class PatientOut(BaseModel):
    id: uuid.UUID
    name: str
    birth_date: date
    mobile: str | None
    email: str | None
    gp_id: uuid.UUID | None
    first_contact_done: bool
    language: Language


class LoginStartIn(Strict):
    national_id: str = Field(max_length=64)
    address: str = Field(max_length=64, description="The client's address, for the per-address limit.")


class LoginVerifyIn(Strict):
    challenge_id: uuid.UUID
    code: str = Field(max_length=16)


class StaffLoginIn(Strict):
    username: str = Field(max_length=64)
    password: str = Field(max_length=256)
    address: str = Field(max_length=64)


class IdPortenLoginIn(Strict):
    code: str = Field(min_length=1, max_length=512)
    code_verifier: str = Field(min_length=43, max_length=128)
    nonce: str = Field(min_length=1, max_length=256)
    redirect_uri: str | None = Field(default=None, max_length=512,
                                     description="An app's registered redirect URI; none for the web's callback.")


class TokenIn(Strict):
    token: str = Field(min_length=1, max_length=256)


class StaffIn(Strict):
    username: str = Field(min_length=2, max_length=64)
    name: str = Field(min_length=1, max_length=200)
    role: Literal["doctor", "reception", "billing", "admin"]
    password: str = Field(min_length=1, max_length=256)


def _runtime(request: Request) -> ServiceRuntime:
    runtime: ServiceRuntime = request.app.state.runtime
    return runtime


def _patient_out(patient: Patient) -> PatientOut:
    return PatientOut(id=patient.id, name=patient.name, birth_date=patient.birth_date, mobile=patient.mobile,
                      email=patient.email, gp_id=patient.gp_id, first_contact_done=patient.first_contact_done,
                      language=patient.language)


def _staff_out(member: StaffMember) -> dict[str, Any]:
    return {"id": member.id, "username": member.username, "name": member.name, "role": member.role}


def _session_out(issued: SessionIssued) -> dict[str, Any]:
    return {"token": issued.token, "session_id": issued.session_id, "kind": issued.kind,
            "subject_id": issued.subject_id, "role": issued.role, "expires_at": issued.expires_at,
            "idle_expires_at": issued.idle_expires_at, "method": issued.method, "acr": issued.acr}


async def _patient_session_out(request: Request, issued: SessionIssued) -> dict[str, Any]:
    """The session and who it is: a patient, or a guardian who is not our patient (`kind` says which)."""
    async with _runtime(request).pool.acquire() as conn:
        if issued.kind == "guardian":
            guardian = await Guardians(conn).get(issued.subject_id)
            name = guardian.name if guardian else None
        else:
            patient = await PatientRepository(conn, allow_test_identities=True).get(issued.subject_id)
            name = patient.name if patient else None
    return {**_session_out(issued), "patient": {"id": issued.subject_id, "name": name}}


# --- patients ---------------------------------------------------------------------------------------


@router.post("/patients", status_code=status.HTTP_201_CREATED, response_model=PatientOut)
async def register_patient(body: RegisterPatientIn, request: Request) -> PatientOut:
    return _patient_out(await handlers.register_patient(_runtime(request), **body.model_dump()))


class SearchIn(Strict):
    query: str | None = Field(default=None, max_length=100)
    gp_id: uuid.UUID | None = None
    limit: int = Field(default=50, ge=1, le=200)


@router.post("/patients/search", response_model=dict[str, list[PatientOut]])
async def find_patients(body: SearchIn, request: Request) -> Any:
    """By name (part of it), by the whole national ID, or a GP's list. A POST: the ID stays out of URLs."""
    text = body.query.strip() if body.query and body.query.strip() else None
    async with _runtime(request).pool.acquire() as conn:
        found = await PatientRepository(conn, allow_test_identities=True).search(text=text, gp_id=body.gp_id,
                                                                                  limit=body.limit)
    return {"patients": [_patient_out(p) for p in found]}


@router.get("/patients/{patient_id}", response_model=PatientOut)
async def get_patient(patient_id: uuid.UUID, request: Request) -> PatientOut:
    async with _runtime(request).pool.acquire() as conn:
        patient = await PatientRepository(conn, allow_test_identities=True).get(patient_id)
    if patient is None:
        raise NotFound()
    return _patient_out(patient)


@router.patch("/patients/{patient_id}", response_model=PatientOut)
async def update_patient(patient_id: uuid.UUID, body: UpdatePatientIn, request: Request) -> PatientOut:
    changes = body.model_dump(exclude_unset=True)
    return _patient_out(await handlers.update_patient(_runtime(request), patient_id, changes))


@router.post("/patients/import", openapi_extra=body_limit(MAX_ROSTER_BYTES))
async def import_patients(request: Request) -> dict[str, Any]:
    """The clinic's list as CSV (the request body, UTF-8, at most 5 MB): how many were registered, and each
    refused row; a file that is not the list is refused whole (422)."""
    raw = await request.body()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        text = raw.decode("cp1252", errors="replace")  # older records systems export Windows-1252
    report = await handlers.import_patients(_runtime(request), text)
    return {"imported": report.imported, "refused": [{"line": r.line, "code": r.code} for r in report.refused]}


class GuardianIn(Strict):
    national_id: str = Field(min_length=1, max_length=20)
    name: str = Field(min_length=1, max_length=200)
    mobile: str = Field(min_length=1, max_length=20)


def _guardian_out(guardian: Guardian) -> dict[str, Any]:
    return {"id": guardian.id, "name": guardian.name, "mobile": guardian.mobile}


@router.post("/patients/{patient_id}/guardians", status_code=status.HTTP_201_CREATED)
async def register_guardian(patient_id: uuid.UUID, body: GuardianIn, request: Request) -> dict[str, Any]:
    return _guardian_out(await handlers.register_guardian(_runtime(request), patient_id, **body.model_dump()))


@router.get("/patients/{patient_id}/guardians")
async def guardians_of(patient_id: uuid.UUID, request: Request) -> dict[str, Any]:
    return {"guardians": [_guardian_out(g) for g in await handlers.guardians_of(_runtime(request), patient_id)]}


@router.delete("/patients/{patient_id}/guardians/{guardian_id}", status_code=status.HTTP_204_NO_CONTENT,
               response_class=Response)
async def remove_guardian(patient_id: uuid.UUID, guardian_id: uuid.UUID, request: Request) -> Response:
    await handlers.remove_guardian(_runtime(request), patient_id, guardian_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/guardians/{guardian_id}/children")
async def children_of(guardian_id: uuid.UUID, request: Request) -> dict[str, Any]:
    """The children the guardian may act for today: first name, age band and what the guardian may do."""
    return {"children": [{"id": c.patient_id, "first_name": c.first_name, "age_band": c.band, "scope": c.scope}
                         for c in await handlers.children_of(_runtime(request), guardian_id)]}


# --- login and sessions -------------------------------------------------------------------------------


@router.post("/login/start", status_code=status.HTTP_202_ACCEPTED)
async def login_start(body: LoginStartIn, request: Request) -> dict[str, Any]:
    started = await handlers.start_login(_runtime(request), body.national_id, body.address)
    return {"challenge_id": started.challenge_id, "expires_at": started.expires_at}


@router.post("/login/verify")
async def login_verify(body: LoginVerifyIn, request: Request) -> dict[str, Any]:
    issued = await handlers.verify_login(_runtime(request), body.challenge_id, body.code)
    return await _patient_session_out(request, issued)


@router.post("/idporten/authorization")
async def idporten_authorization(request: Request) -> dict[str, Any]:
    """A fresh authorization request for the web's callback. The secrets go to the gateway, which keeps them
    bound to the browser; none is stored here."""
    made = await handlers.authorization_request(_runtime(request))
    return {"url": made.url, "state": made.state, "nonce": made.nonce, "code_verifier": made.code_verifier}


@router.post("/idporten/login")
async def idporten_login(body: IdPortenLoginIn, request: Request) -> dict[str, Any]:
    issued = await handlers.login_with_idporten(_runtime(request), code=body.code, code_verifier=body.code_verifier,
                                                nonce=body.nonce, redirect_uri=body.redirect_uri)
    return await _patient_session_out(request, issued)


@router.post("/staff/login")
async def staff_login(body: StaffLoginIn, request: Request) -> dict[str, Any]:
    issued = await handlers.staff_login(_runtime(request), body.username, body.password, body.address)
    async with _runtime(request).pool.acquire() as conn:
        member = await StaffRepository(conn).get(issued.subject_id)
    assert member is not None
    return {**_session_out(issued), "staff": _staff_out(member)}


def _active_out(found: ActiveSession) -> dict[str, Any]:
    return {"session_id": found.session_id, "kind": found.kind, "subject_id": found.subject_id,
            "role": found.role, "name": found.name, "gp_id": found.gp_id, "gp_name": found.gp_name,
            "language": found.language,
            "restrictions": list(found.restrictions), "expires_at": found.expires_at,
            "idle_expires_at": found.idle_expires_at, "method": found.method, "acr": found.acr,
            "guardian_id": found.guardian_id,
            "acting_for": _acting_out(found.acting_for) if found.acting_for else None}


def _acting_out(acting: ActingFor) -> dict[str, Any]:
    return {"patient_id": acting.patient_id, "first_name": acting.first_name, "name": acting.name,
            "age_band": acting.band, "scope": acting.scope, "gp_id": acting.gp_id, "gp_name": acting.gp_name,
            "restrictions": list(acting.restrictions), "refusal": acting.refusal}


class ActingForIn(TokenIn):
    patient_id: uuid.UUID | None = Field(description="The child to act for; null: back to oneself.")


@router.post("/sessions/acting-for")
async def act_for(body: ActingForIn, request: Request) -> dict[str, Any]:
    """Whom the session acts for from now on (403 proxy.not_guardian, 403 proxy.child_of_age)."""
    chosen = await handlers.act_for(_runtime(request), body.token, body.patient_id)
    return {"acting_for": _acting_out(chosen) if chosen else None}


@router.post("/sessions/resolve")
async def resolve_session(body: TokenIn, request: Request) -> dict[str, Any]:
    return _active_out(await handlers.resolve_session(_runtime(request), body.token))


class KeptSession(Strict):
    id: uuid.UUID
    used_at: AwareDatetime | None = Field(description="When the gateway last served it from memory; null: not since "
                                                       "the last refresh.")
    facts: str | None = Field(None, max_length=64, description="The fingerprint of the facts the gateway holds.")


class RefreshIn(Strict):
    # 300 with a use and a fingerprint each is about 45 KB: within the 64 KiB every body here may have.
    sessions: list[KeptSession] = Field(max_length=300)


@router.post("/sessions/refresh")
async def refresh_sessions(body: RefreshIn, request: Request) -> Response:
    """A gateway's kept sessions: the live ones (what is missing has ended), the used ones marked as seen, each
    with its facts in full only where they differ from the gateway's fingerprint (gateway/adapters/
    session_cache.py). Written here, not by FastAPI's encoder: thousands of documents every few seconds."""
    found = await handlers.refresh_sessions(_runtime(request), {s.id: (s.used_at, s.facts) for s in body.sessions})
    documents = [{"session_id": str(f.session_id), "facts": f.facts, "expires_at": f.expires_at.isoformat(),
                  "idle_expires_at": f.idle_expires_at.isoformat(),
                  "session": jsonable_encoder(_active_out(f.active)) if f.active else None} for f in found]
    return Response(json.dumps({"sessions": documents}), media_type="application/json")


@router.post("/sessions/end")
async def end_session(body: TokenIn, request: Request) -> dict[str, Any]:
    """`end_session_url`: for a session from ID-porten, where the browser goes to end ID-porten's session too."""
    ended = await handlers.end_session(_runtime(request), body.token)
    return {"ended": ended.method is not None, "method": ended.method, "end_session_url": ended.end_session_url}


# --- staff ------------------------------------------------------------------------------------------


@router.get("/staff/doctors")
async def list_doctors(request: Request) -> dict[str, Any]:
    return {"doctors": [{"id": d.id, "name": d.name, "username": d.username}
                        for d in await handlers.doctors(_runtime(request))]}


@router.post("/staff", status_code=status.HTTP_201_CREATED)
async def add_staff(body: StaffIn, request: Request) -> dict[str, Any]:
    return _staff_out(await handlers.add_staff(_runtime(request), **body.model_dump()))


@router.get("/staff/{staff_id}")
async def get_staff(staff_id: uuid.UUID, request: Request) -> dict[str, Any]:
    async with _runtime(request).pool.acquire() as conn:
        member = await StaffRepository(conn).get(staff_id)
    if member is None:
        raise NotFound()
    return {**_staff_out(member), "active": member.active}



