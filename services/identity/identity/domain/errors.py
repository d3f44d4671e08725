"""The refusals of identity's rules, named for the rule they protect. Codes are a contract (domain-rules.md):
never rename one."""

from __future__ import annotations

from identity.domain.staff import MIN_PASSWORD
from kit.errors import DomainError


class SessionEnded(DomainError):
    code, status, title = "auth.required", 401, "Du må logge inn."


class WeakPassword(DomainError):
    code, status, title = "validation.password", 422, f"Passordet må ha minst {MIN_PASSWORD} tegn."


class InvalidStaff(DomainError):
    code, status, title = "validation.staff", 422, "Ugyldig ansatt."


class UnknownGp(DomainError):
    code, status, title = "validation.unknown_gp", 422, "Fastlegen finnes ikke hos oss."


class HashingBusy(DomainError):
    code, status, title = "service.unavailable", 503, "Tjenesten er midlertidig utilgjengelig. Prøv igjen om litt."


class StaffAlreadyRegistered(DomainError):
    code, status, title = "identity.staff_exists", 409, "Brukernavnet er allerede i bruk."


class PatientAlreadyRegistered(DomainError):
    code, status, title = "identity.patient_exists", 409, "Pasienten er allerede registrert."


class IdPortenOff(DomainError):
    code, status, title = "auth.idporten_off", 404, "Innlogging med ID-porten er ikke slått på her."
