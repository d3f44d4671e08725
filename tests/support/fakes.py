"""In-memory stand-ins for a service's PostgreSQL, for handler tests that run in milliseconds: a store that
keeps what the fake repositories hold between units of work, and a unit of work over it that, like the real one,
publishes its events only when the work commits and leaves the store as it was when the work fails.

Each service's tests/fakes.py adds its repositories, and a test of the service runs the same scenario on its
fake and on PostgreSQL, so a fake cannot drift from the repository it stands in for."""

from __future__ import annotations

import copy
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from types import SimpleNamespace, TracebackType
from typing import Any, Self

import asyncpg

from contracts.envelope import Event
from kit.clock import FixedClock
from kit.errors import DomainError
from kit.patient_directory import ListedPatient, Lock, PatientUnknown
from kit.unit_of_work import in_memory
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


def in_memory_runtime(store: Store, now: datetime, settings: object = None) -> Any:
    """What a handler takes from the runtime: a clock at `now`, the service's `settings` (None: its defaults), and
    `store`'s units of work in place of PostgreSQL's."""
    runtime = SimpleNamespace(clock=FixedClock(now), settings=settings, state={})
    in_memory(runtime, store)  # type: ignore[arg-type]  # handlers use only the clock and the unit of work
    return runtime


class Transcript:
    """What one scenario did, step by step, in words that do not depend on where it ran (ids left out): run on
    the fake and on PostgreSQL, the two must read the same."""

    def __init__(self, shown: Callable[[Any], str]) -> None:
        self.lines: list[str] = []
        self._shown = shown

    async def attempt(self, what: str, work: Awaitable[Any]) -> Any:
        """The result of `work`, written down as `shown` has it, or its refusal's code (and None)."""
        try:
            result = await work
        except DomainError as refusal:
            self.lines.append(f"{what}: {refusal.code}")
            return None
        self.lines.append(f"{what}: {self._shown(result)}")
        return result


async def published_in_memory(store: Store, keys: list[str]) -> list[tuple[str, str]]:
    """(key, event type) of what the fake published for these aggregates, in order."""
    return [(e.aggregate_id(), e.event_type) for e in store.published if e.aggregate_id() in keys]


async def published_in_outbox(dsn: str, keys: list[str]) -> list[tuple[str, str]]:
    """(key, event type) of what the service's outbox holds for these aggregates, in order."""
    conn = await asyncpg.connect(dsn)
    try:
        rows = await conn.fetch("""SELECT message_key, envelope->>'event_type' AS event_type FROM outbox
                                   WHERE message_key = ANY($1::text[]) ORDER BY id""", keys)
    finally:
        await conn.close()
    return [(r["message_key"], r["event_type"]) for r in rows]


Listed = Callable[[uuid.UUID | None], Awaitable[uuid.UUID]]  # a patient on a GP's list (None: on none)
Published = Callable[[list[str]], Awaitable[list[tuple[str, str]]]]  # (key, event type) for these aggregates
Scenario = Callable[[Any, Listed, Published], Awaitable[list[str]]]


async def both_transcripts(scenario: Scenario, *, runtime: Any, listed: Listed, dsn: str, store: Store,
                           now: datetime) -> tuple[list[str], list[str]]:
    """The scenario's transcript on the service's PostgreSQL (`runtime`, `listed`, its database `dsn`), then on
    `store` in memory with the clock at `now` and the real one's settings: (PostgreSQL's, the fake's)."""
    async def listed_in_memory(gp_id: uuid.UUID | None) -> uuid.UUID:
        return store.listed(gp_id)
    in_postgres = await scenario(runtime, listed, lambda keys: published_in_outbox(dsn, keys))
    in_memory_ = await scenario(in_memory_runtime(store, now, runtime.settings), listed_in_memory,
                                lambda keys: published_in_memory(store, keys))
    return in_postgres, in_memory_
