"""The day a payment registered by hand came in: a day that can have been (issue 14: 0001-01-01 and 9999-12-31
were taken, and the invoice's history with them)."""

from __future__ import annotations

from datetime import date

from kit.errors import DomainError


class ImpossiblePaymentDate(DomainError):
    code, status, title = "validation.payment_date", 422, "Innbetalingsdatoen er ikke mulig."


def ensure_possible_payment_date(paid_on: date, *, issued_on: date, today: date) -> None:
    """Money for an invoice comes in after its KID existed (the invoice was issued) and not after today."""
    if paid_on > today:
        raise ImpossiblePaymentDate("Innbetalingsdatoen kan ikke være frem i tid.")
    if paid_on < issued_on:
        raise ImpossiblePaymentDate(f"Innbetalingsdatoen er før fakturaen ble sendt ({issued_on:%d.%m.%Y}).")
