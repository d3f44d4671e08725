"""Every event the services exchange, as pydantic models. Defined once, here.

Naming: past tense, in the clinic's words. Payloads carry ids and the minimum a consumer needs; no
national ID, no free text from patients or doctors, no medicine names.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import ClassVar, Literal

from pydantic import AwareDatetime, Field

from contracts import topics
from contracts.envelope import Event

# --- identity ---------------------------------------------------------------------------------

# The languages the portal, its SMS and its e-mails speak: bokmål, nynorsk, English (as Helsenorge).
Language = Literal["nb", "nn", "en"]
LANGUAGES: tuple[Language, ...] = ("nb", "nn", "en")


class _PatientSnapshot(Event):
    """The fields other services keep in their own patient directory. A snapshot, so that a consumer
    can upsert and never needs the events in between."""

    topic: ClassVar[str] = topics.PATIENTS.name
    # v2 added `language` (v1 payloads are upcast to bokmål, the only language there was).
    schema_version: ClassVar[int] = 2

    patient_id: uuid.UUID
    gp_id: uuid.UUID | None = Field(description="The doctor whose list the patient is on.")
    name: str
    birth_date: date
    mobile: str | None = Field(description="E.164, Norwegian mobile; notify's only SMS address.")
    email: str | None
    first_contact_done: bool
    language: Language = Field(default="nb", description="The patient's language for SMS and e-mail.")

    def aggregate_id(self) -> str:
        return str(self.patient_id)


class PatientRegistered(_PatientSnapshot):
    event_type: ClassVar[str] = "PatientRegistered"
    description: ClassVar[str] = "Reception registered a patient on a GP's list."


class PatientUpdated(_PatientSnapshot):
    event_type: ClassVar[str] = "PatientUpdated"
    description: ClassVar[str] = "A patient's GP, contact details or first-contact mark changed."


class PatientGpChanged(Event):
    event_type: ClassVar[str] = "PatientGpChanged"
    topic: ClassVar[str] = topics.PATIENTS.name
    description: ClassVar[str] = (
        "Reception moved a patient to another GP's list. Written with the PatientUpdated that carries the new "
        "snapshot (same topic and key, so it comes after it): open renewals and eConsultations now belong to the "
        "new GP, the first contact must be made by phone again, booked appointments stay, and the patient is told."
    )

    patient_id: uuid.UUID
    previous_gp_id: uuid.UUID | None = Field(description="The GP whose list the patient left (none if none).")
    gp_id: uuid.UUID = Field(description="The GP whose list the patient is on now.")

    def aggregate_id(self) -> str:
        return str(self.patient_id)


class _GuardianEvent(Event):
    """On the child's key in the patients topic: a consumer sees the child registered before its guardians."""

    topic: ClassVar[str] = topics.PATIENTS.name

    child_id: uuid.UUID = Field(description="The child patient the guardian acts for.")
    guardian_id: uuid.UUID

    def aggregate_id(self) -> str:
        return str(self.child_id)


class GuardianRegistered(_GuardianEvent):
    event_type: ClassVar[str] = "GuardianRegistered"
    description: ClassVar[str] = (
        "Reception registered a guardian (foreldreansvar) of a child patient from the national registry. The "
        "guardian may act for the child by the child's age; SMS about requests the guardian makes for the child "
        "go to this mobile."
    )

    name: str = Field(description="The guardian's name, as the child's access log shows it.")
    mobile: str = Field(description="E.164, Norwegian mobile: where SMS about the guardian's requests go.")


class GuardianRemoved(_GuardianEvent):
    event_type: ClassVar[str] = "GuardianRemoved"
    description: ClassVar[str] = "Reception removed a guardian of a child patient: their access ends at once."


class StaffMemberRegistered(Event):
    event_type: ClassVar[str] = "StaffMemberRegistered"
    topic: ClassVar[str] = topics.STAFF.name
    description: ClassVar[str] = "A doctor, receptionist, billing officer or admin got an account."

    staff_id: uuid.UUID
    role: Literal["doctor", "reception", "billing", "admin"]
    name: str

    def aggregate_id(self) -> str:
        return str(self.staff_id)


class LoginCodeRequested(Event):
    event_type: ClassVar[str] = "LoginCodeRequested"
    topic: ClassVar[str] = topics.LOGIN_CODES.name
    description: ClassVar[str] = (
        "A one-time login code to send by SMS at once. Only notify reads this topic; its retention "
        "is the code's lifetime."
    )

    challenge_id: uuid.UUID
    mobile: str
    code: str = Field(pattern=r"^\d{6}$")
    expires_at: AwareDatetime
    patient_id: uuid.UUID | None = Field(default=None, description=(
        "Whose login it is, when the code goes to the patient's own mobile (none for a guardian's, and in events "
        "from before 2026-11-30): the code is in that patient's delivery list for staff even when the patient "
        "was registered a moment before, earlier than the registration reaches notify."))

    def aggregate_id(self) -> str:
        return str(self.challenge_id)


