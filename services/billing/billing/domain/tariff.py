"""What an answered eConsultation costs the patient, and who pays nothing.

The co-payment (egenandel) is set by the state and counts toward the patient's frikort; the invoice fee
is the clinic's and does not. A patient with a frikort for the year, or a child under 16, pays nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Literal

from billing.domain.money import format_nok

ExemptReason = Literal["frikort", "under_16"]
EXEMPT_UNTIL_AGE = 16


@dataclass(frozen=True)
class Tariff:
    id: int
    copayment_ore: int
    fee_ore: int
    valid_from: date
    valid_to: date | None  # exclusive; None: until a newer tariff is registered


@dataclass(frozen=True)
class Price:
    """What the patient pays: the same shape the econsult service shows before sending."""

    tariff_id: int
    copayment_ore: int
    fee_ore: int
    exempt_reason: ExemptReason | None

    @property
    def amount_ore(self) -> int:
        return self.copayment_ore + self.fee_ore

    def as_json(self) -> dict[str, object]:
        return {"copayment_ore": self.copayment_ore, "fee_ore": self.fee_ore, "amount_ore": self.amount_ore,
                "amount_nok": format_nok(self.amount_ore), "exempt": self.exempt_reason is not None,
                "exempt_reason": self.exempt_reason}


def age_on(birth_date: date, on: date) -> int:
    had_birthday = (on.month, on.day) >= (birth_date.month, birth_date.day)
    return on.year - birth_date.year - (0 if had_birthday else 1)


def exempt_reason(*, birth_date: date | None, has_frikort: bool, on: date) -> ExemptReason | None:
    """Why the patient pays nothing on `on`, if they do not. Age first: a child needs no frikort."""
    if birth_date is not None and age_on(birth_date, on) < EXEMPT_UNTIL_AGE:
        return "under_16"
    if has_frikort:
        return "frikort"
    return None


def price(tariff: Tariff, reason: ExemptReason | None) -> Price:
    if reason is not None:
        return Price(tariff.id, 0, 0, reason)
    return Price(tariff.id, tariff.copayment_ore, tariff.fee_ore, None)
