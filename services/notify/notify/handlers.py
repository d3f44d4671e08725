"""notify's units of work on the consumer's side: an event becomes queued deliveries, in the same
transaction as its inbox row. Nothing here talks to a provider; the sender does, after commit."""

from __future__ import annotations

import uuid

import asyncpg

from contracts.envelope import Envelope, Event
from contracts.events import (
    AppointmentCancelled,
    GuardianRegistered,
    GuardianRemoved,
    LoginCodeRequested,
)
from kit.clock import Clock
from kit.logging import get_logger
from kit.messaging import EventHandler
from kit.patient_directory import apply_awaiting, await_patient, hold_patient
from kit.runtime import ServiceRuntime
from notify.adapters import repository as repo
from notify.domain.rules import Contact, guardian_of, patient_of, plan

log = get_logger(__name__)


async def queue_for(conn: asyncpg.Connection, envelope: Envelope, event: Event, clock: Clock) -> None:
    now = clock.now()
    if isinstance(event, AppointmentCancelled):
        await repo.withdraw_reminders(conn, event.appointment_id, now)
    if isinstance(event, LoginCodeRequested):
        contact = await repo.login_code_contact(conn, event.mobile, event.patient_id)
        patient_id = contact.patient_id
    else:
        patient_id = patient_of(event)
        assert patient_id is not None, f"{envelope.event_type} names no patient"
        guardian_id = guardian_of(event)
        # A request a guardian made for a child: told to that guardian, and to nobody else.
        found = await _contact(conn, patient_id, guardian_id)
        if found is None:
            # Applied beside the patients topic: wait for a snapshot being applied, then look again.
            await hold_patient(conn, patient_id)
            found = await _contact(conn, patient_id, guardian_id)
        if found is None:
            # identity's snapshot (or the guardian) travels on another topic and may come after this event: kept
            # for then (kit.patient_directory: the snapshot, or keeping_guardians, applies it).
            await await_patient(conn, envelope, patient_id, now)
            return
        contact = found
    planned = plan(event, contact, now)
    added = await repo.add_deliveries(conn, envelope.event_id, envelope.event_type, patient_id, planned, now)
    log.info("notifications queued", event_type=envelope.event_type, event_id=str(envelope.event_id),
             channels=[p.channel for p in planned], added=added)


async def _contact(conn: asyncpg.Connection, patient_id: uuid.UUID, guardian_id: uuid.UUID | None) -> Contact | None:
    return (await repo.guardian_contact(conn, patient_id, guardian_id) if guardian_id
            else await repo.contact(conn, patient_id))


def notifying(clock: Clock) -> EventHandler:
    async def handle(conn: asyncpg.Connection, envelope: Envelope, event: Event) -> None:
        await queue_for(conn, envelope, event, clock)
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
