"""Who is calling, and what they may do: the gateway's authentication, authorisation and audit.

Every public route uses this module:

    principal: Principal = Depends(patient)                 # a logged-in patient
    principal: Principal = Depends(staff("doctor"))         # a logged-in doctor
    ensure_may_make_requests(principal)                      # 403 access.* for new bookings/renewals/...
    await audit(request, principal, patient_id=..., object_type="appointment", object_id=..., action="read")

Patients act only on their own data (their id comes from the session, never from the request);
doctors only on patients on their own list (the owning service checks the list with the doctor's id);
reception reads no clinical text; billing sees invoices and payments.

A session is a random token held by identity as a hash. Mobile clients send it as a bearer token; the web
client has it in a `__Host-` cookie (HttpOnly, Secure, SameSite=Strict) and sends the CSRF token, derived
from the session token, in the X-CSRF-Token header on every unsafe request.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

import structlog
from fastapi import Request

from gateway.adapters.services import Services
from gateway.settings import GatewaySettings
from kit.errors import DomainError
from kit.logging import current_correlation_id

Role = Literal["patient", "doctor", "reception", "billing", "admin"]
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
CSRF_HEADER = "X-CSRF-Token"
MAX_TOKEN = 256

log = structlog.get_logger()


class AuthRequired(DomainError):
    code, status, title = "auth.required", 401, "Du må logge inn."


class CsrfRefused(DomainError):
    code, status, title = "auth.csrf", 403, "Siden var utdatert. Last siden på nytt og prøv igjen."


class AccessRestricted(DomainError):
    status, title = 403, "Du kan ikke sende nye forespørsler i portalen nå."


class AuditUnavailable(DomainError):
    code, status, title = "audit.unavailable", 503, "Tjenesten er midlertidig utilgjengelig. Prøv igjen om litt."


@dataclass(frozen=True)
class Principal:
    kind: Literal["patient", "staff"]
    subject_id: uuid.UUID  # the patient's id, or the staff member's
    role: Role
    session_id: str
    restrictions: tuple[str, ...] = field(default=())  # access.* codes (patients only)
    gp_id: uuid.UUID | None = None  # a patient's GP
    name: str | None = None
    gp_name: str | None = None
    language: str | None = None  # a patient's chosen language (nb, nn, en)
    login_method: str | None = None  # how the session began: sms, idporten, password
    acr: str | None = None  # ID-porten's level of assurance

    @property
    def patient_id(self) -> uuid.UUID:
        if self.kind != "patient":
            raise DomainError(code="forbidden", status=403)
        return self.subject_id


class SessionCache:
    """identity's answers for recently seen session tokens, for a second or two: a busy client's requests
    then cost one hop less each. Keyed by a hash of the token; bounded in size, oldest out first."""

    def __init__(self, seconds: float, size: int = 20_000) -> None:
        self._seconds, self._size = seconds, size
        self._items: OrderedDict[str, tuple[Principal, float, datetime | None]] = OrderedDict()

    @staticmethod
    def key(token: str) -> str:
        return hashlib.sha256(token.encode()).hexdigest()

    def get(self, token: str, now: datetime | None = None) -> Principal | None:
        """The kept answer, unless it is older than the cache's seconds or the session itself has ended by
        `now` (the service clock: a cached session never outlives its idle or absolute end)."""
        key = self.key(token)
        found = self._items.get(key)
        if found is None:
            return None
        principal, kept_until, session_ends = found
        if kept_until <= time.monotonic() or (now is not None and session_ends is not None and now >= session_ends):
            del self._items[key]
            return None
        return principal

    def put(self, token: str, principal: Principal, session_ends: datetime | None = None) -> None:
        if self._seconds <= 0:
            return
        key = self.key(token)
        self._items[key] = (principal, time.monotonic() + self._seconds, session_ends)
        self._items.move_to_end(key)
        while len(self._items) > self._size:
            self._items.popitem(last=False)

    def forget(self, token: str) -> None:
        self._items.pop(self.key(token), None)

    def forget_subject(self, subject_id: uuid.UUID) -> None:
        """Every cached session of one patient or staff member: what this gateway just changed about them
        (reception marking the first contact, say) shows on their very next request."""
        for key in [k for k, (p, _, _) in self._items.items() if p.subject_id == subject_id]:
            del self._items[key]


def session_cache(request: Request) -> SessionCache:
    state = request.app.state.runtime.state
    if "session_cache" not in state:
        state["session_cache"] = SessionCache(_settings(request).session_cache_seconds)
    cache: SessionCache = state["session_cache"]
    return cache


def csrf_token_for(session_token: str) -> str:
    """The CSRF token of a session: a one-way function of its token. A page on another site can neither read
    the HttpOnly session cookie nor, therefore, compute this; the gateway needs to store nothing."""
    digest = hashlib.sha256(b"eportal-csrf\x00" + session_token.encode()).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def _settings(request: Request) -> GatewaySettings:
    settings: GatewaySettings = request.app.state.runtime.settings
    return settings


def _services(request: Request) -> Services:
    services: Services = request.app.state.runtime.state["services"]
    return services


def presented_token(request: Request) -> tuple[str, bool] | None:
    """The session token the client sent, and whether it came in the cookie (which needs the CSRF check)."""
    header = request.headers.get("authorization")
    if header is not None:
        scheme, _, value = header.partition(" ")
        if scheme.lower() != "bearer" or not value.strip() or len(value.strip()) > MAX_TOKEN:
            raise AuthRequired("Ugyldig Authorization-felt: bruk «Bearer <token>».")
        return value.strip(), False
    cookie = request.cookies.get(_settings(request).session_cookie)
    if cookie and len(cookie) <= MAX_TOKEN:
        return cookie, True
    return None


def client_address(request: Request) -> str:
    """The caller's address, for identity's per-address login limit (see settings.trusted_proxy_hops)."""
    hops = _settings(request).trusted_proxy_hops
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
    now = request.app.state.runtime.clock.now()
    principal = cache.get(token, now)
    if principal is None:
        principal, session_ends = await _resolve(request, token)
        cache.put(token, principal, session_ends)
    request.state.principal = principal
    structlog.contextvars.bind_contextvars(actor_role=principal.role, session=principal.session_id[:8])
    return principal


async def _resolve(request: Request, token: str) -> tuple[Principal, datetime]:
    """identity's answer: who, and when the session ends unless it is used again."""
    try:
        found = await _services(request).call("identity", "POST", "/internal/sessions/resolve", json={"token": token})
    except DomainError as exc:
        if exc.status == 401:
            raise AuthRequired() from None
        raise
    ends = min(datetime.fromisoformat(found["expires_at"]), datetime.fromisoformat(found["idle_expires_at"]))
    return Principal(
        kind=found["kind"], subject_id=uuid.UUID(found["subject_id"]), role=found["role"],
        session_id=found["session_id"], restrictions=tuple(found.get("restrictions") or ()),
        gp_id=uuid.UUID(found["gp_id"]) if found.get("gp_id") else None, name=found.get("name"),
        gp_name=found.get("gp_name"), language=found.get("language"), login_method=found.get("method"),
        acr=found.get("acr")), ends


