"""Sample events for notify's tests: one of every kind notify sends for, around the clinic's real texts."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta

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

# Medicines a Norwegian GP renews every day, brand and generic names. None may ever reach a message.
MEDICINE_NAMES = (
    "Paracet", "Paracetamol", "Ibux", "Ibuprofen", "Metformin", "Levaxin", "Levotyroksin", "Sertralin", "Zoloft",
    "Cipralex", "Escitalopram", "Atorvastatin", "Lipitor", "Simvastatin", "Albyl-E", "Marevan", "Warfarin",
    "Eliquis", "Ventoline", "Salbutamol", "Symbicort", "Seretide", "Losartan", "Cozaar", "Amlodipin", "Norvasc",
    "Metoprolol", "Selo-Zok", "Omeprazol", "Somac", "Pantoprazol", "Zopiklon", "Imovane", "Sobril", "Vival",
    "Diazepam", "Oxycodone", "OxyNorm", "Tramadol", "Nobligan", "Ritalin", "Insulin", "Novorapid", "Lantus",
    "Prednisolon", "Apocillin", "Penicillin", "Antibiotika", "p-piller", "Yasmin", "Microgynon",
)
# Consultation and visit texts a patient or doctor might write. None may ever reach a message.
CLINICAL_TEXTS = (
    "Kan jeg ta Paracet sammen med Ibux?", "Vondt i ryggen etter fall", "mistanke om urinveisinfeksjon",
    "depresjon", "diabetes", "Ja, det går fint.", "Bestill time for undersøkelse.",
)

PATIENT = uuid.UUID("11111111-1111-4111-8111-111111111111")
DOCTOR = uuid.UUID("22222222-2222-4222-8222-222222222222")
STARTS = datetime(2026, 3, 12, 8, 0, tzinfo=UTC)  # Thursday 12 March, 09.00 in Oslo
CANCEL_UNTIL = STARTS - timedelta(hours=24)  # Wednesday 11 March, 09.00 in Oslo


def every_event(patient_id: uuid.UUID = PATIENT, mobile: str = "+4791234567",
                now: datetime | None = None) -> list[Event]:
    """One event of every kind that gives a notification."""
    now = now or datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
    appointment = uuid.uuid4()
    renewal_meds = [uuid.uuid4(), uuid.uuid4()]
    econsult = uuid.uuid4()
    return [
        LoginCodeRequested(challenge_id=uuid.uuid4(), mobile=mobile, code="482913",
                           expires_at=now + timedelta(minutes=5)),
        AppointmentBooked(appointment_id=appointment, patient_id=patient_id, doctor_id=DOCTOR, starts_at=STARTS,
                          ends_at=STARTS + timedelta(minutes=20), patient_may_cancel_until=CANCEL_UNTIL),
        AppointmentReminderDue(appointment_id=appointment, patient_id=patient_id, doctor_id=DOCTOR, starts_at=STARTS,
                               patient_may_cancel_until=CANCEL_UNTIL),
        AppointmentCancelled(appointment_id=appointment, patient_id=patient_id, doctor_id=DOCTOR, starts_at=STARTS,
                             cancelled_by="patient"),
        AppointmentCancelled(appointment_id=uuid.uuid4(), patient_id=patient_id, doctor_id=DOCTOR, starts_at=STARTS,
                             cancelled_by="staff"),
        PrescriptionSent(renewal_id=uuid.uuid4(), patient_id=patient_id, doctor_id=DOCTOR,
                         medication_ids=renewal_meds, sent_at=now),
        RenewalRejected(renewal_id=uuid.uuid4(), patient_id=patient_id, doctor_id=DOCTOR, medication_ids=renewal_meds),
        EConsultAnswered(econsult_id=econsult, patient_id=patient_id, doctor_id=DOCTOR, submitted_at=now,
                         answered_at=now),
        EConsultDeclined(econsult_id=uuid.uuid4(), patient_id=patient_id, doctor_id=DOCTOR),
        InvoiceIssued(invoice_id=uuid.uuid4(), patient_id=patient_id, kid="0000000018", econsult_id=econsult,
                      account_number="15030540007", copayment_ore=20400, fee_ore=5500, amount_ore=25900,
                      issued_on=date(2026, 3, 3), due_date=date(2026, 3, 17)),
        InvoiceOverdue(invoice_id=uuid.uuid4(), patient_id=patient_id, kid="0000000026", due_date=date(2026, 3, 17),
                       outstanding_ore=25900),
        # Booked and reminded after the online cancel closed (or not known when): the patient is told to phone.
        AppointmentBooked(appointment_id=uuid.uuid4(), patient_id=patient_id, doctor_id=DOCTOR, starts_at=STARTS,
                          ends_at=STARTS + timedelta(minutes=20), patient_may_cancel_until=now - timedelta(hours=1)),
        AppointmentReminderDue(appointment_id=uuid.uuid4(), patient_id=patient_id, doctor_id=DOCTOR, starts_at=STARTS,
                               patient_may_cancel_until=None),
        PatientGpChanged(patient_id=patient_id, previous_gp_id=DOCTOR, gp_id=uuid.uuid4()),
    ]