class SessionEnded(Event):
    event_type: ClassVar[str] = "SessionEnded"
    topic: ClassVar[str] = topics.SESSIONS.name
    description: ClassVar[str] = (
        "A session ended before its time (a logout, or every session of an account). The gateways keep a session "
        "they checked for a few seconds (EPORTAL_SESSION_CACHE_SECONDS); this tells every one of them to forget "
        "it at once. The session's id only: never its token."
    )

    session_id: uuid.UUID
    subject_id: uuid.UUID = Field(description="The patient or staff member whose session it was.")
    ended_at: AwareDatetime

    def aggregate_id(self) -> str:
        return str(self.subject_id)


class SessionActingForChanged(Event):
    event_type: ClassVar[str] = "SessionActingForChanged"
    topic: ClassVar[str] = topics.SESSIONS.name
    description: ClassVar[str] = (
        "A guardian's session now acts for another child, or for the guardian again (domain-rules \"Acting for a "
        "child\"). Whom a session acts for is part of what a gateway keeps for a few seconds; this tells every "
        "gateway to forget it at once, so no request after the switch acts for the child chosen before. The "
        "session's id only: never its token, never the child."
    )

    session_id: uuid.UUID
    subject_id: uuid.UUID = Field(description="The guardian whose session it is.")
    changed_at: AwareDatetime

    def aggregate_id(self) -> str:
        return str(self.subject_id)


# --- booking ----------------------------------------------------------------------------------


class _AppointmentEvent(Event):
    topic: ClassVar[str] = topics.APPOINTMENTS.name

    appointment_id: uuid.UUID
    patient_id: uuid.UUID
    doctor_id: uuid.UUID
    starts_at: AwareDatetime
    # Since AppointmentBooked v3, AppointmentCancelled v2, AppointmentReminderDue v3 (issue 19).
    booked_by_guardian_id: uuid.UUID | None = Field(
        default=None, description="The guardian who booked for the child (null: the patient did): SMS about the "
                                  "appointment go to this guardian, without the child's full name.")

    def aggregate_id(self) -> str:
        return str(self.appointment_id)


_CANCEL_UNTIL = ("The last moment the patient may cancel online (on a working day), by the clinic's calendar "
                 "when the event was written; null when not known (a version 1 event).")


class AppointmentBooked(_AppointmentEvent):
    event_type: ClassVar[str] = "AppointmentBooked"
    # v2: the patient's cancel deadline, so that no message promises an online cancel that is too late.
    # v3: the guardian who booked for a child.
    schema_version: ClassVar[int] = 3
    description: ClassVar[str] = ("A patient, or a guardian for a child, booked a slot. The reason for the visit is "
                                  "not carried.")

    ends_at: AwareDatetime
    patient_may_cancel_until: AwareDatetime | None = Field(description=_CANCEL_UNTIL)


class AppointmentCancelled(_AppointmentEvent):
    event_type: ClassVar[str] = "AppointmentCancelled"
    schema_version: ClassVar[int] = 2  # v2: the guardian who booked for a child
    description: ClassVar[str] = (
        "An appointment was cancelled, by the patient or by the clinic (`staff`, at any time: tell the "
        "patient). The slot is bookable again."
    )

    cancelled_by: Literal["patient", "staff"]


class AppointmentReminderDue(_AppointmentEvent):
    event_type: ClassVar[str] = "AppointmentReminderDue"
    # v2: the patient's cancel deadline, as in AppointmentBooked v2; v3: the guardian who booked for a child.
    schema_version: ClassVar[int] = 3
    description: ClassVar[str] = (
        "The day before an appointment (from 10:00 Oslo time): time to remind the patient. Emitted once per "
        "appointment, and not for one booked the day before or later (the confirmation serves)."
    )

    patient_may_cancel_until: AwareDatetime | None = Field(description=_CANCEL_UNTIL)


# --- the clinic's calendar (booking owns it) --------------------------------------------------


class _ClinicDayEvent(Event):
    topic: ClassVar[str] = topics.CLINIC_CALENDAR.name

    day: date = Field(description="The Oslo date the clinic closed or opened again.")

    def aggregate_id(self) -> str:
        # The day is the key: its events stay in order, and a compacted topic keeps the last word on each day.
        return self.day.isoformat()


