"""The refusals of eConsultation, named for the rule they protect. Codes are a contract (domain-rules.md)."""

from __future__ import annotations

from kit.errors import DomainError, NotFound


class QuestionEmpty(DomainError):
    code, status, title = "econsult.empty", 422, "Skriv spørsmålet ditt før du sender."


class QuestionTooLong(DomainError):
    code, status, title = "econsult.too_long", 422, "Spørsmålet kan være på høyst 500 tegn."


class TermsNotAccepted(DomainError):
    code, status, title = ("econsult.terms_not_accepted", 422,
                           "Du må bekrefte at du har lest hva eKonsultasjon kan brukes til, og prisen.")


class EConsultClosed(DomainError):
    code, status, title = "econsult.closed", 409, "Fastlegen din tar ikke imot eKonsultasjoner nå."


class AlreadyHandled(DomainError):
    code, status, title = "econsult.already_handled", 409, "eKonsultasjonen er allerede besvart eller avvist."


class AlreadyOpened(DomainError):
    code, status, title = ("econsult.already_opened", 409,
                           "Legen har allerede åpnet eKonsultasjonen, så den kan ikke trekkes tilbake.")


class ReplyEmpty(DomainError):
    code, status, title = "econsult.reply_empty", 422, "Svaret eller begrunnelsen kan ikke være tom."


class ReplyTooLong(DomainError):
    code, status, title = "econsult.reply_too_long", 422, "Svaret eller begrunnelsen er for lang."


class EConsultationNotFound(NotFound):
    title = "Fant ikke eKonsultasjonen."
