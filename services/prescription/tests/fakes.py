"""prescription's repositories in memory (tests/support/fakes.py): what the handler tests run on."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Any

from kit.clock import oslo
from prescription.adapters.medicine_lists import CHANGEABLE
from prescription.domain.errors import AlreadyOnList, RequestAlreadyOpen
from prescription.domain.medicines import Medication
from prescription.domain.renewal import RenewalRequest
from tests.support.fakes import InMemoryUnitOfWork, Store


class FakeMedicineLists:
    def __init__(self, medications: dict[uuid.UUID, Medication], agreements: set[uuid.UUID]) -> None:
        self._medications, self._agreements = medications, agreements

    def _same(self, m: Medication, other: Medication) -> bool:  # the unique index: one name and strength a list
        return (other.id != m.id and other.patient_id == m.patient_id and other.name.lower() == m.name.lower()
                and other.strength.lower() == m.strength.lower())

    async def of_patient(self, patient_id: uuid.UUID) -> list[Medication]:
        mine = [m for m in self._medications.values() if m.patient_id == patient_id]
        return [await self._shown(m) for m in sorted(mine, key=lambda m: (m.name.lower(), m.strength))]

    async def _shown(self, m: Medication) -> Medication:
        return replace(m, b_agreement=m.id in self._agreements)

    async def get(self, medication_id: uuid.UUID) -> Medication | None:
        found = self._medications.get(medication_id)
        return await self._shown(found) if found else None

    async def add(self, m: Medication, added_by: uuid.UUID | None, *, upsert: bool = False) -> Medication:
        there = next((o for o in self._medications.values() if self._same(m, o)), None)
        if there is not None and not upsert:
            raise AlreadyOnList()
        kept = replace(there, atc_code=m.atc_code, reseptgruppe=m.reseptgruppe, fixed=m.fixed,
                       prescribed_by=m.prescribed_by) if there else replace(m, b_agreement=False)
        self._medications[kept.id] = kept
        return await self._shown(kept)

    async def change(self, medication_id: uuid.UUID, changes: dict[str, Any], at: datetime) -> None:
        changed = replace(self._medications[medication_id], **{k: v for k, v in changes.items() if k in CHANGEABLE})
        if any(self._same(changed, o) for o in self._medications.values()):
            raise AlreadyOnList()
        self._medications[medication_id] = changed

    async def set_b_agreement(self, medication_id: uuid.UUID, doctor_id: uuid.UUID, active: bool,
                              at: datetime) -> None:
        (self._agreements.add if active else self._agreements.discard)(medication_id)


class FakeRenewals:
    def __init__(self, renewals: dict[uuid.UUID, RenewalRequest]) -> None:
        self._renewals = renewals

    async def add(self, r: RenewalRequest) -> None:
        if await self.has_open(r.patient_id):  # the one-open-request index
            raise RequestAlreadyOpen()
        self._renewals[r.id] = r

    async def has_open(self, patient_id: uuid.UUID) -> bool:
        return any(r.patient_id == patient_id and r.status == "open" for r in self._renewals.values())

    async def get(self, renewal_id: uuid.UUID, *, for_update: bool = False) -> RenewalRequest | None:
        return self._renewals.get(renewal_id)

    async def of_patient(self, patient_id: uuid.UUID) -> list[RenewalRequest]:
        return sorted((r for r in self._renewals.values() if r.patient_id == patient_id),
                      key=lambda r: r.created_at, reverse=True)

    async def save_decision(self, r: RenewalRequest) -> None:
        stored = self._renewals[r.id]
        decided = {i.medication_id: i for i in r.items if i.outcome is not None}
        items = tuple(decided.get(i.medication_id, i) if i.outcome is None else i for i in stored.items)
        kept = replace(stored, items=items)
        if r.status == "decided" and stored.status == "open":
            kept = replace(kept, decided_at=r.decided_at)
        self._renewals[r.id] = kept

    async def move_open_to_gp(self, patient_id: uuid.UUID, gp_id: uuid.UUID) -> int:
        moving = [r for r in self._renewals.values()
                  if r.patient_id == patient_id and r.status == "open" and r.doctor_id != gp_id]
        for r in moving:
            self._renewals[r.id] = replace(r, doctor_id=gp_id)
        return len(moving)

    async def open_asked_before(self, day: date) -> list[RenewalRequest]:
        return [r for r in self._renewals.values()
                if r.status == "open" and r.due_date >= day and oslo(r.created_at).date() < day]

    async def set_due_date(self, renewal_id: uuid.UUID, due: date) -> None:
        self._renewals[renewal_id] = replace(self._renewals[renewal_id], due_date=due)


class FakeDispatches:
    def __init__(self, dispatches: list[dict[str, Any]]) -> None:
        self._dispatches = dispatches

    async def add(self, *, renewal_id: uuid.UUID, patient_id: uuid.UUID, doctor_id: uuid.UUID,
                  medicines: list[Medication], at: datetime) -> uuid.UUID:
        dispatch_id = uuid.uuid4()
        self._dispatches.append({"id": dispatch_id, "renewal_id": renewal_id, "patient_id": patient_id,
                                 "doctor_id": doctor_id, "medicines": [m.name for m in medicines], "at": at})
        return dispatch_id


@dataclass
class PrescriptionStore(Store):
    medications: dict[uuid.UUID, Medication] = field(default_factory=dict)
    agreements: set[uuid.UUID] = field(default_factory=set)
    renewals: dict[uuid.UUID, RenewalRequest] = field(default_factory=dict)
    dispatches: list[dict[str, Any]] = field(default_factory=list)

    def __call__(self) -> FakePrescriptionUnitOfWork:
        return FakePrescriptionUnitOfWork(self)


class FakePrescriptionUnitOfWork(InMemoryUnitOfWork):
    def repositories(self, store: PrescriptionStore) -> None:
        self.medicine_lists = FakeMedicineLists(store.medications, store.agreements)
        self.renewals = FakeRenewals(store.renewals)
        self.dispatches = FakeDispatches(store.dispatches)
