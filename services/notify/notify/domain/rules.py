"""Who gets what, on which channel, and when (domain-rules.md, "Notifications").

SMS goes to the registered mobile, e-mail where the patient has one; a login code goes by SMS to the
number it was asked for, at once, whatever the hour. Reminders are not sent between 21:00 and 08:00
(Europe/Oslo): one due at night waits for 08:00. The invoice e-mail carries the giro PDF.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Literal

from contracts.envelope import Event
from contracts.events import (
    AppointmentBooked,
    AppointmentCancelled,
    AppointmentReminderDue,
    EConsultAnswered,
    EConsultDeclined,
    InvoiceIssued,
    InvoiceOverdue,
    Language,
    LoginCodeRequested,
    PatientGpChanged,
    PrescriptionSent,
    RenewalRejected,
)
from kit.clock import OSLO, oslo
from notify.domain import formatting
from notify.domain.templates import FOR_CHILD, SMS_ONLY, TEMPLATES_BY_LANGUAGE, render

Channel = Literal["sms", "email"]

QUIET_FROM = time(21, 0)
QUIET_UNTIL = time(8, 0)
# Kinds that must respect the night's quiet. Everything else answers something the patient or the
# clinic just did; a reminder is the one message the clinic sends on its own schedule.
QUIET_KINDS = frozenset({"appointment_reminder", "appointment_reminder_too_late_to_cancel_online"})

# Which message goes first when many wait (deliveries are sent by priority, then oldest first). A login code
# before anything (0). Then news the patient is waiting for, of something the clinic did (1): a doctor's decision
# (the e-prescription is at the pharmacy), an appointment the clinic cancelled, a new GP. Then the rest (2): an
# echo of what the patient just did online (they saw the answer on the screen), reminders, invoices. In a booking
# rush thousands of booking confirmations are queued within seconds; a prescription's SMS does not wait for them.
AWAITED_KINDS = frozenset({"prescription_sent", "renewal_rejected", "econsult_answered", "econsult_declined",
                           "appointment_cancelled_by_clinic", "gp_changed"})


def priority_of(kind: str) -> int:
    return 0 if kind == "login_code" else 1 if kind in AWAITED_KINDS else 2

NOTIFYING_EVENTS: tuple[type[Event], ...] = (
    LoginCodeRequested, AppointmentBooked, AppointmentCancelled, AppointmentReminderDue, PatientGpChanged,
    PrescriptionSent, RenewalRejected, EConsultAnswered, EConsultDeclined, InvoiceIssued, InvoiceOverdue,
)
TOO_LATE = "_too_late_to_cancel_online"  # the variant of a booking or reminder that tells the patient to phone


@dataclass(frozen=True)
class Contact:
    patient_id: uuid.UUID | None
    mobile: str | None
    email: str | None
    language: Language = "nb"
    # A guardian told about a request they made for a child: the child's first name, never the full name
    # (domain-rules.md, "Acting for a child"). Such a message goes by SMS to the guardian alone.
    for_child: str | None = None


@dataclass(frozen=True)
class Planned:
    """One message to send: the row the consumer writes, before any provider is called."""

    channel: Channel
    kind: str
    address: str
    subject: str | None
    body: str
    not_before: datetime
    priority: int = 1
    expires_at: datetime | None = None
    subject_id: uuid.UUID | None = None
    giro_invoice_id: uuid.UUID | None = None


def send_from(kind: str, at: datetime) -> datetime:
    """The earliest moment at or after `at` when a message of `kind` may go out."""
    if kind not in QUIET_KINDS:
        return at
    local = oslo(at)
    if local.time() >= QUIET_FROM:
        return datetime.combine(local.date() + timedelta(days=1), QUIET_UNTIL, tzinfo=OSLO)
    if local.time() < QUIET_UNTIL:
        return datetime.combine(local.date(), QUIET_UNTIL, tzinfo=OSLO)
    return at


def kind_and_facts(event: Event, at: datetime, language: Language = "nb"
                   ) -> tuple[str, dict[str, str], uuid.UUID | None]:
    """The template and the only facts it may show, written for `language`, for a message going out at `at`. No
    other field of the event reaches a message."""
    def when(moment: datetime) -> str:
        return formatting.when(moment, language)

    def money(event: InvoiceIssued | InvoiceOverdue, ore: int) -> dict[str, str]:
        return {"beløp": formatting.kroner(ore, language), "forfall": formatting.day(event.due_date, language),
                "kid": event.kid}

    def may_still_cancel(kind: str, event: AppointmentBooked | AppointmentReminderDue) -> tuple[str, dict[str, str]]:
        """The message that says until when the patient may cancel online, or, once that moment has passed when
        the message goes (or it is not known), the one that says to phone instead."""
        facts = {"tid": when(event.starts_at)}
        deadline = event.patient_may_cancel_until
        if deadline is None or at >= deadline:
            return kind + TOO_LATE, facts
        return kind, {**facts, "frist": when(deadline)}

    match event:
        case LoginCodeRequested():
            return "login_code", {"kode": event.code}, None
        case AppointmentBooked():
            kind, facts = may_still_cancel("appointment_booked", event)
            return kind, facts, event.appointment_id
        case AppointmentCancelled():
            kind = "appointment_cancelled_by_patient" if event.cancelled_by == "patient" \
                else "appointment_cancelled_by_clinic"
            return kind, {"tid": when(event.starts_at)}, event.appointment_id
        case AppointmentReminderDue():
            kind, facts = may_still_cancel("appointment_reminder", event)
            return kind, facts, event.appointment_id
        case PatientGpChanged():
            return "gp_changed", {}, None
        case PrescriptionSent():
            return "prescription_sent", {}, event.renewal_id
        case RenewalRejected():
            return "renewal_rejected", {}, event.renewal_id
        case EConsultAnswered():
            return "econsult_answered", {}, event.econsult_id
        case EConsultDeclined():
            return "econsult_declined", {}, event.econsult_id
        case InvoiceIssued():
            return "invoice_issued", money(event, event.amount_ore), event.invoice_id
        case InvoiceOverdue():
            return "invoice_overdue", money(event, event.outstanding_ore), event.invoice_id
    raise ValueError(f"notify sends nothing for {type(event).__name__}")


def plan(event: Event, contact: Contact, now: datetime) -> list[Planned]:
    """The messages `event` gives `contact`: at most one per channel."""
    kind, facts, subject_id = kind_and_facts(event, now, contact.language)
    not_before = send_from(kind, now)
    if not_before > now:  # held for the morning: whether the patient may still cancel is judged then
        kind, facts, subject_id = kind_and_facts(event, not_before, contact.language)
    template = TEMPLATES_BY_LANGUAGE[contact.language][kind]
    # A reminder that could only go out after the appointment began is not sent at all.
    expires_at = event.starts_at if isinstance(event, AppointmentReminderDue) else None
    planned: list[Planned] = []
    if isinstance(event, LoginCodeRequested):
        # To the number the code was asked for; worthless once the code has expired.
        return [Planned("sms", kind, event.mobile, None, render(template.sms, facts), now,
                        priority=priority_of(kind), expires_at=event.expires_at)]
    if contact.mobile:
        text = render(template.sms, facts)
        if contact.for_child is not None:
            text = FOR_CHILD[contact.language].format(child=contact.for_child) + text
        planned.append(Planned("sms", kind, contact.mobile, None, text, not_before, priority=priority_of(kind),
                               expires_at=expires_at, subject_id=subject_id))
    if contact.email and kind not in SMS_ONLY:
        planned.append(Planned("email", kind, contact.email, render(template.subject, facts),
                               render(template.email, facts), not_before, priority=priority_of(kind),
                               expires_at=expires_at, subject_id=subject_id,
                               giro_invoice_id=event.invoice_id if isinstance(event, InvoiceIssued) else None))
    return planned


def guardian_of(event: Event) -> uuid.UUID | None:
    """The guardian who made the request an event is about, when a guardian made it for a child: the one person
    told of it (domain-rules.md, "Acting for a child")."""
    match event:
        case AppointmentBooked() | AppointmentCancelled() | AppointmentReminderDue():
            return event.booked_by_guardian_id
        case PrescriptionSent() | RenewalRejected():
            return event.requested_by_guardian_id
        case EConsultAnswered() | EConsultDeclined():
            return event.sent_by_guardian_id
    return None


def patient_of(event: Event) -> uuid.UUID | None:
    """The patient an event is about (a login code names a mobile, not a patient)."""
    patient_id = getattr(event, "patient_id", None)
    return patient_id if isinstance(patient_id, uuid.UUID) else None
