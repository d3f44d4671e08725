"""The unit of work (cosmicpython's): one transaction a handler works in. It offers the service's repositories
and the patient directory on that transaction, takes the events that follow from the work, and commits them
together (the events into the outbox) or nothing at all. Each service adds its own repositories; its tests put
an in-memory one (tests/support/fakes.py) in the PostgreSQL one's place, so handlers run without a database."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from types import TracebackType
from typing import Protocol, Self, TypeVar, cast

import asyncpg

from contracts.envelope import Event
from kit import clinic_calendar
from kit.db import transaction
from kit.outbox import Outbox
from kit.patient_directory import ListedPatient, Lock, PatientDirectory
from kit.runtime import ServiceRuntime
from kit.working_days import WorkingDays

U = TypeVar("U")
_IN_MEMORY = "unit_of_work"


class PatientReader(Protocol):
    async def find(self, patient_id: uuid.UUID, *, lock: Lock | None = None) -> ListedPatient | None: ...

    async def get(self, patient_id: uuid.UUID, *, lock: Lock | None = None) -> ListedPatient: ...


class UnitOfWork(Protocol):
    @property
    def patients(self) -> PatientReader: ...

    async def __aenter__(self) -> Self: ...

    async def __aexit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                        tb: TracebackType | None) -> None: ...

    async def publish(self, event: Event) -> None:
        """The event goes out if, and only if, the work commits."""

    async def working_days(self) -> WorkingDays:
        """Working days by law and by the clinic's closed days, as this service knows them now."""


class PostgresUnitOfWork:
    """A unit of work on the service's PostgreSQL: `conn` is the transaction's connection while it is open.

    `transaction=False`: no BEGIN and COMMIT around the work; each statement commits alone. Only for work whose
    one write is a single statement carrying its event (`Outbox.add_with`) and re-checking, as it writes, what
    the work read unlocked: `publish` is refused there, since nothing would hold the event to the change."""

    conn: asyncpg.Connection
    patients: PatientDirectory

    def __init__(self, runtime: ServiceRuntime, *, transaction: bool = True) -> None:
        self._runtime = runtime
        self._in_transaction = transaction
        self._transaction: AbstractAsyncContextManager[asyncpg.Connection] | None = None

    @property
    def outbox(self) -> Outbox:
        return self._runtime.outbox

    def repositories(self, conn: asyncpg.Connection) -> None:
        """The service's repositories on the transaction's connection (a service's unit of work sets them)."""

    async def __aenter__(self) -> Self:
        self._transaction = (transaction(self._runtime.pool) if self._in_transaction
                             else cast(AbstractAsyncContextManager[asyncpg.Connection], self._runtime.pool.acquire()))
        self.conn = await self._transaction.__aenter__()
        self.patients = PatientDirectory(self.conn)
        self.repositories(self.conn)
        return self

    async def __aexit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                        tb: TracebackType | None) -> None:
        assert self._transaction is not None
        await self._transaction.__aexit__(exc_type, exc, tb)

    async def publish(self, event: Event) -> None:
        await self._runtime.outbox.add(self.conn, event)

    async def working_days(self) -> WorkingDays:
        return await clinic_calendar.working_days(self.conn)


def unit_of_work(runtime: ServiceRuntime, postgres: Callable[[ServiceRuntime], U]) -> U:
    """A new unit of work of the service: on PostgreSQL, or in memory where a test put one in (`in_memory`)."""
    fake = runtime.state.get(_IN_MEMORY)
    return cast(U, fake()) if fake is not None else postgres(runtime)


def in_memory(runtime: ServiceRuntime, units: Callable[[], object]) -> None:
    """Handlers of this runtime work in `units()` (a test's in-memory unit of work) instead of PostgreSQL."""
    runtime.state[_IN_MEMORY] = units
