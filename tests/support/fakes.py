"""In-memory stand-ins for a service's PostgreSQL, for handler tests that run in milliseconds: a store that
keeps what the fake repositories hold between units of work, and a unit of work over it that, like the real one,
publishes its events only when the work commits and leaves the store as it was when the work fails.

Each service's tests/fakes.py adds its repositories, and a test of the service runs the same scenario on its
fake and on PostgreSQL, so a fake cannot drift from the repository it stands in for."""

from __future__ import annotations

import copy
import uuid
from dataclasses import dataclass, field
from datetime import date
from types import TracebackType
from typing import Any, Self

from contracts.envelope import Event
from kit.patient_directory import ListedPatient, Lock, PatientUnknown
from kit.working_days import WorkingDays


@dataclass
class Store:
    patients: dict[uuid.UUID, ListedPatient] = field(default_factory=dict)
    closed_days: set[date] = field(default_factory=set)
    published: list[Event] = field(default_factory=list)

    def listed(self, gp_id: uuid.UUID | None, *, name: str = "Kari Test", birth_date: date = date(1980, 1, 1),
               patient_id: uuid.UUID | None = None) -> uuid.UUID:
        """A patient in the directory, on `gp_id`'s list (as identity's events would put them there)."""
        patient = ListedPatient(patient_id or uuid.uuid4(), gp_id, name, birth_date, "+4791234567", None, True, "nb")
        self.patients[patient.patient_id] = patient
        return patient.patient_id


class InMemoryPatients:
    def __init__(self, patients: dict[uuid.UUID, ListedPatient]) -> None:
        self._patients = patients

    async def find(self, patient_id: uuid.UUID, *, lock: Lock | None = None) -> ListedPatient | None:
        return self._patients.get(patient_id)

    async def get(self, patient_id: uuid.UUID, *, lock: Lock | None = None) -> ListedPatient:
        patient = await self.find(patient_id, lock=lock)
        if patient is None:
            raise PatientUnknown()
        return patient


class InMemoryUnitOfWork:
    def __init__(self, store: Any) -> None:
        self.store = store
        self._before: dict[str, Any] = {}
        self._events: list[Event] = []

    def repositories(self, store: Any) -> None:
        """The service's fake repositories over `store`."""

    async def __aenter__(self) -> Self:
        self._before = copy.deepcopy({k: v for k, v in vars(self.store).items() if k != "published"})
        self._events = []
        self.patients = InMemoryPatients(self.store.patients)
        self.repositories(self.store)
        return self

    async def __aexit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                        tb: TracebackType | None) -> None:
        if exc_type is None:
            self.store.published.extend(self._events)
        else:  # rolled back: as if the work never began
            for name, value in self._before.items():
                setattr(self.store, name, value)

    async def publish(self, event: Event) -> None:
        self._events.append(event)

    async def working_days(self) -> WorkingDays:
        return WorkingDays(self.store.closed_days)
