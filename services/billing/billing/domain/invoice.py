"""An invoice's life: issued, paid (in part, in full or beyond), overdue after its due date."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Literal

from billing.domain.money import format_nok

PaymentStatus = Literal["open", "part_paid", "paid", "over_paid"]
# What staff and patients see: the payment status, or `overdue` while an overdue invoice is unsettled.
ShownStatus = Literal["open", "part_paid", "paid", "over_paid", "overdue"]
SETTLED: tuple[PaymentStatus, ...] = ("paid", "over_paid")


def due_date(issued_on: date, due_days: int) -> date:
    return issued_on + timedelta(days=due_days)


def is_overdue(due: date, today: date) -> bool:
    """Overdue from the day after the due date: paying on the due date is paying in time."""
    return today > due


def status_after(amount_ore: int, total_paid_ore: int) -> PaymentStatus:
    """Part and over payments are kept and flagged: the status says which."""
    if total_paid_ore <= 0:
        return "open"
    if total_paid_ore < amount_ore:
        return "part_paid"
    if total_paid_ore == amount_ore:
        return "paid"
    return "over_paid"


def shown_status(status: PaymentStatus, overdue_on: date | None) -> ShownStatus:
    if status not in SETTLED and overdue_on is not None:
        return "overdue"
    return status


@dataclass(frozen=True)
class Invoice:
    id: uuid.UUID
    econsult_id: uuid.UUID
    patient_id: uuid.UUID
    kid: str
    account_number: str
    copayment_ore: int
    fee_ore: int
    amount_ore: int
    issued_on: date
    due_date: date
    status: PaymentStatus
    paid_ore: int
    overdue_on: date | None
    settled_on: date | None

    @property
    def shown_status(self) -> ShownStatus:
        return shown_status(self.status, self.overdue_on)

    @property
    def outstanding_ore(self) -> int:
        return max(0, self.amount_ore - self.paid_ore)

    def as_json(self) -> dict[str, Any]:
        return {
            "id": str(self.id), "econsult_id": str(self.econsult_id), "patient_id": str(self.patient_id),
            "kid": self.kid, "account_number": self.account_number,
            "copayment_ore": self.copayment_ore, "fee_ore": self.fee_ore, "amount_ore": self.amount_ore,
            "amount_nok": format_nok(self.amount_ore), "paid_ore": self.paid_ore,
            "outstanding_ore": self.outstanding_ore, "issued_on": self.issued_on.isoformat(),
            "due_date": self.due_date.isoformat(), "status": self.shown_status,
            "overdue_on": self.overdue_on.isoformat() if self.overdue_on else None,
            "settled_on": self.settled_on.isoformat() if self.settled_on else None,
        }


@dataclass(frozen=True)
class InvoiceTerms:
    """The clinic's side of every invoice: who is paid, into which account, within how many days."""

    clinic_name: str
    clinic_address: str
    account_number: str
    due_days: int
