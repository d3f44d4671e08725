"""Who is calling, and what that lets them ask for: the gateway's own rules, without I/O.

Patients act only on their own data (their id comes from the session, never from the request); doctors only
on patients on their own list (the owning service checks the list with the doctor's id); reception reads no
clinical text; billing sees invoices and payments.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Literal

from gateway.domain.errors import AccessRestricted
from kit.errors import DomainError

Role = Literal["patient", "doctor", "reception", "billing", "admin"]


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


def ensure_may_make_requests(principal: Principal) -> None:
    """Refuse new bookings, renewals and eConsultations while any access rule fails (403 access.*)."""
    if principal.restrictions:
        raise AccessRestricted(code=principal.restrictions[0], restrictions=list(principal.restrictions))
