"""notify's units of work on the consumer's side: an event becomes queued deliveries, in the same
transaction as its inbox row. Nothing here talks to a provider; the sender does, after commit: those due now are
handed to this process's sender as the transaction commits, already claimed (no wake-up, no claim, no poll)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import Protocol

import asyncpg

from contracts.envelope import Envelope, Event
from contracts.events import (
    AppointmentCancelled,
    GuardianRegistered,
    GuardianRemoved,
    LoginCodeRequested,
)
from contracts.topics import PATIENTS
from kit.clock import Clock
from kit.logging import get_logger
from kit.messaging import EventHandler, after_commit, current_batch, in_consumer_transaction
from kit.patient_directory import apply_awaiting, await_patient, hold_patient
from kit.runtime import ServiceRuntime
from notify.adapters import repository as repo
from notify.domain.rules import Contact, guardian_of, patient_of, plan

log = get_logger(__name__)


class TakesDeliveries(Protocol):
    """This process's sender, as the consumer sees it (notify/sender.py)."""

    @property
    def lease(self) -> timedelta | None: ...

    def hand_over(self, rows: list[asyncpg.Record]) -> None: ...


async def queue_for(conn: asyncpg.Connection, envelope: Envelope, event: Event, clock: Clock,
                    sender: TakesDeliveries | None = None) -> None:
    """`sender`: this process's, once it runs, to hand what is due now to as the consumer's transaction commits;
    without one (starting, stopping), or where no consumer applies the event (a handler run alone, in a transaction
    of its own), the deliveries wait for any sender, woken at that commit."""
    if not in_consumer_transaction():
        sender = None
    now = clock.now()
    # A cancelled appointment's reminders are taken back with the deliveries' own statement, or alone if there are
    # none to queue yet.
    withdrawing = event.appointment_id if isinstance(event, AppointmentCancelled) else None
    if isinstance(event, LoginCodeRequested):
        contact = await repo.login_code_contact(conn, event.mobile, event.patient_id)
        patient_id = contact.patient_id
    else:
        patient_id = patient_of(event)
        assert patient_id is not None, f"{envelope.event_type} names no patient"
        guardian_id = guardian_of(event)
        # A request a guardian made for a child: told to that guardian, and to nobody else.
        found = await _contact(conn, patient_id, guardian_id, event)
        if found is None:
            # Applied beside the patients topic: wait for a snapshot being applied, then look again.
            await hold_patient(conn, patient_id)
            found = await _contact(conn, patient_id, guardian_id)
        if found is None:
            # identity's snapshot (or the guardian) travels on another topic and may come after this event: kept
            # for then (kit.patient_directory: the snapshot, or keeping_guardians, applies it).
            if withdrawing is not None:
                await repo.withdraw_reminders(conn, withdrawing, now)
            await await_patient(conn, envelope, patient_id, now)
            return
        contact = found
    planned = plan(event, contact, now)
    lease = sender.lease if sender is not None else None  # None: the sender has its hands full, or is not there
    added, claimed = await repo.add_deliveries(conn, envelope.event_id, envelope.event_type, patient_id, planned, now,
                                               lease=lease, withdrawing_reminders_of=withdrawing)
    if sender is not None and claimed:
        after_commit(lambda: sender.hand_over(claimed))
    log.info("notifications queued", event_type=envelope.event_type, event_id=str(envelope.event_id),
             channels=[p.channel for p in planned], added=added)


async def _contact(conn: asyncpg.Connection, patient_id: uuid.UUID, guardian_id: uuid.UUID | None,
                   event: Event | None = None) -> Contact | None:
    """`event`: the one being applied, when its batch's contacts may be read for all its events at once (one
    statement a batch, not one an event: a booking's batch holds many). Not on the patients topic, whose batch
    writes the directory itself (a snapshot between two of its events), nor for a guardian's contact (seldom)."""
    if guardian_id:
        return await repo.guardian_contact(conn, patient_id, guardian_id)
    batch = current_batch()
    if event is None or batch is None or event.topic == PATIENTS.name:
        return await repo.contact(conn, patient_id)
    ahead: dict[uuid.UUID, Contact] = await batch.read_ahead("contacts", lambda events: repo.contacts(
        conn, {p for e in events if guardian_of(e) is None and (p := patient_of(e)) is not None}))
    return ahead.get(patient_id)


def notifying(clock: Clock, sender: Callable[[], TakesDeliveries | None] = lambda: None) -> EventHandler:
    """`sender`: this process's sender, if it runs now (it starts after the consumers may have)."""
    async def handle(conn: asyncpg.Connection, envelope: Envelope, event: Event) -> None:
        await queue_for(conn, envelope, event, clock, sender())
    return handle


def keeping_guardians(runtime: ServiceRuntime) -> EventHandler:
    """Whose guardian is who, with their mobile; then whatever waited for this child's contact."""
    async def handle(conn: asyncpg.Connection, envelope: Envelope, event: GuardianRegistered | GuardianRemoved
                     ) -> None:
        mobile = event.mobile if isinstance(event, GuardianRegistered) else None
        await repo.keep_guardian(conn, event.child_id, event.guardian_id, mobile, envelope.occurred_at)
        if mobile is not None:
            await apply_awaiting(runtime, conn, event.child_id)
    return handle
