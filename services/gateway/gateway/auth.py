"""Who is calling, and what they may do: the gateway's authentication, authorisation and audit.

This is the interface every public route uses (issue 3 implements it against identity's sessions):

    principal: Principal = Depends(patient)                 # a logged-in patient
    principal: Principal = Depends(staff("doctor"))         # a logged-in doctor
    ensure_may_make_requests(principal)                      # 403 access.* for new bookings/renewals/...
    await audit(request, principal, patient_id=..., object_type="appointment", object_id=..., action="read")

Patients act only on their own data (their id comes from the session, never from the request);
doctors only on patients on their own list; reception reads no clinical text; billing sees invoices.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any, Literal

from fastapi import Request

from kit.errors import DomainError

Role = Literal["patient", "doctor", "reception", "billing", "admin"]


class AuthRequired(DomainError):
    code, status, title = "auth.required", 401, "Du må logge inn."


class AccessRestricted(DomainError):
    status, title = 403, "Du kan ikke sende nye forespørsler i portalen nå."


@dataclass(frozen=True)
class Principal:
    kind: Literal["patient", "staff"]
    subject_id: uuid.UUID  # the patient's id, or the staff member's
    role: Role
    session_id: str
    restrictions: tuple[str, ...] = field(default=())  # access.* codes (patients only)
    gp_id: uuid.UUID | None = None  # a patient's GP

    @property
    def patient_id(self) -> uuid.UUID:
        if self.kind != "patient":
            raise DomainError(code="forbidden", status=403)
        return self.subject_id


async def current_principal(request: Request) -> Principal:
    """The session's principal (cookie or bearer token), or 401 auth.required."""
    raise NotImplementedError("issue 3: sessions")


async def patient(request: Request) -> Principal:
    """Dependency: a logged-in patient (403 forbidden for staff)."""
    principal = await current_principal(request)
    if principal.kind != "patient":
        raise DomainError(code="forbidden", status=403, title="Bare for pasienter.")
    return principal


def staff(*roles: Role) -> Callable[[Request], Coroutine[Any, Any, Principal]]:
    """Dependency factory: a logged-in staff member with one of `roles` (403 forbidden otherwise)."""
    async def dependency(request: Request) -> Principal:
        principal = await current_principal(request)
        if principal.kind != "staff" or (roles and principal.role not in roles):
            raise DomainError(code="forbidden", status=403, title="Du har ikke tilgang til dette.")
        return principal
    return dependency


def ensure_may_make_requests(principal: Principal) -> None:
    """Refuse new bookings, renewals and eConsultations while any access rule fails (403 access.*)."""
    if principal.restrictions:
        raise AccessRestricted(code=principal.restrictions[0])


async def audit(request: Request, principal: Principal, *, patient_id: uuid.UUID, object_type: str,
                object_id: str | None, action: str, outcome: str = "success") -> None:
    """Record a read or change of a patient's health data (issue 3: append-only audit log)."""
    raise NotImplementedError("issue 3: audit")
