"""The patient directory every consuming service keeps: a local copy of identity's registry.

Each service reads its patients from its own table instead of calling identity; identity's snapshot
events keep it current. A snapshot older than the one already applied is ignored, so an out-of-order
replay never rolls a patient back.

An event about a patient the directory does not hold yet (the snapshot travels on the patients topic, read
beside the event's own, and may come after it) is kept (`await_patient`) and applied by its own handler when
the snapshot arrives, in the snapshot's transaction: it is neither lost nor retried into the dead-letter topic.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass, fields
from datetime import date, datetime
from typing import Literal

import asyncpg

from contracts.envelope import Envelope
from contracts.events import Language, PatientRegistered, PatientUpdated
from contracts.registry import event_from
from kit.errors import NotFound
from kit.logging import get_logger
from kit.messaging import EventHandler
from kit.runtime import ServiceRuntime

log = get_logger(__name__)

FEATURE = "patient_directory"
_AWAITING_LOCK = 0x6E746679  # pg_advisory_xact_lock's first key: the patient's events kept or taken
# A row lock on the patient: `share` lets readers on and holds back a change of GP until the caller commits;
# `no key update` also makes two callers for one patient take turns (booking's one future appointment).
Lock = Literal["share", "no key update"]
_LOCKS: dict[Lock | None, str] = {None: "", "share": " FOR SHARE", "no key update": " FOR NO KEY UPDATE"}


class PatientUnknown(NotFound):
    title = "Fant ikke pasienten."


@dataclass(frozen=True)
class ListedPatient:
    """A patient as identity last told this service: no national ID, ever."""

    patient_id: uuid.UUID
    gp_id: uuid.UUID | None  # None: on no GP's list at the clinic
    name: str
    birth_date: date
    mobile: str | None
    email: str | None
    first_contact_done: bool
    language: Language


# What the directory's reads take: a ListedPatient's fields, the table's columns of the same names.
_LISTED = ", ".join(f.name for f in fields(ListedPatient))


class PatientDirectory:
    """The one reader of the service's copy of identity's registry."""

    def __init__(self, conn: asyncpg.Connection) -> None:
        self._conn = conn

    async def find(self, patient_id: uuid.UUID, *, lock: Lock | None = None) -> ListedPatient | None:
        row = await self._conn.fetchrow(
            f"SELECT {_LISTED} FROM patient_directory WHERE patient_id = $1{_LOCKS[lock]}", patient_id)
        return ListedPatient(**dict(row)) if row else None

    async def find_many(self, patient_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, ListedPatient]:
        """The patients of the directory among `patient_ids`, in one statement (those not in it left out)."""
        rows = await self._conn.fetch(
            f"SELECT {_LISTED} FROM patient_directory WHERE patient_id = ANY($1::uuid[])", list(set(patient_ids)))
        return {row["patient_id"]: ListedPatient(**dict(row)) for row in rows}

    async def get(self, patient_id: uuid.UUID, *, lock: Lock | None = None) -> ListedPatient:
        patient = await self.find(patient_id, lock=lock)
        if patient is None:
            raise PatientUnknown()
        return patient


async def apply_patient_snapshot(conn: asyncpg.Connection, envelope: Envelope,
                                 event: PatientRegistered | PatientUpdated) -> None:
    await conn.execute(
        """INSERT INTO patient_directory (patient_id, gp_id, name, birth_date, mobile, email,
                                          first_contact_done, language, as_of)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
           ON CONFLICT (patient_id) DO UPDATE SET
               gp_id = EXCLUDED.gp_id, name = EXCLUDED.name, birth_date = EXCLUDED.birth_date,
               mobile = EXCLUDED.mobile, email = EXCLUDED.email,
               first_contact_done = EXCLUDED.first_contact_done, language = EXCLUDED.language,
               as_of = EXCLUDED.as_of
           WHERE patient_directory.as_of <= EXCLUDED.as_of""",
        event.patient_id, event.gp_id, event.name, event.birth_date, event.mobile, event.email,
        event.first_contact_done, event.language, envelope.occurred_at)


async def hold_patient(conn: asyncpg.Connection, patient_id: uuid.UUID) -> None:
    """Until this transaction ends, no other one keeps an event for this patient or takes those kept. The snapshot
    and the event are applied side by side: without it an event could miss a snapshot not yet committed and be kept
    after the snapshot's transaction took what waited (and wait for ever)."""
    await conn.execute("SELECT pg_advisory_xact_lock($1, hashtext($2))", _AWAITING_LOCK, str(patient_id))


async def find_or_hold(conn: asyncpg.Connection, patient_id: uuid.UUID) -> ListedPatient | None:
    """The patient; if not in the directory, looked for again under `hold_patient`: None then means the event
    may be kept with `await_patient` (in this transaction) and no snapshot can slip past it."""
    directory = PatientDirectory(conn)
    patient = await directory.find(patient_id)
    if patient is None:
        await hold_patient(conn, patient_id)
        patient = await directory.find(patient_id)
    return patient


async def await_patient(conn: asyncpg.Connection, envelope: Envelope, patient_id: uuid.UUID, now: datetime) -> None:
    """Keep the event until the patient's snapshot (or what else its handler waits for) comes: call under
    `hold_patient`, from the event's handler, which will be called with it again then."""
    await conn.execute(
        """INSERT INTO awaiting_patient (event_id, patient_id, envelope, received_at) VALUES ($1, $2, $3, $4)
           ON CONFLICT DO NOTHING""", envelope.event_id, patient_id, envelope.model_dump(mode="json"), now)
    log.info("event waits for the patient", event_type=envelope.event_type, event_id=str(envelope.event_id))


async def apply_awaiting(runtime: ServiceRuntime, conn: asyncpg.Connection, patient_id: uuid.UUID) -> None:
    """What waited for this patient, each by its own handler, oldest first, in this transaction (after what it
    waited for). A handler that still lacks something keeps its event again."""
    await hold_patient(conn, patient_id)
    rows = await conn.fetch(
        "DELETE FROM awaiting_patient WHERE patient_id = $1 RETURNING envelope, received_at", patient_id)
    for row in sorted(rows, key=lambda r: r["received_at"]):
        held = Envelope.model_validate(row["envelope"])
        event = event_from(held)
        await runtime.handler_for(type(event))(conn, held, event)


def keeping_directory(runtime: ServiceRuntime) -> EventHandler:
    """The snapshot, then whatever waited for this patient."""
    async def handle(conn: asyncpg.Connection, envelope: Envelope, event: PatientRegistered | PatientUpdated) -> None:
        await apply_patient_snapshot(conn, envelope, event)
        await apply_awaiting(runtime, conn, event.patient_id)
    return handle


def keep_patient_directory(runtime: ServiceRuntime) -> None:
    runtime.use_feature(FEATURE)
    keeping = keeping_directory(runtime)
    runtime.on(PatientRegistered)(keeping)
    runtime.on(PatientUpdated)(keeping)
