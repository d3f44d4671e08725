"""Logging in and out, who am I, and who has read my data (api.md: auth, /me, /access-log).

The national ID and the code travel only in request bodies. The answer to a login start is identity's,
the same for every well-formed ID. A login always makes a new session (and ends the one the client
came with, if any), so a session id planted before login is worth nothing after it.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from fastapi import APIRouter, Depends, Query, Request, Response, status
from pydantic import BaseModel, Field

from contracts.events import Language
from gateway.auth import (
    CSRF_HEADER,
    client_address,
    csrf_token_for,
    current_principal,
    know_session,
    patient,
    person,
    presented_token,
    staff,
)
from gateway.dependencies import Strict, audit, audited, gateway, services, session_cache, settings
from gateway.domain.errors import AuthRequired
from gateway.domain.principal import ActingFor, Principal
from kit.errors import DomainError

router = APIRouter(prefix="/api/v1", tags=["innlogging"])
any_staff = staff()


class LoginIn(Strict):
    national_id: str = Field(max_length=64, description="Fødselsnummer eller D-nummer, 11 siffer.")


class LoginStarted(BaseModel):
    challenge_id: uuid.UUID
    expires_at: datetime


class VerifyIn(Strict):
    challenge_id: uuid.UUID
    code: str = Field(max_length=16, description="Koden fra SMS-en: 6 siffer.")


class StaffLoginIn(Strict):
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=256)


class LanguageIn(Strict):
    language: Language = Field(description="nb (bokmål), nn (nynorsk) or en (English).")


class SessionOut(BaseModel):
    token: str = Field(description="Send som «Authorization: Bearer <token>» fra mobilklienter.")
    token_type: str = "bearer"  # noqa: S105 - the scheme, not a secret
    expires_at: datetime = Field(description="Sesjonen slutter senest nå (12 timer etter innlogging).")
    idle_expires_at: datetime = Field(description="Uten bruk slutter sesjonen nå (30 minutter).")
    csrf_token: str = Field(description="Nettleseren sender denne i X-CSRF-Token på POST, PUT, PATCH og DELETE.")
    csrf_header: str = CSRF_HEADER


class PatientSummary(BaseModel):
    id: uuid.UUID
    name: str | None


class PatientSessionOut(SessionOut):
    patient: PatientSummary


class StaffSummary(BaseModel):
    id: uuid.UUID
    username: str
    name: str
    role: str


class StaffSessionOut(SessionOut):
    staff: StaffSummary


def _set_cookies(request: Request, response: Response, token: str, session: dict[str, Any]) -> None:
    chosen = settings(request)
    # No Max-Age: a browser session cookie; the server ends the session at 30 minutes idle or 12 hours.
    response.set_cookie(chosen.session_cookie, token, secure=True, httponly=True, samesite="strict", path="/")
    response.set_cookie(chosen.csrf_cookie, csrf_token_for(token), secure=True, httponly=False, samesite="strict",
                        path="/")
    response.headers["Cache-Control"] = "no-store"


def _clear_cookies(request: Request, response: Response) -> None:
    chosen = settings(request)
    for name in (chosen.session_cookie, chosen.csrf_cookie):
        response.delete_cookie(name, secure=True, httponly=name == chosen.session_cookie, samesite="strict", path="/")


async def _end_presented_session(request: Request) -> str | None:
    """End the session the client came with, whatever it is: logout, and a fresh login. For a session from
    ID-porten: where the browser goes to end ID-porten's session too."""
    try:
        presented = presented_token(request)
    except AuthRequired:
        return None
    if presented is None:
        return None
    session_cache(request).forget(presented[0])
    ended = await services(request).call("identity", "POST", "/internal/sessions/end", json={"token": presented[0]})
    return ended.get("end_session_url") if isinstance(ended, dict) else None


async def complete_login(request: Request, response: Response, issued: dict[str, Any]) -> dict[str, Any]:
    """The gateway's half of every login, whatever the way in (SMS code, ID-porten in a browser or an app, staff
    password), once identity has opened the session: the session the client came with ends, the new one rides
    in the same `__Host-` cookie with the same CSRF token, and the answer carries the token for bearer clients.
    identity's `complete_patient_login` is the other half: who may log in, and the session itself."""
    await _end_presented_session(request)
    await know_session(request, issued["token"])
    _set_cookies(request, response, issued["token"], issued)
    return {"token": issued["token"], "expires_at": issued["expires_at"],
            "idle_expires_at": issued["idle_expires_at"], "csrf_token": csrf_token_for(issued["token"])}