async def _record_route_refusal(request: Request, principal: Principal, outcome: str,
                                request_id: str | None = None) -> None:
    """A refused attempt on a route, with the patient the path names (if it names one). Refused all the same
    if the record fails: a refusal shows nothing, and the failure is logged."""
    named = request.path_params.get("patient_id")
    try:
        patient_id = uuid.UUID(str(named)) if named is not None else None
    except ValueError:
        patient_id = None
    route = request.scope.get("route")
    with contextlib.suppress(AuditUnavailable):
        await _record(request, principal, patient_id=patient_id, object_type="route",
                      object_id=getattr(route, "path", request.url.path), action=request.method, outcome=outcome,
                      request_id=request_id)


async def _refuse(request: Request, principal: Principal, title: str) -> DomainError:
    """A logged-in caller on a route not for their role: refused, and the attempt audited."""
    await _record_route_refusal(request, principal, "refused:forbidden")
    return DomainError(code="forbidden", status=403, title=title)


async def patient(request: Request) -> Principal:
    """Dependency: a logged-in patient (403 forbidden for staff)."""
    principal = await current_principal(request)
    if principal.kind != "patient":
        raise await _refuse(request, principal, "Bare for pasienter.")
    return principal


def staff(*roles: Role) -> Callable[[Request], Coroutine[Any, Any, Principal]]:
    """Dependency factory: a logged-in staff member with one of `roles` (403 forbidden otherwise)."""
    async def dependency(request: Request) -> Principal:
        principal = await current_principal(request)
        if principal.kind != "staff" or (roles and principal.role not in roles):
            raise await _refuse(request, principal, "Du har ikke tilgang til dette.")
        return principal
    dependency.roles = roles  # type: ignore[attr-defined]  # read by the authorisation test's route walk
    return dependency


def ensure_may_make_requests(principal: Principal) -> None:
    """Refuse new bookings, renewals and eConsultations while any access rule fails (403 access.*)."""
    if principal.restrictions:
        raise AccessRestricted(code=principal.restrictions[0], restrictions=list(principal.restrictions))


async def audit(request: Request, principal: Principal, *, patient_id: uuid.UUID, object_type: str,
                object_id: str | None, action: str, outcome: str = "success") -> None:
    """Record a read or change of a patient's health data in the append-only audit log.

    Fails closed: if the record cannot be written, the request fails (503) rather than show or change
    health data nobody could later account for."""
    await _record(request, principal, patient_id=patient_id, object_type=object_type, object_id=object_id,
                  action=action, outcome=outcome)


async def audit_refusal(request: Request, status: int, request_id: str) -> None:
    """A logged-in caller refused (403, 404) by a route that recorded nothing itself: recorded here, so every
    refused attempt is in the audit log once (called by the gateway's middleware after the response)."""
    principal: Principal | None = getattr(request.state, "principal", None)
    if principal is None or getattr(request.state, "audited", False):
        return
    await _record_route_refusal(request, principal, f"refused:{status}", request_id)


async def _record(request: Request, principal: Principal, *, patient_id: uuid.UUID | None, object_type: str,
                  object_id: str | None, action: str, outcome: str, request_id: str | None = None) -> None:
    request.state.audited = True
    runtime = request.app.state.runtime
    try:
        async with runtime.pool.acquire() as conn:
            await conn.execute(
                """INSERT INTO audit_log (at, actor_kind, actor_id, actor_role, actor_name, patient_id, object_type,
                                          object_id, action, outcome, request_id)
                   VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)""",
                runtime.clock.now(), principal.kind, principal.subject_id, principal.role, principal.name,
                patient_id, object_type, object_id, action, outcome[:200], request_id or current_correlation_id())
    except Exception as exc:  # any database failure: fail closed, and say so in the log
        log.error("audit_failed", error=type(exc).__name__, object_type=object_type, action=action)
        raise AuditUnavailable() from exc