class ClinicDayClosed(_ClinicDayEvent):
    event_type: ClassVar[str] = "ClinicDayClosed"
    description: ClassVar[str] = (
        "Reception closed a day for the whole clinic (Christmas Eve, a staff day). From now on it is not a working "
        "day in any service: cancel deadlines, renewal and eConsultation due dates skip it, and open requests' due "
        "dates are computed again. Booking owns the fact; every other service keeps a copy from these events."
    )


class ClinicDayReopened(_ClinicDayEvent):
    event_type: ClassVar[str] = "ClinicDayReopened"
    description: ClassVar[str] = (
        "Reception opened a closed day again: it is a working day once more (unless a weekend or public holiday), "
        "and open requests' due dates are computed again."
    )


# --- prescription -----------------------------------------------------------------------------


class _RenewalEvent(Event):
    topic: ClassVar[str] = topics.RENEWALS.name

    renewal_id: uuid.UUID
    patient_id: uuid.UUID

    def aggregate_id(self) -> str:
        return str(self.renewal_id)


class RenewalRequested(_RenewalEvent):
    event_type: ClassVar[str] = "RenewalRequested"
    description: ClassVar[str] = "A patient (portal) or reception (phone) asked to renew 1 to 3 fixed medicines."

    doctor_id: uuid.UUID
    channel: Literal["portal", "phone"]
    medication_ids: list[uuid.UUID] = Field(min_length=1, max_length=3)
    due_date: date


# SMS about a request a guardian made for a child go to that guardian (issue 19): the events notify tells of carry
# them. Null: the patient made the request themselves (or reception took it by phone).
_REQUESTED_BY_GUARDIAN = ("The guardian who made the request for the child (null: the patient did): SMS about it go "
                          "to this guardian, without the child's full name.")


class PrescriptionSent(_RenewalEvent):
    event_type: ClassVar[str] = "PrescriptionSent"
    schema_version: ClassVar[int] = 2  # v2: the guardian who asked for the child
    description: ClassVar[str] = (
        "The doctor approved and the e-prescriptions reached the prescription intermediary: "
        "ready at any pharmacy."
    )

    doctor_id: uuid.UUID
    medication_ids: list[uuid.UUID] = Field(min_length=1)
    sent_at: AwareDatetime
    requested_by_guardian_id: uuid.UUID | None = Field(default=None, description=_REQUESTED_BY_GUARDIAN)


class RenewalRejected(_RenewalEvent):
    event_type: ClassVar[str] = "RenewalRejected"
    schema_version: ClassVar[int] = 2  # v2: the guardian who asked for the child
    description: ClassVar[str] = "The doctor rejected medicines of a request; the reason is in the portal."

    doctor_id: uuid.UUID
    medication_ids: list[uuid.UUID] = Field(min_length=1)
    requested_by_guardian_id: uuid.UUID | None = Field(default=None, description=_REQUESTED_BY_GUARDIAN)


# --- econsult ---------------------------------------------------------------------------------


class _EConsultEvent(Event):
    topic: ClassVar[str] = topics.ECONSULTATIONS.name

    econsult_id: uuid.UUID
    patient_id: uuid.UUID
    doctor_id: uuid.UUID

    def aggregate_id(self) -> str:
        return str(self.econsult_id)


class EConsultSubmitted(_EConsultEvent):
    event_type: ClassVar[str] = "EConsultSubmitted"
    description: ClassVar[str] = "A patient sent an eConsultation to their GP. The text stays in econsult."

    submitted_at: AwareDatetime
    due_date: date


class EConsultAnswered(_EConsultEvent):
    event_type: ClassVar[str] = "EConsultAnswered"
    schema_version: ClassVar[int] = 2  # v2: the guardian who sent it for the child
    description: ClassVar[str] = (
        "The GP answered. Billing invoices the tariff in force when the patient sent it "
        "(the price the patient was shown)."
    )

    submitted_at: AwareDatetime
    answered_at: AwareDatetime
    sent_by_guardian_id: uuid.UUID | None = Field(default=None, description=_REQUESTED_BY_GUARDIAN)


class EConsultDeclined(_EConsultEvent):
    event_type: ClassVar[str] = "EConsultDeclined"
    schema_version: ClassVar[int] = 2  # v2: the guardian who sent it for the child
    description: ClassVar[str] = "The GP declined it as unsuitable and advised booking an appointment. Not billed."

    sent_by_guardian_id: uuid.UUID | None = Field(default=None, description=_REQUESTED_BY_GUARDIAN)


class EConsultWithdrawn(_EConsultEvent):
    event_type: ClassVar[str] = "EConsultWithdrawn"
    description: ClassVar[str] = (
        "The patient withdrew an eConsultation the doctor had not opened yet. Never answered, never billed."
    )

    withdrawn_at: AwareDatetime