@router.post("/auth/login", status_code=status.HTTP_202_ACCEPTED, response_model=LoginStarted)
async def login(body: LoginIn, request: Request) -> Any:
    """Step 1: a code goes by SMS to the patient's registered mobile. The answer is the same for every
    well-formed national ID; whether the patient may use the portal is told after the code."""
    return await services(request).call("identity", "POST", "/internal/login/start",
                                        json={"national_id": body.national_id, "address": client_address(request)})


@router.post("/auth/verify", response_model=PatientSessionOut)
async def verify(body: VerifyIn, request: Request, response: Response) -> Any:
    """Step 2: the code from the SMS. A new session: its token (for mobile clients) and cookies (for the web)."""
    issued = await services(request).call("identity", "POST", "/internal/login/verify",
                                          json={"challenge_id": str(body.challenge_id), "code": body.code})
    return {**await complete_login(request, response, issued), "patient": issued["patient"]}


@router.post("/staff/auth/login", response_model=StaffSessionOut)
async def staff_login(body: StaffLoginIn, request: Request, response: Response) -> Any:
    issued = await services(request).call(
        "identity", "POST", "/internal/staff/login",
        json={"username": body.username, "password": body.password, "address": client_address(request)})
    return {**await complete_login(request, response, issued), "staff": issued["staff"]}


async def end_session(request: Request, response: Response) -> str | None:
    """Logout: the session the client came with ends on the server and its cookies go. A cookie session's
    logout needs its CSRF token like any change; logging out twice is not an error. For a session from
    ID-porten: where the browser goes next to end ID-porten's session too."""
    url = None
    try:
        await current_principal(request)
    except AuthRequired:
        pass  # nothing to end
    else:
        url = await _end_presented_session(request)
    _clear_cookies(request, response)
    return url


async def _logout(request: Request) -> Response:
    response = Response(status_code=status.HTTP_204_NO_CONTENT)
    await end_session(request, response)
    return response


@router.post("/auth/logout", status_code=status.HTTP_204_NO_CONTENT, response_class=Response)
async def logout(request: Request) -> Response:
    """End the session on the server: the token is dead at once, in the cookie or in a mobile app."""
    return await _logout(request)


@router.post("/staff/auth/logout", status_code=status.HTTP_204_NO_CONTENT, response_class=Response)
async def staff_logout(request: Request) -> Response:
    return await _logout(request)


async def _econsult_open(request: Request, gp_id: uuid.UUID | None) -> bool | None:
    if gp_id is None:
        return False

    async def ask() -> bool | None:
        try:
            found = await services(request).call("econsult", "GET", f"/internal/availability/{gp_id}")
        except DomainError:
            return None  # econsult away: the profile still shows; the eConsultation page says it is unknown
        return bool(found.get("open"))
    return await gateway(request).econsult_availability.open(gp_id, ask)


@router.get("/me")
async def me(request: Request, principal: Principal = Depends(person)) -> dict[str, Any]:
    """My profile: name, GP, whether the GP takes eConsultations now, each `access.*` rule that keeps me
    from sending new requests (empty when none), and how I logged in. A guardian also gets `represents`, the
    children they may act for (first name, age band, what they may do: `everything` under 12, `appointments`
    from 12 to 15), and `acting_for` while acting for one; the GP and the rules are then the child's."""
    body: dict[str, Any] = {
        "id": principal.subject_id, "name": principal.name, "kind": principal.kind,
        "represents": await _represents(request, principal),
        "acting_for": _acting_out(principal.acting_for) if principal.acting_for else None,
        "gp": {"id": principal.gp_id, "name": principal.gp_name,
               "econsult_open": await _econsult_open(request, principal.gp_id)},
        "restrictions": list(principal.restrictions),
        "language": principal.language or "nb",
        # How this session began (sms, idporten) and ID-porten's level: the web client logs out of ID-porten too.
        "login": {"method": principal.login_method, "level": principal.acr},
    }
    return _with_csrf(request, body)


async def _represents(request: Request, principal: Principal) -> list[dict[str, Any]]:
    if principal.guardian_id is None:
        return []
    found = await services(request).call("identity", "GET", f"/internal/guardians/{principal.guardian_id}/children")
    return [{"id": c["id"], "first_name": c["first_name"], "age_band": c["age_band"], "may": c["scope"]}
            for c in found["children"]]


def _acting_out(acting: ActingFor) -> dict[str, Any]:
    return {"id": acting.patient_id, "first_name": acting.first_name, "age_band": acting.age_band,
            "may": acting.scope, "refusal": acting.refusal}


