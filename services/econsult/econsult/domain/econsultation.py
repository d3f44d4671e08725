"""An eConsultation: a short question to the patient's own GP, answered or declined once.

The text, the answer and the reason for declining are health data: they stay in this service's
database and never travel in events (the events carry ids and dates only).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Literal

from contracts.events import EConsultAnswered, EConsultDeclined, EConsultSubmitted, EConsultWithdrawn
from econsult.domain.errors import AlreadyHandled, AlreadyOpened, EConsultClosed, TermsNotAccepted
from econsult.domain.renewal_hint import RenewalHint, renewal_hint
from econsult.domain.text import question_text, reply_text
from kit.clock import oslo
from kit.working_days import WorkingDays

ANSWER_WITHIN_WORKING_DAYS = 5
Status = Literal["open", "answered", "declined", "withdrawn"]
BOOK_ADVICE = "Legen mener spørsmålet ditt bør tas på en vanlig time. Bestill time under «Timebestilling»."


@dataclass(frozen=True)
class EConsultation:
    id: uuid.UUID
    patient_id: uuid.UUID
    doctor_id: uuid.UUID
    text: str
    submitted_at: datetime
    due_date: date
    status: Status = "open"
    reply: str | None = None  # the answer, or the reason for declining
    handled_at: datetime | None = None  # answered, declined or withdrawn
    renewal_hint: bool = False
    opened_at: datetime | None = None  # when the doctor first read it: from then on the patient cannot withdraw it
    sent_by_guardian_id: uuid.UUID | None = None  # a guardian sent it for the child: their SMS (issue 19)

    def overdue(self, now: datetime) -> bool:
        return self.status == "open" and oslo(now).date() > self.due_date

    def submitted_event(self) -> EConsultSubmitted:
        return EConsultSubmitted(econsult_id=self.id, patient_id=self.patient_id, doctor_id=self.doctor_id,
                                 submitted_at=self.submitted_at, due_date=self.due_date)

    def answer(self, text: str, now: datetime) -> tuple[EConsultation, EConsultAnswered]:
        handled = self._handle("answered", text, now)
        return handled, EConsultAnswered(econsult_id=self.id, patient_id=self.patient_id, doctor_id=self.doctor_id,
                                         submitted_at=self.submitted_at, answered_at=now,
                                         sent_by_guardian_id=self.sent_by_guardian_id)

    def decline(self, reason: str, now: datetime) -> tuple[EConsultation, EConsultDeclined]:
        handled = self._handle("declined", reason, now)
        return handled, EConsultDeclined(econsult_id=self.id, patient_id=self.patient_id, doctor_id=self.doctor_id,
                                         sent_by_guardian_id=self.sent_by_guardian_id)

    def withdraw(self, now: datetime) -> tuple[EConsultation, EConsultWithdrawn]:
        """The patient takes the question back, while the doctor has not opened it: never answered, never billed."""
        if self.status != "open":
            raise AlreadyHandled()
        if self.opened_at is not None:
            raise AlreadyOpened()
        withdrawn = replace(self, status="withdrawn", handled_at=now)
        return withdrawn, EConsultWithdrawn(econsult_id=self.id, patient_id=self.patient_id, doctor_id=self.doctor_id,
                                            withdrawn_at=now)

    def _handle(self, status: Status, raw: str, now: datetime) -> EConsultation:
        if self.status != "open":
            raise AlreadyHandled()
        return replace(self, status=status, reply=reply_text(raw), handled_at=now)


def due_date(submitted_at: datetime, working_days: WorkingDays) -> date:
    """5 working days after the Oslo day it was sent; computed again when the clinic closes or reopens a day."""
    return working_days.due_after(submitted_at, ANSWER_WITHIN_WORKING_DAYS)


def submit(*, patient_id: uuid.UUID, gp_id: uuid.UUID | None, gp_open: bool, text: str, accepted_terms: bool,
           now: datetime, working_days: WorkingDays,
           medicine_names: Iterable[str] = (), sent_by_guardian_id: uuid.UUID | None = None
           ) -> tuple[EConsultation, RenewalHint | None]:
    """A patient's question to their own GP (or a guardian's for a child), due 5 working days after the day it is
    sent (Oslo)."""
    question = question_text(text)
    if not accepted_terms:
        raise TermsNotAccepted()
    if gp_id is None or not gp_open:
        raise EConsultClosed()
    hint = renewal_hint(question, medicine_names)
    consultation = EConsultation(
        id=uuid.uuid4(), patient_id=patient_id, doctor_id=gp_id, text=question, submitted_at=now,
        due_date=due_date(now, working_days), renewal_hint=hint is not None, sent_by_guardian_id=sent_by_guardian_id)
    return consultation, hint
