"""A patient on the clinic's list, and what it takes to register one.

Every field the database constrains is checked here first, so that a bad value is a refusal with its code (and,
in an import, one refused line) rather than a constraint violation that fails the whole request."""

from __future__ import annotations

import unicodedata
import uuid
from dataclasses import dataclass
from datetime import date

from contracts.events import LANGUAGES, Language, PatientGpChanged, PatientRegistered, PatientUpdated
from identity.domain.contact import InvalidMobile, normalise_mobile
from identity.domain.national_id import InvalidNationalId, NationalId, parse_national_id
from kit.errors import DomainError

NAME_LENGTH = 200  # patients.name: 1 to 200 characters (migrations/0001_patients.sql)
EMAIL_LENGTH = 254  # the longest address SMTP carries (RFC 5321)
EARLIEST_BIRTH_DATE = date(1890, 1, 1)  # older than anyone alive: a date before it is a typing error
# Characters no name or address holds: control characters (a CR or LF in an e-mail address would break every
# message sent to it, a NUL cannot be stored), lone surrogates, and the line and paragraph separators.
_UNWRITABLE = frozenset({"Cc", "Cs", "Zl", "Zp"})


class InvalidPatient(DomainError):
    status = 422
    title = "Pasienten kan ikke registreres slik."


@dataclass
class Patient:
    id: uuid.UUID
    national_id: NationalId
    name: str
    birth_date: date
    mobile: str | None
    email: str | None
    gp_id: uuid.UUID | None
    first_contact_done: bool = False
    language: Language = "nb"

    @classmethod
    def register(cls, *, national_id: str, name: str, birth_date: date, mobile: str | None, email: str | None,
                 gp_id: uuid.UUID | None, allow_test_identities: bool, today: date,
                 patient_id: uuid.UUID | None = None, first_contact_done: bool = False) -> Patient:
        try:
            nid = parse_national_id(national_id, allow_test_identities=allow_test_identities)
        except InvalidNationalId as exc:
            raise InvalidPatient(f"Ugyldig fødselsnummer: {exc}", code="validation.national_id") from exc
        try:
            normalised = normalise_mobile(mobile) if mobile else None
        except InvalidMobile as exc:
            raise InvalidPatient(f"Ugyldig mobilnummer: {exc}", code="validation.mobile") from exc
        return cls(patient_id or uuid.uuid4(), nid, patient_name(name), _birth_date(birth_date, today), normalised,
                   _email(email) if email else None, gp_id, first_contact_done)

    def change(self, *, name: str | None = None, mobile: str | None = None, email: str | None = None,
               gp_id: uuid.UUID | None = None, first_contact_done: bool | None = None,
               language: str | None = None, clear: frozenset[str] = frozenset()) -> PatientGpChanged | None:
        """Reception's update (or the patient's own choice of language): given fields change, fields named in
        `clear` (mobile, email) are removed.

        A new GP makes the first contact due again ("Har du fått ny fastlege her, må du ringe første gangen"):
        the portal refuses new requests until reception marks it done, in this change or a later one. Returns
        the change of GP, if there was one."""
        moved = None
        if gp_id is not None and gp_id != self.gp_id:
            moved = PatientGpChanged(patient_id=self.id, previous_gp_id=self.gp_id, gp_id=gp_id)
            self.first_contact_done = False
        if name is not None:
            self.name = patient_name(name)
        if mobile is not None:
            try:
                self.mobile = normalise_mobile(mobile)
            except InvalidMobile as exc:
                raise InvalidPatient(f"Ugyldig mobilnummer: {exc}", code="validation.mobile") from exc
        if email is not None:
            self.email = _email(email)
        if gp_id is not None:
            self.gp_id = gp_id
        if first_contact_done is not None:
            self.first_contact_done = first_contact_done
        if language is not None:
            if language not in LANGUAGES:
                raise InvalidPatient("Språket må være nb, nn eller en.", code="validation.language")
            self.language = language
        if "mobile" in clear:
            self.mobile = None
        if "email" in clear:
            self.email = None
        return moved

    def snapshot(self, updated: bool = False) -> PatientRegistered | PatientUpdated:
        cls = PatientUpdated if updated else PatientRegistered
        return cls(patient_id=self.id, gp_id=self.gp_id, name=self.name, birth_date=self.birth_date,
                   mobile=self.mobile, email=self.email, first_contact_done=self.first_contact_done,
                   language=self.language)


def _writable(text: str) -> bool:
    return not any(unicodedata.category(c) in _UNWRITABLE for c in text)


def patient_name(raw: str) -> str:
    """A name as the registry writes it: trimmed, 1 to 200 characters, nothing unwritable."""
    name = raw.strip()
    if not name:
        raise InvalidPatient("Navn mangler.", code="validation.name")
    if len(name) > NAME_LENGTH or not _writable(name):
        raise InvalidPatient(f"Navnet kan ha høyst {NAME_LENGTH} tegn og ingen kontrolltegn.", code="validation.name")
    return name


def _birth_date(born: date, today: date) -> date:
    if not EARLIEST_BIRTH_DATE <= born <= today:
        raise InvalidPatient(f"Fødselsdatoen må være mellom {EARLIEST_BIRTH_DATE:%d.%m.%Y} og i dag.",
                             code="validation.birth_date")
    return born


def _email(raw: str) -> str:
    email = raw.strip()
    local, _, domain = email.partition("@")
    if (not local or "." not in domain or len(email) > EMAIL_LENGTH or not _writable(email)
            or any(c.isspace() for c in email)):
        raise InvalidPatient("Ugyldig e-postadresse.", code="validation.email")
    return email
