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

Role = Literal["patient", "guardian", "doctor", "reception", "billing", "admin"]
# What a patient route needs of a guardian acting for a child (domain-rules.md, "Acting for a child"): the
# child's whole portal (under 12), or appointments only (book, cancel, see times: also from 12 to 15).
Scope = Literal["everything", "appointments"]


@dataclass(frozen=True)
class ActingFor:
    """The child a guardian's session acts for, as identity worked it out for this request (the age rule on the
    clinic's clock, the link to the guardian). `refusal` is set when the guardian may do nothing for the child
    now: proxy.child_of_age from the 16th birthday, proxy.not_guardian once reception removed the guardian."""

    patient_id: uuid.UUID
    first_name: str
    age_band: str
    scope: Scope | None
    refusal: str | None = None


@dataclass(frozen=True)
class Principal:
    """The caller. For a guardian acting for a child, the patient fields (patient_id, gp_id, gp_name,
    restrictions) are the child's, and the rest (subject_id, name) the guardian's own: every patient route then
    acts for the child, and the audit names both."""

    kind: Literal["patient", "guardian", "staff"]
    subject_id: uuid.UUID  # the patient's id, the guardian's (not our patient), or the staff member's
    role: Role
    session_id: str
    restrictions: tuple[str, ...] = field(default=())  # access.* codes of the patient acted for
    gp_id: uuid.UUID | None = None  # the GP of the patient acted for
    name: str | None = None
    gp_name: str | None = None
    language: str | None = None  # a patient's chosen language (nb, nn, en)
    login_method: str | None = None  # how the session began: sms, idporten, password
    acr: str | None = None  # ID-porten's level of assurance
    guardian_id: uuid.UUID | None = None  # the person logged in is some child's guardian
    acting_for: ActingFor | None = None

    @property
    def patient_id(self) -> uuid.UUID:
        """The patient every patient route acts for: the child chosen, or oneself."""
        if self.acting_for is not None:
            return self.acting_for.patient_id
        if self.kind != "patient":
            raise DomainError(code="forbidden", status=403)
        return self.subject_id

    @property
    def acting_guardian_id(self) -> uuid.UUID | None:
        """The guardian making this request for a child, or None when patients act for themselves."""
        return self.guardian_id if self.acting_for is not None else None


class ChildConfidential(DomainError):
    code, status, title = ("proxy.child_confidential", 403,
                           "Fra barnet er 12 år, kan foreldre bare se og bestille timer for barnet.")


class ChooseWhom(DomainError):
    code, status, title = "forbidden", 403, "Velg hvilket barn du vil bruke portalen for."


def ensure_may_act(principal: Principal, needs: Scope) -> None:
    """A patient route's check of whom it acts for: a patient for themselves always; a guardian for the child
    chosen only as far as the child's age allows (403 proxy.child_of_age, proxy.not_guardian,
    proxy.child_confidential); a guardian who is not our patient only for a child."""
    acting = principal.acting_for
    if acting is None:
        if principal.kind != "patient":
            raise ChooseWhom()
        return
    if acting.refusal is not None or acting.scope is None:
        raise DomainError(code=acting.refusal or "proxy.child_of_age", status=403,
                          title="Du kan ikke lenger bruke portalen for dette barnet.")
    if needs == "everything" and acting.scope != "everything":
        raise ChildConfidential()


def ensure_may_make_requests(principal: Principal) -> None:
    """Refuse new bookings, renewals and eConsultations while any access rule fails (403 access.*)."""
    if principal.restrictions:
        raise AccessRestricted(code=principal.restrictions[0], restrictions=list(principal.restrictions))
