"""The refusals of billing's rules, named for the rule they protect. Codes are a contract (domain-rules.md):
never rename one."""

from __future__ import annotations

from kit.errors import DomainError


class PaymentAlreadyPlaced(DomainError):
    code, status, title = "billing.payment_already_placed", 409, "Innbetalingen er allerede ført på en faktura."


class WrongAccount(DomainError):
    code, status, title = "validation.ocr_account", 422, "OCR-filen gjelder en annen konto enn klinikkens."


class NoTariff(DomainError):
    code, status, title = "billing.no_tariff", 503, "Prisen for eKonsultasjon er ikke registrert."
