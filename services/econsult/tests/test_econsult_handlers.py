"""econsult's handlers on the in-memory repositories (tests/fakes.py): every rule of a unit of work, no database,
milliseconds. test_econsult_fakes_agree.py runs the same kind of scenario on PostgreSQL too."""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta
from typing import Any

import pytest

from contracts.events import (
    EConsultAnswered,
    EConsultAvailabilityChanged,
    EConsultDeclined,
    EConsultSubmitted,
    EConsultWithdrawn,
    PatientGpChanged,
)
from econsult import handlers
from econsult.domain.errors import AlreadyHandled, AlreadyOpened, EConsultClosed, TermsNotAccepted
from kit.clock import OSLO
from kit.errors import Forbidden
from kit.patient_directory import PatientUnknown
from kit.working_days import WorkingDays
from services.econsult.tests.fakes import EConsultStore, FakeEConsultations
from tests.support.fakes import in_memory_runtime

START = datetime(2026, 3, 2, 12, 0, tzinfo=OSLO)  # a Monday: due five working days later, Monday 9 March
GP, OTHER_GP = uuid.uuid4(), uuid.uuid4()
QUESTION = "Hvilke vaksiner trenger jeg til Kenya?"


@pytest.fixture
def store() -> EConsultStore:
    store = EConsultStore()
    store.availability[GP] = True
    return store


@pytest.fixture
def runtime(store: EConsultStore) -> Any:
    return in_memory_runtime(store, START)


async def ask(runtime: Any, patient: uuid.UUID, text: str = QUESTION, accepted_terms: bool = True) -> Any:
    consultation, _ = await handlers.submit(runtime, patient_id=patient, text=text, accepted_terms=accepted_terms)
    return consultation


async def test_a_question_goes_to_the_patients_gp_due_in_five_working_days(runtime: Any,
                                                                          store: EConsultStore) -> None:
    patient = store.listed(GP)
    consultation = await ask(runtime, patient)
    assert (consultation.doctor_id, consultation.due_date, consultation.status) == (GP, date(2026, 3, 9), "open")
    assert store.econsultations[consultation.id] == consultation
    [event] = store.published
    assert isinstance(event, EConsultSubmitted)
    assert event.due_date == date(2026, 3, 9)


async def test_a_day_the_clinic_closed_is_not_a_working_day(runtime: Any, store: EConsultStore) -> None:
    store.closed_days.add(date(2026, 3, 4))
    assert (await ask(runtime, store.listed(GP))).due_date == date(2026, 3, 10)


@pytest.mark.parametrize(("gp", "open_", "terms", "refusal"), [
    ("gp", False, True, EConsultClosed),  # the GP does not take eConsultations now
    ("none", True, True, EConsultClosed),  # on no GP's list
    ("gp", True, False, TermsNotAccepted),
])
async def test_a_question_is_refused_and_nothing_is_kept(runtime: Any, store: EConsultStore, gp: str, open_: bool,
                                                         terms: bool, refusal: type[Exception]) -> None:
    store.availability[GP] = open_
    patient = store.listed(GP if gp == "gp" else None)
    with pytest.raises(refusal):
        await ask(runtime, patient, accepted_terms=terms)
    assert store.econsultations == {}
    assert store.published == []


async def test_a_patient_the_directory_does_not_know_is_refused(runtime: Any) -> None:
    with pytest.raises(PatientUnknown):
        await ask(runtime, uuid.uuid4())


async def test_the_gp_answers_once_and_only_the_gp(runtime: Any, store: EConsultStore) -> None:
    consultation = await ask(runtime, store.listed(GP))
    with pytest.raises(Forbidden):
        await handlers.answer(runtime, econsult_id=consultation.id, doctor_id=OTHER_GP, text="Ja.")
    runtime.clock.advance(timedelta(hours=2))
    answered = await handlers.answer(runtime, econsult_id=consultation.id, doctor_id=GP, text="Gul feber.")
    assert (answered.status, answered.reply, answered.handled_at) == ("answered", "Gul feber.", runtime.clock.now())
    with pytest.raises(AlreadyHandled):
        await handlers.decline(runtime, econsult_id=consultation.id, doctor_id=GP, reason="Bestill time.")
    assert [type(e) for e in store.published] == [EConsultSubmitted, EConsultAnswered]
    assert store.econsultations[consultation.id].status == "answered"


async def test_a_declined_question_keeps_its_reason(runtime: Any, store: EConsultStore) -> None:
    consultation = await ask(runtime, store.listed(GP))
    declined = await handlers.decline(runtime, econsult_id=consultation.id, doctor_id=GP, reason="Bestill time.")
    assert (declined.status, declined.reply) == ("declined", "Bestill time.")
    assert isinstance(store.published[-1], EConsultDeclined)


async def test_the_patient_withdraws_until_the_gp_has_opened_it(runtime: Any, store: EConsultStore) -> None:
    patient = store.listed(GP)
    first, second = await ask(runtime, patient), await ask(runtime, patient)
    withdrawn = await handlers.withdraw(runtime, econsult_id=first.id, patient_id=patient)
    assert withdrawn.status == "withdrawn"
    assert isinstance(store.published[-1], EConsultWithdrawn)
    with pytest.raises(handlers.EConsultationNotFound):  # a withdrawn one is not there for the doctor
        await handlers.read_as_doctor(runtime, econsult_id=first.id, doctor_id=GP)

    opened = await handlers.read_as_doctor(runtime, econsult_id=second.id, doctor_id=GP)
    assert opened.opened_at == runtime.clock.now()
    with pytest.raises(AlreadyOpened):
        await handlers.withdraw(runtime, econsult_id=second.id, patient_id=patient)
    with pytest.raises(handlers.EConsultationNotFound):  # another patient's is not found, not forbidden
        await handlers.withdraw(runtime, econsult_id=second.id, patient_id=uuid.uuid4())
    with pytest.raises(Forbidden):
        await handlers.read_as_doctor(runtime, econsult_id=second.id, doctor_id=OTHER_GP)


async def test_only_a_change_of_availability_is_an_event(runtime: Any, store: EConsultStore) -> None:
    assert await handlers.set_availability(runtime, doctor_id=OTHER_GP, open_=False) is False  # closed already
    assert await handlers.set_availability(runtime, doctor_id=OTHER_GP, open_=True) is True
    assert await handlers.set_availability(runtime, doctor_id=OTHER_GP, open_=True) is False
    assert [(type(e), e.open) for e in store.published] == [(EConsultAvailabilityChanged, True)]


async def test_open_questions_follow_the_patient_to_the_new_gp(runtime: Any, store: EConsultStore) -> None:
    patient = store.listed(GP)
    answered, still_open = await ask(runtime, patient), await ask(runtime, patient)
    await handlers.answer(runtime, econsult_id=answered.id, doctor_id=GP, text="Ja.")
    await handlers.move_to_new_gp(FakeEConsultations(store.econsultations),
                                  PatientGpChanged(patient_id=patient, gp_id=OTHER_GP, previous_gp_id=GP))
    assert store.econsultations[still_open.id].doctor_id == OTHER_GP
    assert store.econsultations[answered.id].doctor_id == GP


async def test_a_closed_day_moves_the_due_date_of_what_was_sent_before_it(runtime: Any,
                                                                        store: EConsultStore) -> None:
    consultation = await ask(runtime, store.listed(GP))
    closed = date(2026, 3, 5)
    await handlers.due_dates_after_change(FakeEConsultations(store.econsultations), closed, WorkingDays([closed]))
    assert store.econsultations[consultation.id].due_date == date(2026, 3, 10)
