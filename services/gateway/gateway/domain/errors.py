"""The gateway's own refusals, each with its stable code (domain-rules.md, api.md)."""

from __future__ import annotations

from kit.errors import DomainError


class AuthRequired(DomainError):
    code, status, title = "auth.required", 401, "Du må logge inn."


class CsrfRefused(DomainError):
    code, status, title = "auth.csrf", 403, "Siden var utdatert. Last siden på nytt og prøv igjen."


class AccessRestricted(DomainError):
    """The code is the first access.* rule that fails (see ensure_may_make_requests)."""
    status, title = 403, "Du kan ikke sende nye forespørsler i portalen nå."


class AuditUnavailable(DomainError):
    code, status, title = "audit.unavailable", 503, "Tjenesten er midlertidig utilgjengelig. Prøv igjen om litt."


class UnknownDoctor(DomainError):
    code, status, title = "booking.unknown_doctor", 422, "Legen finnes ikke hos oss."


class WebClientMissing(DomainError):
    code, status, title = "web.not_built", 503, "Nettportalen er ikke bygget (kjør make install)."