class ActingForIn(Strict):
    patient_id: uuid.UUID = Field(description="Barnet jeg vil bruke portalen for.")


@router.put("/me/acting-for", summary="Bytt person: bruk portalen for barnet mitt")
async def act_for(body: ActingForIn, request: Request, principal: Principal = Depends(person)) -> dict[str, Any]:
    """From now on every patient route of this session acts for the child (api.md, "Acting for someone else"):
    403 proxy.not_guardian for someone who is not my child, 403 proxy.child_of_age from the child's 16th
    birthday. Audited on the child's record, refused or not."""
    token = _presented_or_401(request)
    chosen = await audited(request, principal, body.patient_id, "guardianship", str(body.patient_id), "act_for",
                           lambda: services(request).call("identity", "POST", "/internal/sessions/acting-for",
                                                          json={"token": token, "patient_id": str(body.patient_id)}))
    session_cache(request).forget(token)
    acting = chosen["acting_for"]
    return {"acting_for": {"id": acting["patient_id"], "first_name": acting["first_name"],
                           "age_band": acting["age_band"], "may": acting["scope"], "refusal": acting["refusal"]}}


@router.delete("/me/acting-for", status_code=status.HTTP_204_NO_CONTENT, response_class=Response,
               summary="Bytt tilbake til meg selv")
async def act_for_myself(request: Request, principal: Principal = Depends(person)) -> Response:
    token = _presented_or_401(request)
    await services(request).call("identity", "POST", "/internal/sessions/acting-for",
                                 json={"token": token, "patient_id": None})
    session_cache(request).forget(token)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


def _presented_or_401(request: Request) -> str:
    presented = presented_token(request)
    if presented is None:
        raise AuthRequired()
    return presented[0]


def _with_csrf(request: Request, body: dict[str, Any]) -> dict[str, Any]:
    """A cookie session's own CSRF token: a reloaded page, a new tab or a bookmark gets it back."""
    presented = presented_token(request)
    if presented is not None and presented[1]:
        body["csrf_token"] = csrf_token_for(presented[0])
    return body


@router.put("/me/language")
async def choose_language(body: LanguageIn, request: Request, principal: Principal = Depends(person)) -> Any:
    """The language I read the portal in and get my SMS and e-mail in (kept in my own profile, also while acting
    for a child; a guardian who is not our patient has none)."""
    if principal.kind != "patient":
        raise DomainError(code="forbidden", status=403, title="Bare for pasienter.")
    pid = principal.subject_id
    changed = await services(request).call("identity", "PATCH", f"/internal/patients/{pid}",
                                           json={"language": body.language})
    session_cache(request).forget_subject(pid)
    await audit(request, principal, patient_id=pid, object_type="patient", object_id=str(pid),
                action="update:language")
    return {"language": changed["language"]}


@router.get("/staff/me")
async def staff_me(request: Request, principal: Principal = Depends(any_staff)) -> dict[str, Any]:
    """Who is logged in as staff: a new tab or a bookmark asks this instead of showing the login again."""
    return _with_csrf(request, {"id": principal.subject_id, "name": principal.name, "role": principal.role})


ACTIONS_SHOWN = 200


@router.get("/access-log")
async def access_log(request: Request, principal: Principal = Depends(patient),
                     limit: int = Query(default=50, ge=1, le=ACTIONS_SHOWN),
                     before: int | None = Query(default=None, ge=1, description="Neste side: `next_before`."),
                     others_only: bool = Query(default=False, description="Bare andres tilgang (ikke mine egne).")
                     ) -> dict[str, Any]:
    """Who has read or changed my data, newest first: me, my doctor, reception, the billing office; with
    `others_only`, everyone but me (my own reads of my own pages are most of the log)."""
    rows = await gateway(request).audit_log.for_patient(principal.patient_id, before=before, limit=limit,
                                                        others_only=others_only)
    # A guardian's entries name the guardian, and `role` says they acted as guardian ("Kari Nordmann (forelder)
    # bestilte time"); the caller's own entries are "Deg".
    entries = [{"id": r["id"], "at": r["at"],
                "who": "Deg" if r["actor_id"] == principal.subject_id and r["actor_kind"] != "staff"
                else r["actor_name"],
                "role": r["actor_role"], "object_type": r["object_type"], "object_id": r["object_id"],
                "action": r["action"], "outcome": r["outcome"]} for r in rows]
    return {"entries": entries, "next_before": entries[-1]["id"] if len(entries) == limit else None}
