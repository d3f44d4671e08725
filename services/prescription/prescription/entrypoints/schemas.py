"""What prescription's own HTTP API takes and answers (reached only by the gateway)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool

from prescription.domain.medicines import ATC_PATTERN, Medication, PrescribedBy, Reseptgruppe
from prescription.domain.renewal import Channel, Outcome, RenewalRequest


class In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class MedicationIn(In):
    doctor_id: uuid.UUID
    name: str = Field(min_length=1, max_length=200)
    strength: str = Field(default="", max_length=100)
    atc_code: str = Field(pattern=ATC_PATTERN)
    reseptgruppe: Reseptgruppe
    fixed: StrictBool
    prescribed_by: PrescribedBy


class MedicationChange(In):
    doctor_id: uuid.UUID
    name: str | None = Field(default=None, min_length=1, max_length=200)
    strength: str | None = Field(default=None, max_length=100)
    atc_code: str | None = Field(default=None, pattern=ATC_PATTERN)
    reseptgruppe: Reseptgruppe | None = None
    fixed: StrictBool | None = None
    prescribed_by: PrescribedBy | None = None


class AgreementIn(In):
    doctor_id: uuid.UUID
    active: StrictBool = True


class RenewalIn(In):
    patient_id: uuid.UUID
    medication_ids: list[uuid.UUID] = Field(max_length=50)  # the rules count; this only bounds parsing
    message: str | None = Field(default=None, max_length=1000)
    channel: Channel = "portal"
    registered_by: uuid.UUID | None = None
    requested_by_guardian_id: uuid.UUID | None = Field(default=None, description="A guardian asking for the child.")


class DecisionItemIn(In):
    medication_id: uuid.UUID
    approve: StrictBool
    reason: str | None = Field(default=None, max_length=1000)


class DecisionIn(In):
    doctor_id: uuid.UUID
    items: list[DecisionItemIn] = Field(max_length=50)


class ModeIn(In):
    mode: Literal["up", "down", "hang_after_receipt"]


class MedicationOut(BaseModel):
    id: uuid.UUID
    patient_id: uuid.UUID
    name: str
    strength: str
    atc_code: str
    reseptgruppe: Reseptgruppe
    fixed: bool
    prescribed_by: PrescribedBy
    b_agreement: bool
    renewable: bool
    code: str | None = Field(description="When not renewable: the renewal.* code of the rule that says why.")
    reason: str | None = Field(description="The same, as a sentence for the patient.")

    @classmethod
    def of(cls, m: Medication) -> MedicationOut:
        refusal = m.why_not_renewable()
        return cls(id=m.id, patient_id=m.patient_id, name=m.name, strength=m.strength, atc_code=m.atc_code,
                   reseptgruppe=m.reseptgruppe, fixed=m.fixed, prescribed_by=m.prescribed_by,
                   b_agreement=m.b_agreement, renewable=refusal is None,
                   code=refusal.code if refusal else None, reason=refusal.title if refusal else None)


class RenewalItemOut(BaseModel):
    medication_id: uuid.UUID
    name: str
    strength: str
    outcome: Outcome | None
    reason: str | None = Field(description="The doctor's reason for a rejection, for the patient.")
    decided_at: datetime | None
    prescription: Literal["sending", "sent"] | None = Field(
        description="For an approved medicine: whether the e-prescription has reached the pharmacies yet.")
    sent_at: datetime | None


class RenewalOut(BaseModel):
    id: uuid.UUID
    patient_id: uuid.UUID
    doctor_id: uuid.UUID
    patient_name: str | None = None
    channel: Channel
    status: Literal["open", "decided"]
    message: str | None
    created_at: datetime
    due_date: date
    overdue: bool
    decided_at: datetime | None
    price_ore: int = Field(0, description="Renewals are free of charge, always.")
    items: list[RenewalItemOut]

    @classmethod
    def of(cls, r: RenewalRequest, now: datetime, sent: dict[tuple[uuid.UUID, uuid.UUID], datetime | None],
           patient_name: str | None = None) -> RenewalOut:
        def state(medication_id: uuid.UUID) -> Literal["sending", "sent"] | None:
            if (r.id, medication_id) not in sent:
                return None
            return "sent" if sent[(r.id, medication_id)] is not None else "sending"
        return cls(
            id=r.id, patient_id=r.patient_id, doctor_id=r.doctor_id, patient_name=patient_name, channel=r.channel,
            status=r.status, message=r.message, created_at=r.created_at, due_date=r.due_date, overdue=r.overdue(now),
            decided_at=r.decided_at,
            items=[RenewalItemOut(medication_id=i.medication_id, name=i.name, strength=i.strength, outcome=i.outcome,
                                  reason=i.reason, decided_at=i.decided_at, prescription=state(i.medication_id),
                                  sent_at=sent.get((r.id, i.medication_id))) for i in r.items])
