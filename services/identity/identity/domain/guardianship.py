"""Acting for a child (domain-rules.md, "Acting for a child"): what a guardian may do, by the child's age.

The age is the child's age on the clinic's clock (Europe/Oslo) from the registry's birth date, worked out
afresh whenever it is asked: a guardian's access ends on the 16th birthday without any job having to run.
A 29 February birthday counts on 1 March in years without one (the rule the domain rules give, and the
Norwegian convention).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal

from identity.domain.contact import InvalidMobile, normalise_mobile
from identity.domain.national_id import InvalidNationalId, NationalId, parse_national_id
from identity.domain.patient import InvalidPatient, patient_name
from kit.clock import oslo
from kit.errors import DomainError

ALONE_FROM = 12  # a child logs in alone from this birthday; the guardian's access narrows to appointments
OF_AGE_FROM = 16  # from this birthday the guardian has no access at all

# What a guardian may do for a child of the band: everything the child's portal offers, appointments only
# (book, cancel, see times; never the reason), or nothing.
AgeBand = Literal["under_12", "12_to_15", "16_and_over"]
Scope = Literal["everything", "appointments"]


class NotGuardian(DomainError):
    code, status, title = "proxy.not_guardian", 403, "Du kan ikke opptre for denne personen."


class ChildOfAge(DomainError):
    code, status, title = ("proxy.child_of_age", 403,
                           "Barnet har fylt 16 år. Foreldre har ikke lenger tilgang til barnets side.")


class ChildNeedsGuardian(DomainError):
    code, status, title = ("access.child_needs_guardian", 403,
                           "Barn under 12 år kan ikke logge inn selv. En forelder kan logge inn og bruke "
                           "portalen for barnet.")


def birthday(birth_date: date, years: int) -> date:
    """The day the person turns `years`: 29 February counts on 1 March in a year without it."""
    try:
        return birth_date.replace(year=birth_date.year + years)
    except ValueError:  # 29 February, and the year is not a leap year
        return date(birth_date.year + years, 3, 1)


def has_turned(birth_date: date, years: int, now: datetime) -> bool:
    """Whether the person is `years` old at `now`, from the first moment of that birthday in Oslo."""
    return oslo(now).date() >= birthday(birth_date, years)


def age_band(birth_date: date, now: datetime) -> AgeBand:
    if has_turned(birth_date, OF_AGE_FROM, now):
        return "16_and_over"
    if has_turned(birth_date, ALONE_FROM, now):
        return "12_to_15"
    return "under_12"


def guardian_scope(birth_date: date, now: datetime) -> Scope | None:
    """What a guardian may do for the child at `now`: None from the 16th birthday."""
    return {"under_12": "everything", "12_to_15": "appointments", "16_and_over": None}[age_band(birth_date, now)]


def may_log_in_alone(birth_date: date, now: datetime) -> bool:
    return has_turned(birth_date, ALONE_FROM, now)


@dataclass(frozen=True)
class GuardianDetails:
    """A guardian as reception registers them from the national registry: a valid national ID and a Norwegian
    mobile (the login code goes there), and the name the child's access log shows."""

    national_id: NationalId
    name: str
    mobile: str

    @classmethod
    def of(cls, *, national_id: str, name: str, mobile: str, allow_test_identities: bool) -> GuardianDetails:
        try:
            nid = parse_national_id(national_id, allow_test_identities=allow_test_identities)
        except InvalidNationalId as exc:
            raise InvalidPatient(f"Ugyldig fødselsnummer: {exc}", code="validation.national_id") from exc
        try:
            normalised = normalise_mobile(mobile)
        except InvalidMobile as exc:
            raise InvalidPatient(f"Ugyldig mobilnummer: {exc}", code="validation.mobile") from exc
        return cls(nid, patient_name(name), normalised)


class GuardianIsChild(DomainError):
    code, status, title = "validation.guardian_is_child", 422, "Et barn kan ikke være sin egen foresatte."
