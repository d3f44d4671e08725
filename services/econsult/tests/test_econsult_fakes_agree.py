"""The in-memory repositories the handler tests run on (tests/fakes.py) and PostgreSQL's agree: one scenario of
every handler, its refusals and its events, run on each, gives the same transcript."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable
from typing import Any

import pytest

from econsult import handlers
from econsult.adapters.unit_of_work import econsult_unit
from econsult.domain.econsultation import EConsultation
from services.econsult.tests.conftest import START, EConsult
from services.econsult.tests.fakes import EConsultStore
from tests.support.fakes import Listed, Published, Transcript, both_transcripts

pytestmark = pytest.mark.stack

async def scenario(runtime: Any, listed: Listed, events: Published) -> list[str]:
    gp, other_gp = uuid.uuid4(), uuid.uuid4()
    names = {str(gp): "gp", str(other_gp): "other gp"}

    def shown(result: Any) -> str:
        if isinstance(result, EConsultation):
            return (f"{result.status} for {names[str(result.doctor_id)]}, opened: {result.opened_at is not None}, "
                    f"reply: {result.reply}")
        return str(result)
    transcript = Transcript(shown)
    attempt = transcript.attempt

    await attempt("close what was never open", handlers.set_availability(runtime, doctor_id=gp, open_=False))
    await attempt("open", handlers.set_availability(runtime, doctor_id=gp, open_=True))
    await attempt("open again", handlers.set_availability(runtime, doctor_id=gp, open_=True))
    patient, on_no_list = await listed(gp), await listed(None)

    def ask(who: uuid.UUID, terms: bool = True) -> Awaitable[Any]:
        async def asked() -> EConsultation:
            consultation, _ = await handlers.submit(runtime, patient_id=who, text="Trenger jeg vaksine?",
                                                    accepted_terms=terms)
            names[str(consultation.id)] = f"question {len(names) - 1}"
            return consultation
        return asked()

    await attempt("ask without a GP", ask(on_no_list))
    await attempt("ask, unknown", ask(uuid.uuid4()))
    await attempt("ask without the terms", ask(patient, terms=False))
    await attempt("close", handlers.set_availability(runtime, doctor_id=gp, open_=False))
    await attempt("ask while closed", ask(patient))
    await attempt("open once more", handlers.set_availability(runtime, doctor_id=gp, open_=True))
    first = await attempt("ask", ask(patient))
    await attempt("answer, not the GP", handlers.answer(runtime, econsult_id=first.id, doctor_id=other_gp, text="Ja."))
    await attempt("answer", handlers.answer(runtime, econsult_id=first.id, doctor_id=gp, text="Ja, gul feber."))
    await attempt("decline it too", handlers.decline(runtime, econsult_id=first.id, doctor_id=gp, reason="Nei."))
    second = await attempt("ask again", ask(patient))
    await attempt("the GP reads it", handlers.read_as_doctor(runtime, econsult_id=second.id, doctor_id=gp))
    await attempt("withdraw it", handlers.withdraw(runtime, econsult_id=second.id, patient_id=patient))
    third = await attempt("ask a third", ask(patient))
    await attempt("withdraw, not the patient's",
                  handlers.withdraw(runtime, econsult_id=third.id, patient_id=on_no_list))
    await attempt("withdraw it", handlers.withdraw(runtime, econsult_id=third.id, patient_id=patient))
    await attempt("the GP reads it", handlers.read_as_doctor(runtime, econsult_id=third.id, doctor_id=gp))
    async with econsult_unit(runtime) as uow:
        kept = await uow.econsultations.of_patient(patient)
    transcript.lines.append(f"kept: {sorted(f'{names[str(c.id)]} {c.status}' for c in kept)}")
    published = await events([str(gp), *(str(c.id) for c in (first, second, third))])
    transcript.lines.append(f"events: {[(names[key], event_type) for key, event_type in published]}")
    return transcript.lines


async def test_the_fake_and_postgresql_give_the_same_transcript(econsult_service: EConsult) -> None:
    real = econsult_service.client._transport.app.state.runtime  # type: ignore[attr-defined]
    in_postgres, in_memory_ = await both_transcripts(scenario, runtime=real, listed=econsult_service.listed,
                                                     dsn=econsult_service.dsn, store=EConsultStore(), now=START)
    assert in_memory_ == in_postgres
    assert "answer: answered for gp, opened: False, reply: Ja, gul feber." in in_postgres  # it did real work
    assert "ask while closed: econsult.closed" in in_postgres
