"""Who is calling: the gateway's authentication, and the routes' role checks.

Every public route uses this module:

    principal: Principal = Depends(patient)                 # a logged-in patient
    principal: Principal = Depends(staff("doctor"))         # a logged-in doctor

Who may do what is in gateway/domain/principal.py; the audit in gateway/dependencies.py.

A session is a random token held by identity as a hash. Mobile clients send it as a bearer token; the web
client has it in a `__Host-` cookie (HttpOnly, Secure, SameSite=Strict) and sends the CSRF token, derived
from the session token, in the X-CSRF-Token header on every unsafe request.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import uuid
from collections.abc import Callable, Coroutine
from datetime import datetime
from typing import Any

import structlog
from fastapi import Request

from gateway.dependencies import gateway, record_route_refusal, services, session_cache, settings
from gateway.domain.errors import AuthRequired, CsrfRefused
from gateway.domain.principal import ActingFor, Principal, Role, Scope, ensure_may_act
from kit.errors import DomainError

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
CSRF_HEADER = "X-CSRF-Token"
MAX_TOKEN = 256

log = structlog.get_logger()


def csrf_token_for(session_token: str) -> str:
    """The CSRF token of a session: a one-way function of its token. A page on another site can neither read
    the HttpOnly session cookie nor, therefore, compute this; the gateway needs to store nothing."""
    digest = hashlib.sha256(b"eportal-csrf\x00" + session_token.encode()).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def presented_token(request: Request) -> tuple[str, bool] | None:
    """The session token the client sent, and whether it came in the cookie (which needs the CSRF check)."""
    header = request.headers.get("authorization")
    if header is not None:
        scheme, _, value = header.partition(" ")
        if scheme.lower() != "bearer" or not value.strip() or len(value.strip()) > MAX_TOKEN:
            raise AuthRequired("Ugyldig Authorization-felt: bruk «Bearer <token>».")
        return value.strip(), False
    cookie = request.cookies.get(settings(request).session_cookie)
    if cookie and len(cookie) <= MAX_TOKEN:
        return cookie, True
    return None


def client_address(request: Request) -> str:
    """The caller's address, for identity's per-address login limit (see settings.trusted_proxy_hops)."""
    hops = settings(request).trusted_proxy_hops
    if hops > 0:
        forwarded = [a.strip() for a in request.headers.get("x-forwarded-for", "").split(",") if a.strip()]
        if len(forwarded) >= hops:
            return forwarded[-hops][:64]
    return request.client.host if request.client else "unknown"


async def current_principal(request: Request) -> Principal:
    """The session's principal (bearer token or cookie), or 401 auth.required; 403 auth.csrf for a cookie
    session's unsafe request without the right CSRF token. Resolved once per request."""
    cached: Principal | None = getattr(request.state, "principal", None)
    if cached is not None:
        return cached
    presented = presented_token(request)
    if presented is None:
        raise AuthRequired()
    token, from_cookie = presented
    if from_cookie and request.method not in SAFE_METHODS:
        sent = request.headers.get(CSRF_HEADER, "")
        if not hmac.compare_digest(sent.encode(), csrf_token_for(token).encode()):
            raise CsrfRefused()
    cache = session_cache(request)
    now = gateway(request).runtime.clock.now()
    principal = await cache.resolve(token, now, lambda: _resolve(request, token))
    request.state.principal = principal
    structlog.contextvars.bind_contextvars(actor_role=principal.role, session=principal.session_id[:8])
    return principal


async def _resolve(request: Request, token: str) -> tuple[Principal, datetime]:
    """identity's answer: who, and when the session ends unless it is used again."""
    try:
        found = await services(request).call("identity", "POST", "/internal/sessions/resolve", json={"token": token})
    except DomainError as exc:
        if exc.status == 401:
            raise AuthRequired() from None
        raise
    return principal_from(found)


async def know_session(request: Request, token: str) -> None:
    """A session this gateway just started (a login through it): identity's answer kept now, so the first
    request of the new session, however long after the login it comes, asks identity nothing (the refresh keeps
    it fresh meanwhile: adapters/session_cache.py)."""
    try:
        await session_cache(request).resolve(token, gateway(request).runtime.clock.now(),
                                             lambda: _resolve(request, token))
    except Exception as exc:  # the login stands; the session's first request asks identity itself
        log.warning("new session not kept", error=type(exc).__name__)


def principal_from(found: dict[str, Any]) -> tuple[Principal, datetime]:
    """identity's session document (a check or a refresh) as the gateway's principal, and when the session ends
    unless it is used again."""
    ends = min(datetime.fromisoformat(found["expires_at"]), datetime.fromisoformat(found["idle_expires_at"]))
    # Acting for a child: the patient fields are the child's (domain/principal.py), the name the guardian's.
    patient_side = found.get("acting_for") or found
    acting = found.get("acting_for")
    return Principal(
        kind=found["kind"], subject_id=uuid.UUID(found["subject_id"]), role=found["role"],
        session_id=found["session_id"], restrictions=tuple(patient_side.get("restrictions") or ()),
        gp_id=uuid.UUID(patient_side["gp_id"]) if patient_side.get("gp_id") else None, name=found.get("name"),
        gp_name=patient_side.get("gp_name"), language=found.get("language"), login_method=found.get("method"),
        acr=found.get("acr"), guardian_id=uuid.UUID(found["guardian_id"]) if found.get("guardian_id") else None,
        acting_for=ActingFor(uuid.UUID(acting["patient_id"]), acting["first_name"], acting["age_band"],
                             acting["scope"], acting["refusal"]) if acting else None), ends


async def _refuse(request: Request, principal: Principal, title: str) -> DomainError:
    """A logged-in caller on a route not for their role: refused, and the attempt audited."""
    await record_route_refusal(request, principal, "refused:forbidden")
    return DomainError(code="forbidden", status=403, title=title)


async def person(request: Request) -> Principal:
    """Dependency: a logged-in patient or guardian, whomever they act for (their profile, switching person)."""
    principal = await current_principal(request)
    if principal.kind not in ("patient", "guardian"):
        raise await _refuse(request, principal, "Bare for pasienter.")
    return principal


async def _acting(request: Request, needs: Scope) -> Principal:
    principal = await person(request)
    try:
        ensure_may_act(principal, needs)
    except DomainError as refused:
        await record_route_refusal(request, principal, f"refused:{refused.code}")
        raise
    return principal


async def patient(request: Request) -> Principal:
    """Dependency: a logged-in patient acting for themselves, or a guardian for a child under 12 (403 forbidden
    for staff, 403 proxy.* where the child's age forbids). Every patient route but the appointments'."""
    return await _acting(request, "everything")


async def patient_appointments(request: Request) -> Principal:
    """Dependency: as `patient`, and a guardian may also act for a child of 12 to 15 (appointments only)."""
    return await _acting(request, "appointments")


def staff(*roles: Role) -> Callable[[Request], Coroutine[Any, Any, Principal]]:
    """Dependency factory: a logged-in staff member with one of `roles` (403 forbidden otherwise)."""
    async def dependency(request: Request) -> Principal:
        principal = await current_principal(request)
        if principal.kind != "staff" or (roles and principal.role not in roles):
            raise await _refuse(request, principal, "Du har ikke tilgang til dette.")
        return principal
    dependency.roles = roles  # type: ignore[attr-defined]  # read by the authorisation test's route walk
    return dependency
