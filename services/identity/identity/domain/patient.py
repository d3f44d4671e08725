"""A patient on the clinic's list, and what it takes to register one."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date

from contracts.events import PatientGpChanged, PatientRegistered, PatientUpdated
from identity.domain.contact import InvalidMobile, normalise_mobile
from identity.domain.national_id import InvalidNationalId, NationalId, parse_national_id
from kit.errors import DomainError


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

    @classmethod
    def register(cls, *, national_id: str, name: str, birth_date: date, mobile: str | None, email: str | None,
                 gp_id: uuid.UUID | None, allow_test_identities: bool, patient_id: uuid.UUID | None = None,
                 first_contact_done: bool = False) -> Patient:
        try:
            nid = parse_national_id(national_id, allow_test_identities=allow_test_identities)
        except InvalidNationalId as exc:
            raise InvalidPatient(f"Ugyldig fødselsnummer: {exc}", code="validation.national_id") from exc
        try:
            normalised = normalise_mobile(mobile) if mobile else None
        except InvalidMobile as exc:
            raise InvalidPatient(f"Ugyldig mobilnummer: {exc}", code="validation.mobile") from exc
        if not name.strip():
            raise InvalidPatient("Navn mangler.", code="validation.name")
        return cls(patient_id or uuid.uuid4(), nid, name.strip(), birth_date, normalised,
                   _email(email) if email else None, gp_id, first_contact_done)

    def change(self, *, name: str | None = None, mobile: str | None = None, email: str | None = None,
               gp_id: uuid.UUID | None = None, first_contact_done: bool | None = None,
               clear: frozenset[str] = frozenset()) -> PatientGpChanged | None:
        """Reception's update: given fields change, fields named in `clear` (mobile, email) are removed.

        A new GP makes the first contact due again ("Har du fått ny fastlege her, må du ringe første gangen"):
        the portal refuses new requests until reception marks it done, in this change or a later one. Returns
        the change of GP, if there was one."""
        moved = None
        if gp_id is not None and gp_id != self.gp_id:
            moved = PatientGpChanged(patient_id=self.id, previous_gp_id=self.gp_id, gp_id=gp_id)
            self.first_contact_done = False
        if name is not None:
            if not name.strip():
                raise InvalidPatient("Navn mangler.", code="validation.name")
            self.name = name.strip()
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
        if "mobile" in clear:
            self.mobile = None
        if "email" in clear:
            self.email = None
        return moved

    def snapshot(self, updated: bool = False) -> PatientRegistered | PatientUpdated:
        cls = PatientUpdated if updated else PatientRegistered
        return cls(patient_id=self.id, gp_id=self.gp_id, name=self.name, birth_date=self.birth_date,
                   mobile=self.mobile, email=self.email, first_contact_done=self.first_contact_done)


def _email(raw: str) -> str:
    email = raw.strip()
    local, _, domain = email.partition("@")
    if not local or "." not in domain or " " in email or len(email) > 254:
        raise InvalidPatient("Ugyldig e-postadresse.", code="validation.email")
    return email
