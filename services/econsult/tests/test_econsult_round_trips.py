"""What sending an eConsultation asks PostgreSQL, on the real database (issue 17): two statements between BEGIN and
COMMIT (what the rules read, the patient and the GP's availability held; the question with its event), and what the
locks of the first still hold: a GP who closes, or a change of GP, that commits while a question is being sent is
seen by it."""

from __future__ import annotations

import asyncio
import uuid

import pytest

from econsult import handlers
from econsult.domain.errors import EConsultClosed
from services.econsult.tests.conftest import EConsult
from tests.support.round_trips import counted

pytestmark = pytest.mark.stack

QUESTION = "Kan jeg ta paracet sammen med ibux?"


async def test_a_question_is_two_statements_in_its_transaction(econsult_service: EConsult) -> None:
    svc = econsult_service
    gp = uuid.uuid4()
    patient = await svc.listed(gp)
    await svc.open_gp(gp)

    runtime, pool = counted(svc.runtime, svc.clock)
    sent, _ = await handlers.submit(runtime, patient_id=patient, text=QUESTION, accepted_terms=True)
    assert pool.sent == ["BEGIN", "SELECT", "WITH", "COMMIT"]
    assert [e["event_type"] for e in await svc.events(sent.id)] == ["EConsultSubmitted"]


async def test_a_gp_closing_as_the_question_is_sent_is_waited_for_and_then_refuses_it(
        econsult_service: EConsult) -> None:
    svc = econsult_service
    gp = uuid.uuid4()
    patient = await svc.listed(gp)
    await svc.open_gp(gp)
    closing = await svc.db()
    try:
        async with closing.transaction():
            await closing.execute("UPDATE gp_availability SET open = false WHERE doctor_id = $1", gp)
            sending = asyncio.create_task(handlers.submit(svc.runtime, patient_id=patient, text=QUESTION,
                                                          accepted_terms=True))
            await asyncio.sleep(0.3)
            assert not sending.done(), "the question must wait for the GP's closing to end"
        with pytest.raises(EConsultClosed):
            await sending
    finally:
        await closing.close()


async def test_a_change_of_gp_as_the_question_is_sent_is_waited_for_and_the_question_goes_to_the_new_gp(
        econsult_service: EConsult) -> None:
    svc = econsult_service
    old_gp, new_gp = uuid.uuid4(), uuid.uuid4()
    patient = await svc.listed(old_gp)
    await svc.open_gp(old_gp)
    await svc.open_gp(new_gp)
    moving = await svc.db()
    try:
        async with moving.transaction():
            await moving.execute("UPDATE patient_directory SET gp_id = $2 WHERE patient_id = $1", patient, new_gp)
            sending = asyncio.create_task(handlers.submit(svc.runtime, patient_id=patient, text=QUESTION,
                                                          accepted_terms=True))
            await asyncio.sleep(0.3)
            assert not sending.done(), "the question must wait for the change of GP to end"
        sent, _ = await sending
    finally:
        await moving.close()
    assert sent.doctor_id == new_gp
