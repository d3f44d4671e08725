"""A medicine on the patient's list, and whether the portal may renew it.

The rules (domain-rules.md, "Prescription renewal"), checked in the order the clinic's page gives them:
only fixed medicines this clinic has prescribed; never group A; group B only with a standing agreement;
group C, except antibiotics (ATC J01), which need an examination.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from prescription.domain.errors import (
    Antibiotic,
    GroupA,
    GroupBNeedsAgreement,
    NotFixed,
    NotPrescribedHere,
    RenewalRefused,
)

Reseptgruppe = Literal["A", "B", "C"]
PrescribedBy = Literal["here", "hospital", "other_clinic"]
ANTIBIOTICS_ATC = "J01"  # WHO ATC: J01 = antibacterials for systemic use
ATC_PATTERN = r"^[A-Z][0-9]{2}[A-Z]{2}[0-9]{2}$"  # a whole substance code (level 5), e.g. A10BA02


@dataclass(frozen=True)
class Medication:
    id: uuid.UUID
    patient_id: uuid.UUID
    name: str
    strength: str
    atc_code: str
    reseptgruppe: Reseptgruppe
    fixed: bool
    prescribed_by: PrescribedBy
    added_at: datetime
    b_agreement: bool = False

    @property
    def is_antibiotic(self) -> bool:
        return self.atc_code.upper().startswith(ANTIBIOTICS_ATC)

    def why_not_renewable(self) -> type[RenewalRefused] | None:
        """The rule that keeps the portal from renewing this medicine, or None when it may."""
        if self.prescribed_by != "here":
            return NotPrescribedHere
        if not self.fixed:
            return NotFixed
        if self.reseptgruppe == "A":
            return GroupA
        if self.reseptgruppe == "B" and not self.b_agreement:
            return GroupBNeedsAgreement
        if self.is_antibiotic:
            return Antibiotic
        return None

    def ensure_renewable(self) -> None:
        refusal = self.why_not_renewable()
        if refusal is not None:
            raise refusal(medication_id=str(self.id))
