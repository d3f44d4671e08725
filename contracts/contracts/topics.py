"""Kafka topics, one per kind of aggregate. Names are logical: deployments may add a prefix
(`EPORTAL_TOPIC_PREFIX`) so that test runs and tenants never share a topic."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class TopicSpec:
    name: str
    description: str
    # Retention in ms; None keeps the broker's default. Login codes must not outlive the code itself.
    retention_ms: int | None = None
    partitions: int | None = None  # None: the deployment's default
    # "compact": Kafka keeps the last message of each key for ever, so a service that starts later still
    # learns the current state of every key (None: delete by time, the broker's default).
    cleanup_policy: str | None = None


PATIENTS = TopicSpec("patients", "Patient registry: registrations and updates (identity).")
STAFF = TopicSpec("staff", "Clinic staff and doctors' lists (identity).")
LOGIN_CODES = TopicSpec(
    "login-codes",
    "One-time login codes on their way to the SMS provider. Readable by notify alone; "
    "messages are kept no longer than the code lives (5 minutes).",
    retention_ms=5 * 60 * 1000,
)
CLINIC_CALENDAR = TopicSpec(
    "clinic-calendar",
    "The clinic's own closed days, closed and opened again (booking owns them). Compacted by day: the last "
    "word on every day is kept, so a service that starts later still counts every closed day.",
    cleanup_policy="compact",
)
APPOINTMENTS = TopicSpec("appointments", "Appointments booked, cancelled and due for reminder (booking).")
RENEWALS = TopicSpec("renewals", "Prescription renewal requests and the doctor's decisions (prescription).")
ECONSULTATIONS = TopicSpec("econsultations", "eConsultations submitted, answered, declined (econsult).")
AVAILABILITY = TopicSpec("econsult-availability", "GPs opening and closing eConsultation (econsult).")
INVOICES = TopicSpec(
    "invoices",
    "Giro invoices issued, paid and overdue (billing). A published contract for the billing office.",
)
CLAIMS = TopicSpec("claims", "Whether a patient has unsettled claims (billing).")
SESSIONS = TopicSpec(
    "sessions",
    "Sessions ended before their time (a logout, every session of an account) or switched to act for another "
    "child (identity). Every gateway reads every message (no consumer group) and forgets the session at once; "
    "kept an hour.",
    retention_ms=60 * 60 * 1000,
)

ALL: tuple[TopicSpec, ...] = (
    PATIENTS, STAFF, LOGIN_CODES, CLINIC_CALENDAR, APPOINTMENTS, RENEWALS, ECONSULTATIONS, AVAILABILITY,
    INVOICES, CLAIMS, SESSIONS,
)


def dead_letter_topic(consumer: str) -> str:
    """Each consuming service has its own dead-letter topic: its failures are its own to explain."""
    return f"dlq.{consumer}"
