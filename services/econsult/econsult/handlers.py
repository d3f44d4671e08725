"""econsult's units of work: each opens one transaction, applies the rule, writes state and events."""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from contracts.events import EConsultAvailabilityChanged
from econsult.adapters.econsultations import Availability, EConsultations, patient_gp, working_days
from econsult.domain import econsultation
from econsult.domain.econsultation import EConsultation
from econsult.domain.renewal_hint import RenewalHint
from kit.clock import OSLO
from kit.db import transaction
from kit.errors import Forbidden, NotFound
from kit.metrics import INBOX_PAST_DUE
from kit.runtime import ServiceRuntime


class PatientUnknown(NotFound):
    title = "Fant ikke pasienten."


class EConsultationNotFound(NotFound):
    title = "Fant ikke eKonsultasjonen."


async def measure_past_due(runtime: ServiceRuntime) -> None:
    """The gauge of open eConsultations past their due date, refreshed on a timer (never per request)."""
    today = runtime.clock.now().astimezone(OSLO).date()
    async with runtime.pool.acquire() as conn:
        INBOX_PAST_DUE.labels("econsultation").set(await EConsultations(conn).past_due(today))


async def set_availability(runtime: ServiceRuntime, *, doctor_id: uuid.UUID, open_: bool) -> bool:
    """A GP opens or closes eConsultation for their own list. Returns whether it changed."""
    async with transaction(runtime.pool) as conn:
        changed = await Availability(conn).set(doctor_id, open_, runtime.clock.now())
        if changed:
            await runtime.outbox.add(conn, EConsultAvailabilityChanged(doctor_id=doctor_id, open=open_))
    return changed


async def submit(runtime: ServiceRuntime, *, patient_id: uuid.UUID, text: str, accepted_terms: bool,
                 medicine_names: Iterable[str] = ()) -> tuple[EConsultation, RenewalHint | None]:
    async with transaction(runtime.pool) as conn:
        known, gp_id = await patient_gp(conn, patient_id)
        if not known:
            raise PatientUnknown()
        gp_open = gp_id is not None and await Availability(conn).is_open(gp_id, lock=True)
        consultation, hint = econsultation.submit(
            patient_id=patient_id, gp_id=gp_id, gp_open=gp_open, text=text, accepted_terms=accepted_terms,
            now=runtime.clock.now(), working_days=await working_days(conn), medicine_names=medicine_names)
        await EConsultations(conn).add(consultation)
        await runtime.outbox.add(conn, consultation.submitted_event())
    return consultation, hint


async def answer(runtime: ServiceRuntime, *, econsult_id: uuid.UUID, doctor_id: uuid.UUID,
                 text: str) -> EConsultation:
    async with transaction(runtime.pool) as conn:
        repo = EConsultations(conn)
        consultation = await _doctors_own(repo, econsult_id, doctor_id)
        answered, event = consultation.answer(text, runtime.clock.now())
        await repo.save_handled(answered)
        await runtime.outbox.add(conn, event)
    return answered


async def decline(runtime: ServiceRuntime, *, econsult_id: uuid.UUID, doctor_id: uuid.UUID,
                  reason: str) -> EConsultation:
    async with transaction(runtime.pool) as conn:
        repo = EConsultations(conn)
        consultation = await _doctors_own(repo, econsult_id, doctor_id)
        declined, event = consultation.decline(reason, runtime.clock.now())
        await repo.save_handled(declined)
        await runtime.outbox.add(conn, event)
    return declined


async def _doctors_own(repo: EConsultations, econsult_id: uuid.UUID, doctor_id: uuid.UUID) -> EConsultation:
    # FOR UPDATE: two answers at once are taken in turn, and the second finds it already handled.
    consultation = await repo.get(econsult_id, for_update=True)
    if consultation is None:
        raise EConsultationNotFound()
    if consultation.doctor_id != doctor_id:
        raise Forbidden("Bare pasientens fastlege kan svare på denne eKonsultasjonen.")
    return consultation
