"""econsult's units of work: each opens one (adapters/unit_of_work.py), applies the rule, writes state and events."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import date

import asyncpg

from contracts.envelope import Envelope
from contracts.events import EConsultAvailabilityChanged, PatientGpChanged
from econsult.adapters.econsultations import EConsultations
from econsult.adapters.unit_of_work import EConsultationRepository, econsult_unit
from econsult.domain import econsultation
from econsult.domain.econsultation import EConsultation
from econsult.domain.errors import EConsultationNotFound
from econsult.domain.renewal_hint import RenewalHint
from kit.clock import OSLO
from kit.errors import Forbidden
from kit.logging import get_logger
from kit.metrics import INBOX_PAST_DUE
from kit.runtime import ServiceRuntime
from kit.working_days import WorkingDays

log = get_logger(__name__)




async def measure_past_due(runtime: ServiceRuntime) -> None:
    """The gauge of open eConsultations past their due date, refreshed on a timer (never per request)."""
    today = runtime.clock.now().astimezone(OSLO).date()
    async with runtime.pool.acquire() as conn:
        INBOX_PAST_DUE.labels("econsultation").set(await EConsultations(conn).past_due(today))


async def set_availability(runtime: ServiceRuntime, *, doctor_id: uuid.UUID, open_: bool) -> bool:
    """A GP opens or closes eConsultation for their own list. Returns whether it changed."""
    async with econsult_unit(runtime) as uow:
        changed = await uow.availability.set(doctor_id, open_, runtime.clock.now())
        if changed:
            await uow.publish(EConsultAvailabilityChanged(doctor_id=doctor_id, open=open_))
    return changed


async def submit(runtime: ServiceRuntime, *, patient_id: uuid.UUID, text: str, accepted_terms: bool,
                 medicine_names: Iterable[str] = (), sent_by_guardian_id: uuid.UUID | None = None
                 ) -> tuple[EConsultation, RenewalHint | None]:
    async with econsult_unit(runtime) as uow:
        # Two statements between BEGIN and COMMIT: what the rules read, with the patient and the GP's availability
        # share-locked (a change of GP or a closing waits for the question); the question with its event.
        gp_id, gp_open, working_days = await uow.availability.for_question(patient_id)
        consultation, hint = econsultation.submit(
            patient_id=patient_id, gp_id=gp_id, gp_open=gp_open, text=text, accepted_terms=accepted_terms,
            now=runtime.clock.now(), working_days=working_days, medicine_names=medicine_names,
            sent_by_guardian_id=sent_by_guardian_id)
        await uow.econsultations.add(consultation, consultation.submitted_event())
    return consultation, hint


async def answer(runtime: ServiceRuntime, *, econsult_id: uuid.UUID, doctor_id: uuid.UUID,
                 text: str) -> EConsultation:
    async with econsult_unit(runtime) as uow:
        consultation = await _doctors_own(uow.econsultations, econsult_id, doctor_id)
        answered, event = consultation.answer(text, runtime.clock.now())
        await uow.econsultations.save_handled(answered)
        await uow.publish(event)
    return answered


async def decline(runtime: ServiceRuntime, *, econsult_id: uuid.UUID, doctor_id: uuid.UUID,
                  reason: str) -> EConsultation:
    async with econsult_unit(runtime) as uow:
        consultation = await _doctors_own(uow.econsultations, econsult_id, doctor_id)
        declined, event = consultation.decline(reason, runtime.clock.now())
        await uow.econsultations.save_handled(declined)
        await uow.publish(event)
    return declined


async def withdraw(runtime: ServiceRuntime, *, econsult_id: uuid.UUID, patient_id: uuid.UUID) -> EConsultation:
    """The patient takes back a question the doctor has not opened: no answer, no invoice."""
    async with econsult_unit(runtime) as uow:
        consultation = await uow.econsultations.get(econsult_id, for_update=True)
        if consultation is None or consultation.patient_id != patient_id:
            raise EConsultationNotFound()
        withdrawn, event = consultation.withdraw(runtime.clock.now())
        await uow.econsultations.save_handled(withdrawn)
        await uow.publish(event)
    return withdrawn


async def read_as_doctor(runtime: ServiceRuntime, *, econsult_id: uuid.UUID, doctor_id: uuid.UUID) -> EConsultation:
    """The patient's current GP opens it: from then on the patient can no longer withdraw it. A withdrawn one
    is not there for the doctor any more."""
    async with econsult_unit(runtime) as uow:
        repo = uow.econsultations
        consultation = await repo.get(econsult_id, for_update=True)
        if consultation is None or consultation.status == "withdrawn":
            raise EConsultationNotFound()
        if consultation.doctor_id != doctor_id:
            raise Forbidden("Bare pasientens fastlege kan lese denne eKonsultasjonen.")
        if consultation.opened_at is None and consultation.status == "open":
            await repo.mark_opened(econsult_id, runtime.clock.now())
            consultation = await repo.get(econsult_id) or consultation
    return consultation


async def follow_new_gp(conn: asyncpg.Connection, envelope: Envelope, event: PatientGpChanged) -> None:
    await move_to_new_gp(EConsultations(conn), event)


async def move_to_new_gp(repo: EConsultationRepository, event: PatientGpChanged) -> None:
    """A patient moved to another GP: their open eConsultations go with them (only the current GP may read,
    answer or decline them)."""
    moved = await repo.move_open_to_gp(event.patient_id, event.gp_id)
    if moved:
        log.info("open eConsultations moved to the new GP", count=moved)


async def recompute_due_dates(conn: asyncpg.Connection, day: date, days: WorkingDays) -> None:
    await due_dates_after_change(EConsultations(conn), day, days)


async def due_dates_after_change(repo: EConsultationRepository, day: date, days: WorkingDays) -> None:
    """The clinic closed or reopened `day`: open eConsultations sent before it are due by the calendar as it is."""
    for consultation in await repo.open_submitted_before(day):
        due = econsultation.due_date(consultation.submitted_at, days)
        if due != consultation.due_date:
            await repo.set_due_date(consultation.id, due)


async def _doctors_own(repo: EConsultationRepository, econsult_id: uuid.UUID, doctor_id: uuid.UUID) -> EConsultation:
    # FOR UPDATE: two answers at once are taken in turn, and the second finds it already handled.
    consultation = await repo.get(econsult_id, for_update=True)
    if consultation is None:
        raise EConsultationNotFound()
    if consultation.doctor_id != doctor_id:
        raise Forbidden("Bare pasientens fastlege kan svare på denne eKonsultasjonen.")
    return consultation
