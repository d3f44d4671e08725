"""Sending to the own, open GP with confirmed terms; due in 5 working days; answered or declined once."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta

import pytest

from econsult.domain.econsultation import EConsultation, submit
from econsult.domain.errors import AlreadyHandled, EConsultClosed, QuestionEmpty, ReplyEmpty, TermsNotAccepted
from kit.working_days import WorkingDays

PATIENT, GP = uuid.uuid4(), uuid.uuid4()
# Wednesday 1 April 2026, 10:00 in Oslo: Maundy Thursday, Good Friday and Easter Monday come next.
BEFORE_EASTER = datetime(2026, 4, 1, 8, 0, tzinfo=UTC)


def send(text: str = "Hvilke vaksiner trenger jeg til Kenya?", *, gp_id: uuid.UUID | None = GP, gp_open: bool = True,
         accepted_terms: bool = True, now: datetime = BEFORE_EASTER,
         closed: tuple[date, ...] = ()) -> EConsultation:
    consultation, _ = submit(patient_id=PATIENT, gp_id=gp_id, gp_open=gp_open, text=text,
                             accepted_terms=accepted_terms, now=now, working_days=WorkingDays(closed))
    return consultation


def test_it_goes_to_the_patients_own_gp() -> None:
    consultation = send()
    assert consultation.doctor_id == GP
    assert consultation.status == "open"


def test_a_closed_gp_refuses() -> None:
    with pytest.raises(EConsultClosed) as refused:
        send(gp_open=False)
    assert (refused.value.code, refused.value.status) == ("econsult.closed", 409)


def test_a_patient_without_a_gp_is_refused_as_closed() -> None:
    with pytest.raises(EConsultClosed):
        send(gp_id=None)


def test_terms_must_be_confirmed() -> None:
    with pytest.raises(TermsNotAccepted) as refused:
        send(accepted_terms=False)
    assert (refused.value.code, refused.value.status) == ("econsult.terms_not_accepted", 422)


def test_the_text_is_checked_too() -> None:
    with pytest.raises(QuestionEmpty):
        send("   ")


def test_due_five_working_days_after_the_day_it_is_sent_skipping_easter() -> None:
    # Thu 2 Apr, Fri 3 Apr and Mon 6 Apr 2026 are holidays: Tue 7, Wed 8, Thu 9, Fri 10, Mon 13.
    assert send().due_date == date(2026, 4, 13)


def test_the_day_is_the_oslo_day() -> None:
    # 23:30 UTC on Thursday 8 January 2026 is already Friday in Oslo: counted from Friday (the UTC day
    # would give Thursday 15 January).
    assert send(now=datetime(2026, 1, 8, 23, 30, tzinfo=UTC)).due_date == date(2026, 1, 16)
    assert send(now=datetime(2026, 1, 8, 22, 30, tzinfo=UTC)).due_date == date(2026, 1, 15)  # 23:30 Thursday


def test_clinic_closed_days_do_not_count() -> None:
    assert send(closed=(date(2026, 4, 7),)).due_date == date(2026, 4, 14)


def test_overdue_after_the_due_date_while_open() -> None:
    consultation = send()
    assert not consultation.overdue(datetime(2026, 4, 13, 21, 0, tzinfo=UTC))  # 23:00 in Oslo, still the day
    assert consultation.overdue(datetime(2026, 4, 13, 22, 30, tzinfo=UTC))  # 00:30 on the 14th in Oslo


def test_answered_once_with_an_event_that_carries_no_text() -> None:
    consultation = send("Jeg har vondt i kneet etter løping, bør jeg hvile?")
    answered, event = consultation.answer("  Hvil en uke, og kom til time om det ikke går over.  ",
                                          BEFORE_EASTER + timedelta(days=1))
    assert answered.status == "answered"
    assert answered.reply == "Hvil en uke, og kom til time om det ikke går over."
    assert event.econsult_id == consultation.id
    assert event.submitted_at == consultation.submitted_at
    payload = event.model_dump_json()
    assert "kneet" not in payload
    assert "Hvil" not in payload
    with pytest.raises(AlreadyHandled) as refused:
        answered.answer("Igjen", BEFORE_EASTER + timedelta(days=2))
    assert (refused.value.code, refused.value.status) == ("econsult.already_handled", 409)
    with pytest.raises(AlreadyHandled):
        answered.decline("Bestill time", BEFORE_EASTER + timedelta(days=2))
    assert not answered.overdue(BEFORE_EASTER + timedelta(days=60))


def test_declined_once_and_not_answered_afterwards() -> None:
    declined, event = send().decline("Dette må undersøkes.", BEFORE_EASTER + timedelta(days=1))
    assert declined.status == "declined"
    assert "undersøkes" not in event.model_dump_json()
    with pytest.raises(AlreadyHandled):
        declined.answer("Likevel", BEFORE_EASTER + timedelta(days=2))


def test_an_empty_answer_is_refused() -> None:
    with pytest.raises(ReplyEmpty):
        send().answer(" \n ", BEFORE_EASTER)
