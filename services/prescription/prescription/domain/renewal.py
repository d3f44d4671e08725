"""A renewal request (reseptfornyelse): 1 to 3 different medicines from the patient's list, due in 5 working
days, each medicine approved or rejected by the patient's GP.

The message and the doctor's reasons are health data: they stay here and never travel in events.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Literal

from contracts.events import RenewalRejected, RenewalRequested
from kit.clock import oslo
from kit.working_days import WorkingDays
from prescription.domain.errors import (
    AlreadyDecided,
    DecisionEmpty,
    DuplicateMedicine,
    NoGp,
    NotInRequest,
    ReasonRequired,
    RenewalEmpty,
    TooManyMedicines,
    UnknownMedicine,
)
from prescription.domain.medicines import Medication

MAX_MEDICINES = 3
HANDLED_WITHIN_WORKING_DAYS = 5
Channel = Literal["portal", "phone"]
Outcome = Literal["approved", "rejected"]


@dataclass(frozen=True)
class RenewalItem:
    medication_id: uuid.UUID
    name: str
    strength: str
    outcome: Outcome | None = None
    reason: str | None = None
    decided_by: uuid.UUID | None = None
    decided_at: datetime | None = None


@dataclass(frozen=True)
class RenewalRequest:
    id: uuid.UUID
    patient_id: uuid.UUID
    doctor_id: uuid.UUID
    channel: Channel
    message: str | None
    registered_by: uuid.UUID | None
    created_at: datetime
    due_date: date
    items: tuple[RenewalItem, ...]
    decided_at: datetime | None = None
    requested_by_guardian_id: uuid.UUID | None = None  # a guardian asked for the child: their SMS (issue 19)

    @property
    def status(self) -> Literal["open", "decided"]:
        return "open" if any(i.outcome is None for i in self.items) else "decided"

    def overdue(self, now: datetime) -> bool:
        return self.status == "open" and oslo(now).date() > self.due_date

    def requested_event(self) -> RenewalRequested:
        return RenewalRequested(renewal_id=self.id, patient_id=self.patient_id, doctor_id=self.doctor_id,
                                channel=self.channel, medication_ids=[i.medication_id for i in self.items],
                                due_date=self.due_date)

    def decide(self, decisions: Sequence[tuple[uuid.UUID, bool, str | None]], doctor_id: uuid.UUID,
               now: datetime) -> tuple[RenewalRequest, list[RenewalItem], RenewalRejected | None]:
        """Approve or reject some or all of the medicines still open. Returns the request as it is now, the
        items approved by this decision (to be sent as e-prescriptions) and the rejection event, if any."""
        if not decisions:
            raise DecisionEmpty()
        ids = [medication_id for medication_id, _, _ in decisions]
        if len(set(ids)) != len(ids):
            raise DuplicateMedicine()
        by_id = {i.medication_id: i for i in self.items}
        decided: dict[uuid.UUID, RenewalItem] = {}
        for medication_id, approve, reason in decisions:
            item = by_id.get(medication_id)
            if item is None:
                raise NotInRequest(medication_id=str(medication_id))
            if item.outcome is not None:
                raise AlreadyDecided(medication_id=str(medication_id))
            reason = (reason or "").strip() or None
            if not approve and reason is None:
                raise ReasonRequired(medication_id=str(medication_id))
            decided[medication_id] = replace(item, outcome="approved" if approve else "rejected", reason=reason,
                                             decided_by=doctor_id, decided_at=now)
        items = tuple(decided.get(i.medication_id, i) for i in self.items)
        updated = replace(self, items=items)
        if updated.status == "decided":
            updated = replace(updated, decided_at=now)
        approved = [i for i in decided.values() if i.outcome == "approved"]
        rejected = [i.medication_id for i in decided.values() if i.outcome == "rejected"]
        event = RenewalRejected(renewal_id=self.id, patient_id=self.patient_id, doctor_id=doctor_id,
                                medication_ids=rejected,
                                requested_by_guardian_id=self.requested_by_guardian_id) if rejected else None
        return updated, approved, event


def due_date(asked_at: datetime, working_days: WorkingDays) -> date:
    """5 working days after the Oslo day it was asked; computed again when the clinic closes or reopens a day."""
    return working_days.due_after(asked_at, HANDLED_WITHIN_WORKING_DAYS)


def request_renewal(*, patient_id: uuid.UUID, gp_id: uuid.UUID | None, medication_ids: Sequence[uuid.UUID],
                    medicine_list: Mapping[uuid.UUID, Medication], channel: Channel, message: str | None,
                    registered_by: uuid.UUID | None, now: datetime, working_days: WorkingDays,
                    requested_by_guardian_id: uuid.UUID | None = None) -> RenewalRequest:
    """A new request, checked against every rule. The one-open-request rule is the caller's (and the
    database's): it needs the other requests."""
    if not medication_ids:
        raise RenewalEmpty()
    if len(medication_ids) > MAX_MEDICINES:
        raise TooManyMedicines()
    if len(set(medication_ids)) != len(medication_ids):
        raise DuplicateMedicine()
    medicines = []
    for medication_id in medication_ids:
        medicine = medicine_list.get(medication_id)
        if medicine is None or medicine.patient_id != patient_id:
            raise UnknownMedicine(medication_id=str(medication_id))
        medicine.ensure_renewable()
        medicines.append(medicine)
    if gp_id is None:
        raise NoGp()
    return RenewalRequest(
        id=uuid.uuid4(), patient_id=patient_id, doctor_id=gp_id, channel=channel,
        message=(message or "").strip() or None, registered_by=registered_by, created_at=now,
        due_date=due_date(now, working_days),
        items=tuple(RenewalItem(m.id, m.name, m.strength) for m in medicines),
        requested_by_guardian_id=requested_by_guardian_id)
