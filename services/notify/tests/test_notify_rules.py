"""Who gets what on which channel, and when: SMS to the mobile, e-mail where there is one, login codes
at once to the number asked for, reminders never between 21:00 and 08:00 Oslo time."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

import pytest

from contracts.envelope import Event
from contracts.events import (
    AppointmentBooked,
    AppointmentCancelled,
    AppointmentReminderDue,
    EConsultAnswered,
    EConsultDeclined,
    InvoiceIssued,
    InvoiceOverdue,
    LoginCodeRequested,
    PatientGpChanged,
    PrescriptionSent,
    RenewalRejected,
)
from kit.clock import OSLO
from notify.domain.rules import Contact, guardian_of, plan, send_from
from notify.sender import backoff
from notify.settings import NotifySettings
from services.notify.tests.notify_samples import PATIENT, every_event

KARI = Contact(PATIENT, "+4791234567", "kari@example.no")


def at(day: int, hour: int, minute: int = 0, month: int = 3) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=OSLO)


def test_sms_to_the_mobile_and_email_where_there_is_one() -> None:
    for event in every_event()[1:]:
        assert sorted((p.channel, p.address) for p in plan(event, KARI, at(10, 12))) == [
            ("email", "kari@example.no"), ("sms", "+4791234567")]
        assert [p.channel for p in plan(event, Contact(PATIENT, "+4791234567", None), at(10, 12))] == ["sms"]
        assert [p.channel for p in plan(event, Contact(PATIENT, None, "kari@example.no"), at(10, 12))] == ["email"]
        assert plan(event, Contact(PATIENT, None, None), at(10, 12)) == []


def test_a_login_code_goes_by_sms_at_once_to_the_number_asked_for_even_at_night() -> None:
    code = every_event(mobile="+4799887766")[0]
    assert isinstance(code, LoginCodeRequested)
    night = at(10, 3, 12)
    [planned] = plan(code, KARI, night)
    assert (planned.channel, planned.address, planned.not_before) == ("sms", "+4799887766", night)
    assert planned.expires_at == code.expires_at
    assert planned.priority == 0


def test_news_the_patient_waits_for_goes_before_echoes_reminders_and_invoices() -> None:
    """Deliveries go by priority, then oldest first: a login code first; then what the clinic did (a doctor's
    decision, an appointment the clinic cancelled); then the rest. A booking rush's confirmations (the patient saw
    the answer on the screen) do not hold up a prescription's SMS."""
    priorities: dict[str, set[int]] = {}
    for event in every_event():
        for planned in plan(event, KARI, at(10, 12)):
            priorities.setdefault(planned.kind, set()).add(planned.priority)
    assert priorities["login_code"] == {0}
    first = {kind for kind, found in priorities.items() if found == {1}}
    assert first == {"prescription_sent", "renewal_rejected", "econsult_answered", "econsult_declined",
                     "appointment_cancelled_by_clinic", "gp_changed"} & set(priorities)
    assert {"prescription_sent", "appointment_cancelled_by_clinic"} <= first
    assert priorities["appointment_booked"] == priorities["appointment_cancelled_by_patient"] == {2}
    assert priorities["invoice_issued"] == {2}


def test_reminders_wait_for_eight_in_the_morning() -> None:
    assert send_from("appointment_reminder", at(10, 20, 59)) == at(10, 20, 59)
    assert send_from("appointment_reminder", at(10, 21, 0)) == at(11, 8, 0)
    assert send_from("appointment_reminder", at(10, 23, 30)) == at(11, 8, 0)
    assert send_from("appointment_reminder", at(11, 0, 10)) == at(11, 8, 0)
    assert send_from("appointment_reminder", at(11, 7, 59)) == at(11, 8, 0)
    assert send_from("appointment_reminder", at(11, 8, 0)) == at(11, 8, 0)
    # Across the change to summer time (29 March 2026): still 08:00 on the wall clock.
    assert send_from("appointment_reminder", at(28, 22, 0)) == at(29, 8, 0)
    assert send_from("appointment_reminder", at(28, 22, 0)).utcoffset() == timedelta(hours=2)
    # Other messages answer something just done and go at once.
    assert send_from("appointment_booked", at(10, 23, 30)) == at(10, 23, 30)
    reminder = next(e for e in every_event() if isinstance(e, AppointmentReminderDue))
    assert {p.not_before for p in plan(reminder, KARI, at(10, 22))} == {at(11, 8)}
    assert {p.expires_at for p in plan(reminder, KARI, at(10, 22))} == {reminder.starts_at}


def booked(starts: datetime, cancel_until: datetime | None) -> AppointmentBooked:
    return AppointmentBooked(appointment_id=uuid.uuid4(), patient_id=PATIENT, doctor_id=uuid.uuid4(),
                             starts_at=starts, ends_at=starts + timedelta(minutes=20),
                             patient_may_cancel_until=cancel_until)


def test_a_booking_sms_promises_an_online_cancel_only_while_the_deadline_is_ahead() -> None:
    # Thursday 12 March 09:00; the patient may cancel online until Wednesday 11 March 09:00.
    thursday, deadline = at(12, 9), at(11, 9)
    [early] = [p for p in plan(booked(thursday, deadline), KARI, at(10, 12)) if p.channel == "sms"]
    assert early.kind == "appointment_booked"
    assert "Avbestill i ePortalen på en virkedag, senest onsdag 11. mars kl. 09.00." in early.body
    for late_at in (at(11, 9), at(11, 15)):  # at the deadline or after it: phone the clinic
        [late] = [p for p in plan(booked(thursday, deadline), KARI, late_at) if p.channel == "sms"]
        assert late.kind == "appointment_booked_too_late_to_cancel_online"
        assert "ring" in late.body
        assert "kan ikke avbestilles på nett" in late.body
        assert "avbestill i" not in late.body.lower()
    # A version 1 event does not say when the online cancel closes: no promise either.
    [unknown] = [p for p in plan(booked(thursday, None), KARI, at(10, 12)) if p.channel == "sms"]
    assert unknown.kind == "appointment_booked_too_late_to_cancel_online"


