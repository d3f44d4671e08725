"""A payment kept and what it did to its invoice: a line of the OCR report, or the billing office's answer."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

from billing.domain.invoice import PaymentStatus
from billing.domain.money import format_nok

# A payment's outcome: the invoice's status after it (`open` only after a reversal left nothing paid), or why
# it was not counted on one. The OCR report sums up the ones the billing office looks at.
Outcome = PaymentStatus | Literal["unknown_kid", "reversal", "duplicate"]
OUTCOMES: tuple[Outcome, ...] = ("paid", "part_paid", "over_paid", "unknown_kid", "reversal", "duplicate")


@dataclass(frozen=True)
class AppliedPayment:
    payment_id: uuid.UUID
    kid: str | None
    amount_ore: int
    paid_on: date
    invoice_id: uuid.UUID | None  # None: the KID named no invoice of ours
    patient_id: uuid.UUID | None
    outcome: Outcome
    outstanding_ore: int | None = None  # None: no invoice to owe on
    invoice_status: PaymentStatus | None = None  # None: nothing was counted (a duplicate, an unknown KID)

    def as_json(self) -> dict[str, Any]:
        line: dict[str, Any] = {
            "payment_id": str(self.payment_id), "kid": self.kid, "amount_ore": self.amount_ore,
            "amount_nok": format_nok(self.amount_ore), "paid_on": self.paid_on.isoformat(),
            "invoice_id": str(self.invoice_id) if self.invoice_id else None,
            "patient_id": str(self.patient_id) if self.patient_id else None, "outcome": self.outcome}
        if self.outstanding_ore is not None:
            line["outstanding_ore"] = self.outstanding_ore
        if self.invoice_status is not None:
            line["invoice_status"] = self.invoice_status
        return line