class EConsultAvailabilityChanged(Event):
    event_type: ClassVar[str] = "EConsultAvailabilityChanged"
    topic: ClassVar[str] = topics.AVAILABILITY.name
    description: ClassVar[str] = "A GP opened or closed eConsultation for their list."

    doctor_id: uuid.UUID
    open: bool

    def aggregate_id(self) -> str:
        return str(self.doctor_id)


# --- billing ----------------------------------------------------------------------------------


class _InvoiceEvent(Event):
    topic: ClassVar[str] = topics.INVOICES.name

    invoice_id: uuid.UUID
    patient_id: uuid.UUID
    kid: str = Field(pattern=r"^\d{2,25}$", description=(
        "Customer id (KID) printed on the giro and reported back by the bank: unique per invoice, its last "
        "digit a MOD10 (Luhn) check digit. Billing issues 10 digits."))

    def aggregate_id(self) -> str:
        return str(self.invoice_id)


class InvoiceIssued(_InvoiceEvent):
    event_type: ClassVar[str] = "InvoiceIssued"
    description: ClassVar[str] = (
        "A giro invoice for an answered eConsultation, exactly one per eConsultation. Contract with the billing "
        "office: amounts in integer øre, by the tariff in force on the day the patient sent it; the co-payment "
        "counts toward the frikort, the fee does not. Not issued to a patient with a frikort for the year or "
        "under 16 on the day of the answer."
    )

    econsult_id: uuid.UUID = Field(description="The answered eConsultation this invoice bills.")
    account_number: str = Field(pattern=r"^\d{11}$", description="The clinic's account (11 digits, MOD11).")
    copayment_ore: int = Field(ge=0, description="The co-payment (egenandel), in øre: 20400 today.")
    fee_ore: int = Field(ge=0, description="The invoice fee, in øre: 5500 today.")
    amount_ore: int = Field(ge=0, description="copayment_ore + fee_ore: what the giro asks for.")
    issued_on: date = Field(description="Invoice date (Europe/Oslo).")
    due_date: date = Field(description="Last day to pay (Europe/Oslo); overdue from the day after.")


class InvoicePaid(_InvoiceEvent):
    event_type: ClassVar[str] = "InvoicePaid"
    description: ClassVar[str] = (
        "A payment was registered against an invoice (the bank's OCR file or by hand), one event per payment. "
        "Contract with the billing office. A payment whose KID matches no invoice, or a reversal, is kept and "
        "flagged in billing for the billing office and not published here."
    )

    payment_id: uuid.UUID = Field(description="Unique per payment; a bank transaction is registered once.")
    paid_ore: int = Field(description="This payment's amount in øre.")
    total_paid_ore: int = Field(description="All payments on the invoice so far, in øre.")
    amount_ore: int = Field(description="The invoice's amount in øre.")
    paid_on: date = Field(description="The day the money reached the clinic's account (the bank's settlement date).")
    status: Literal["paid", "part_paid", "over_paid"] = Field(description=(
        "The invoice after this payment: paid in full, in part (total below the amount) or over (above it)."))


class InvoiceOverdue(_InvoiceEvent):
    event_type: ClassVar[str] = "InvoiceOverdue"
    description: ClassVar[str] = (
        "An invoice passed its due date unpaid (found the day after, Europe/Oslo): the patient has an unsettled "
        "claim. Once per invoice."
    )

    due_date: date
    outstanding_ore: int = Field(description="What is left to pay, in øre.")


class ClaimsStatusChanged(Event):
    event_type: ClassVar[str] = "ClaimsStatusChanged"
    topic: ClassVar[str] = topics.CLAIMS.name
    description: ClassVar[str] = (
        "Whether a patient has unsettled claims (an overdue, unpaid invoice) changed: true when the first "
        "invoice becomes overdue, false when the payment that settles the last overdue one arrives."
    )

    patient_id: uuid.UUID
    has_unsettled_claims: bool
    changed_at: datetime

    def aggregate_id(self) -> str:
        return str(self.patient_id)


ALL_EVENTS: tuple[type[Event], ...] = (
    PatientRegistered, PatientUpdated, PatientGpChanged, GuardianRegistered, GuardianRemoved, StaffMemberRegistered,
    LoginCodeRequested, SessionEnded, SessionActingForChanged,
    AppointmentBooked, AppointmentCancelled, AppointmentReminderDue, ClinicDayClosed, ClinicDayReopened,
    RenewalRequested, PrescriptionSent, RenewalRejected,
    EConsultSubmitted, EConsultAnswered, EConsultDeclined, EConsultWithdrawn, EConsultAvailabilityChanged,
    InvoiceIssued, InvoicePaid, InvoiceOverdue, ClaimsStatusChanged,
)
