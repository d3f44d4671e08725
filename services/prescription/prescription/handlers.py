"""prescription's units of work: each opens one (adapters/unit_of_work.py), applies the rule, writes state and
events."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import replace
from datetime import date, timedelta
from typing import Any

import asyncpg

from contracts.envelope import Envelope
from contracts.events import PatientGpChanged, PrescriptionSent
from kit.backoff import exponential_backoff
from kit.clock import OSLO
from kit.db import transaction
from kit.logging import get_logger
from kit.metrics import INBOX_PAST_DUE
from kit.runtime import ServiceRuntime
from kit.telemetry import continued
from kit.unit_of_work import PatientReader
from kit.working_days import WorkingDays
from prescription.adapters.dispatches import Dispatches
from prescription.adapters.intermediary import PrescriptionIntermediary
from prescription.adapters.renewals import Renewals
from prescription.adapters.unit_of_work import prescription_unit
from prescription.domain import renewal
from prescription.domain.errors import (
    MedicationNotFound,
    NotGroupB,
    NotYourPatient,
    RenewalNotFound,
    RequestAlreadyOpen,
)
from prescription.domain.medicines import Medication
from prescription.domain.renewal import Channel, RenewalRequest, request_renewal
from prescription.settings import PrescriptionSettings

log = get_logger(__name__)


async def ensure_own_patient(patients: PatientReader, patient_id: uuid.UUID, doctor_id: uuid.UUID) -> None:
    """A doctor acts only for patients on their own list (the directory's gp_id)."""
    if (await patients.get(patient_id)).gp_id != doctor_id:
        raise NotYourPatient()


async def add_medication(runtime: ServiceRuntime, medicine: Medication, doctor_id: uuid.UUID) -> Medication:
    async with prescription_unit(runtime) as uow:
        await ensure_own_patient(uow.patients, medicine.patient_id, doctor_id)
        return await uow.medicine_lists.add(medicine, doctor_id)


async def change_medication(runtime: ServiceRuntime, *, patient_id: uuid.UUID, medication_id: uuid.UUID,
                            doctor_id: uuid.UUID, changes: dict[str, Any]) -> Medication:
    async with prescription_unit(runtime) as uow:
        await ensure_own_patient(uow.patients, patient_id, doctor_id)
        lists = uow.medicine_lists
        found = await lists.get(medication_id)
        if found is None or found.patient_id != patient_id:
            raise MedicationNotFound()
        await lists.change(medication_id, changes, runtime.clock.now())
        changed = await lists.get(medication_id)
        assert changed is not None
        if changed.reseptgruppe != "B" and changed.b_agreement:  # an agreement is for a B medicine only
            await lists.set_b_agreement(medication_id, doctor_id, False, runtime.clock.now())
            changed = replace(changed, b_agreement=False)
        return changed


async def set_b_agreement(runtime: ServiceRuntime, *, patient_id: uuid.UUID, medication_id: uuid.UUID,
                          doctor_id: uuid.UUID, active: bool) -> Medication:
    async with prescription_unit(runtime) as uow:
        await ensure_own_patient(uow.patients, patient_id, doctor_id)
        lists = uow.medicine_lists
        found = await lists.get(medication_id)
        if found is None or found.patient_id != patient_id:
            raise MedicationNotFound()
        if found.reseptgruppe != "B":
            raise NotGroupB()
        await lists.set_b_agreement(medication_id, doctor_id, active, runtime.clock.now())
        return replace(found, b_agreement=active)


async def request(runtime: ServiceRuntime, *, patient_id: uuid.UUID, medication_ids: Sequence[uuid.UUID],
                  channel: Channel, message: str | None, registered_by: uuid.UUID | None = None,
                  requested_by_guardian_id: uuid.UUID | None = None) -> RenewalRequest:
    """A renewal request from the portal (by the patient, or by a guardian for a child) or, by reception, from the
    phone: the same rules for all."""
    try:
        async with prescription_unit(runtime) as uow:
            gp_id = (await uow.patients.get(patient_id)).gp_id
            if await uow.renewals.has_open(patient_id):
                raise RequestAlreadyOpen()
            medicines = {m.id: m for m in await uow.medicine_lists.of_patient(patient_id)}
            asked = request_renewal(patient_id=patient_id, gp_id=gp_id, medication_ids=medication_ids,
                                    medicine_list=medicines, channel=channel, message=message,
                                    registered_by=registered_by, now=runtime.clock.now(),
                                    working_days=await uow.working_days(),
                                    requested_by_guardian_id=requested_by_guardian_id)
            await uow.renewals.add(asked)
            await uow.publish(asked.requested_event())
    except asyncpg.UniqueViolationError as exc:  # a second request raced past has_open: the index holds
        if exc.constraint_name == "renewals_one_open_per_patient":
            raise RequestAlreadyOpen() from exc
        raise
    return asked


async def decide(runtime: ServiceRuntime, *, renewal_id: uuid.UUID, doctor_id: uuid.UUID,
                 decisions: Sequence[tuple[uuid.UUID, bool, str | None]]) -> RenewalRequest:
    """The doctor's decision per medicine. Approved ones are queued to send in the same transaction, so a
    crash after this commit loses nothing; the sender delivers them and then announces PrescriptionSent."""
    async with prescription_unit(runtime) as uow:
        found = await uow.renewals.get(renewal_id, for_update=True)  # two decisions at once are taken in turn
        if found is None:
            raise RenewalNotFound()
        await ensure_own_patient(uow.patients, found.patient_id, doctor_id)
        now = runtime.clock.now()
        decided, approved, rejected = found.decide(decisions, doctor_id, now)
        await uow.renewals.save_decision(decided)
        if approved:
            lists = uow.medicine_lists
            medicines = [m for i in approved if (m := await lists.get(i.medication_id)) is not None]
            await uow.dispatches.add(renewal_id=renewal_id, patient_id=found.patient_id, doctor_id=doctor_id,
                                     medicines=medicines, at=now)
        if rejected is not None:
            await uow.publish(rejected)
    return decided


async def measure_past_due(runtime: ServiceRuntime) -> None:
    """The gauge of open renewal requests past their due date, refreshed on a timer (never per request)."""
    today = runtime.clock.now().astimezone(OSLO).date()
    async with runtime.pool.acquire() as conn:
        INBOX_PAST_DUE.labels("renewal").set(await Renewals(conn).past_due(today))


async def follow_new_gp(conn: asyncpg.Connection, envelope: Envelope, event: PatientGpChanged) -> None:
    """A patient moved to another GP: the open request goes with them. Who may decide is the directory's gp_id
    (ensure_own_patient) already; the request's own doctor says so too, so every view agrees."""
    moved = await Renewals(conn).move_open_to_gp(event.patient_id, event.gp_id)
    if moved:
        log.info("open renewal moved to the new GP", count=moved)


async def recompute_due_dates(conn: asyncpg.Connection, day: date, days: WorkingDays) -> None:
    """The clinic closed or reopened `day`: open requests made before it are due by the calendar as it is."""
    renewals = Renewals(conn)
    for asked in await renewals.open_asked_before(day):
        due = renewal.due_date(asked.created_at, days)
        if due != asked.due_date:
            await renewals.set_due_date(asked.id, due)


async def send_due_prescriptions(runtime: ServiceRuntime, intermediary: PrescriptionIntermediary) -> int:
    """Deliver every dispatch that is due; returns how many were announced. A failed send is kept and
    tried again after a backoff; only a dispatch whose prescriptions all reached the intermediary is
    announced, so nothing is ever reported as sent that was not."""
    settings = runtime.settings
    assert isinstance(settings, PrescriptionSettings)
    announced = 0
    while True:
        async with transaction(runtime.pool) as conn:
            dispatches = Dispatches(conn)
            due = await dispatches.next_due(runtime.clock.now())
            if due is None:
                return announced
            # The decision's trace goes on through the delivery to PrescriptionSent (and notify's SMS).
            with continued(runtime.tracer, "send e-prescription", due.trace_context,
                           attributes={"eportal.dispatch_id": str(due.id)}):
                try:
                    for prescription in await dispatches.unsent(due.id):
                        await intermediary.send(prescription)
                        await dispatches.mark_sent(prescription.prescription_id, runtime.clock.now())
                except Exception as exc:  # any failure: the prescription is not known to be there
                    wait = exponential_backoff(settings.send_retry_seconds, due.attempts,
                                               most=settings.send_retry_max_seconds)
                    await dispatches.failed(due.id, f"{type(exc).__name__}: {exc}",
                                            runtime.clock.now() + timedelta(seconds=wait))
                    log.warning("e-prescription not delivered; will retry", dispatch_id=str(due.id),
                                attempt=due.attempts + 1, retry_in_seconds=wait, error=type(exc).__name__)
                    # Committed with the failure; the rest wait for the next run rather than hammer a sick line.
                    return announced
                now = runtime.clock.now()
                await dispatches.announced(due.id, now)
                await runtime.outbox.add(conn, PrescriptionSent(
                    renewal_id=due.renewal_id, patient_id=due.patient_id, doctor_id=due.doctor_id,
                    medication_ids=await dispatches.medication_ids(due.id), sent_at=now,
                    requested_by_guardian_id=due.requested_by_guardian_id))
                announced += 1