def test_a_reminder_held_for_the_morning_is_judged_when_it_goes() -> None:
    # An appointment on Thursday 12 March 08:30 may be cancelled online until Wednesday 08:30; a reminder due on
    # Tuesday 22:00 waits for Wednesday 08:00, still in time; one held to after the deadline says to phone.
    reminder = AppointmentReminderDue(appointment_id=uuid.uuid4(), patient_id=PATIENT, doctor_id=uuid.uuid4(),
                                      starts_at=at(12, 8, 30), patient_may_cancel_until=at(11, 8, 30))
    [in_time] = [p for p in plan(reminder, KARI, at(10, 22)) if p.channel == "sms"]
    assert (in_time.kind, in_time.not_before) == ("appointment_reminder", at(11, 8))
    assert "senest onsdag 11. mars kl. 08.30" in in_time.body
    tight = reminder.model_copy(update={"patient_may_cancel_until": at(11, 7, 30)})
    [late] = [p for p in plan(tight, KARI, at(10, 22)) if p.channel == "sms"]
    assert (late.kind, late.not_before) == ("appointment_reminder_too_late_to_cancel_online", at(11, 8))
    assert "ring legekontoret" in late.body


def test_the_giro_rides_on_the_invoice_email_only() -> None:
    for event in every_event():
        for planned in plan(event, KARI, at(10, 12)):
            expected = event.invoice_id if isinstance(event, InvoiceIssued) and planned.channel == "email" else None
            assert planned.giro_invoice_id == expected


def test_retries_back_off_exponentially_up_to_a_cap() -> None:
    settings = NotifySettings(env="test", database_url="postgresql://x@127.0.0.1:1/x", delivery_backoff_seconds=5,
                              delivery_backoff_max_seconds=60)
    assert [backoff(settings, n).total_seconds() for n in range(1, 7)] == [5, 10, 20, 40, 60, 60]


def test_production_needs_real_providers_and_never_runs_the_sinks() -> None:
    from pydantic import ValidationError
    base = {"database_url": "postgresql://notify@db/notify"}
    assert NotifySettings(env="dev", **base).runs_sinks
    assert NotifySettings(env="test", **base).runs_sinks
    with pytest.raises(ValidationError, match="never run in production"):
        NotifySettings(env="prod", dev_sinks=True, **base)
    with pytest.raises(ValidationError, match="EPORTAL_SMS_PROVIDER_URL"):
        NotifySettings(env="prod", smtp_host="smtp.example.no", **base)
    real = NotifySettings(env="prod", sms_provider_url="https://sms.example.no/v1", sms_api_key="s3cr3t-key",
                          smtp_host="smtp.example.no", **base)
    assert not real.runs_sinks
    assert "s3cr3t-key" not in repr(real)  # the key is a secret


GUARDIAN = uuid.uuid4()
EMMA_S_GUARDIAN = Contact(PATIENT, "+4790000007", None, for_child="Emma")  # as repository.guardian_contact finds it
MADE_BY = {AppointmentBooked: "booked_by_guardian_id", AppointmentCancelled: "booked_by_guardian_id",
           AppointmentReminderDue: "booked_by_guardian_id", PrescriptionSent: "requested_by_guardian_id",
           RenewalRejected: "requested_by_guardian_id", EConsultAnswered: "sent_by_guardian_id",
           EConsultDeclined: "sent_by_guardian_id"}


@pytest.mark.parametrize("event", [e for e in every_event() if type(e) in MADE_BY], ids=lambda e: e.event_type)
def test_a_request_a_guardian_made_for_a_child_is_told_to_that_guardian_alone(event: Event) -> None:
    """Issue 19: the guardian who booked, asked for a renewal or sent an eConsultation is the one told, by SMS only,
    with the child's first name before the very text the patient would get; a request the patient made themselves
    names no guardian and is told to the patient as always."""
    assert guardian_of(event) is None
    made_by_guardian = event.model_copy(update={MADE_BY[type(event)]: GUARDIAN})
    assert guardian_of(made_by_guardian) == GUARDIAN
    [to_patient] = [p for p in plan(event, KARI, at(10, 12)) if p.channel == "sms"]
    [to_guardian] = plan(made_by_guardian, EMMA_S_GUARDIAN, at(10, 12))
    assert (to_guardian.channel, to_guardian.address) == ("sms", "+4790000007")
    assert to_guardian.body == "Gjelder Emma: " + to_patient.body


def test_events_about_no_request_of_a_guardian_name_no_guardian() -> None:
    """The invoice (an eConsultation for a child is free, so none comes of a guardian's), the change of GP and the
    login code are the patient's own."""
    told_as_ever = [e for e in every_event() if type(e) not in MADE_BY]
    assert {type(e) for e in told_as_ever} == {LoginCodeRequested, InvoiceIssued, InvoiceOverdue, PatientGpChanged}
    assert [guardian_of(e) for e in told_as_ever] == [None] * len(told_as_ever)
