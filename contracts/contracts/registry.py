"""From an envelope on the wire to a typed event: look the type up, upcast old versions, validate.

A change that breaks a consumer gets a new `schema_version` and an upcaster from the previous one;
`UPCASTERS[(event_type, v)]` turns a version-v payload into a version-(v+1) payload. Old payloads are
kept under `fixtures/` and must keep parsing.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from contracts.envelope import Envelope, Event
from contracts.events import ALL_EVENTS

Payload = dict[str, Any]

EVENTS_BY_TYPE: dict[str, type[Event]] = {e.event_type: e for e in ALL_EVENTS}

UPCASTERS: dict[tuple[str, int], Callable[[Payload], Payload]] = {}


class UnknownEventType(ValueError):
    pass


class UnsupportedSchemaVersion(ValueError):
    pass


def upcaster(event_type: str, from_version: int) -> Callable[[Callable[[Payload], Payload]],
                                                             Callable[[Payload], Payload]]:
    def register(fn: Callable[[Payload], Payload]) -> Callable[[Payload], Payload]:
        UPCASTERS[(event_type, from_version)] = fn
        return fn
    return register


def parse_envelope(raw: bytes | str) -> Envelope:
    return Envelope.model_validate_json(raw)


def event_from(envelope: Envelope) -> Event:
    """The typed, current-version event of an envelope (raises on an unknown type or bad payload)."""
    cls = EVENTS_BY_TYPE.get(envelope.event_type)
    if cls is None:
        raise UnknownEventType(envelope.event_type)
    version, payload = envelope.schema_version, dict(envelope.payload)
    if version > cls.schema_version:
        raise UnsupportedSchemaVersion(f"{envelope.event_type} v{version} is newer than v{cls.schema_version}")
    while version < cls.schema_version:
        step = UPCASTERS.get((envelope.event_type, version))
        if step is None:
            raise UnsupportedSchemaVersion(f"no upcaster for {envelope.event_type} v{version}")
        payload, version = step(payload), version + 1
    return cls.model_validate(payload)


# --- the upcasters ------------------------------------------------------------------------------


@upcaster("AppointmentBooked", 1)
def _booked_v1_to_v2(payload: Payload) -> Payload:
    # A v1 event did not say when the online cancel closes: unknown, so no message may promise one.
    return {**payload, "patient_may_cancel_until": None}


@upcaster("AppointmentReminderDue", 1)
def _reminder_v1_to_v2(payload: Payload) -> Payload:
    return {**payload, "patient_may_cancel_until": None}


def _booked_by_the_patient(payload: Payload) -> Payload:
    """An appointment event from before guardians (issue 19): the patient booked it."""
    return {**payload, "booked_by_guardian_id": None}


for _appointment_event, _version in (("AppointmentBooked", 2), ("AppointmentCancelled", 1),
                                     ("AppointmentReminderDue", 2)):
    upcaster(_appointment_event, _version)(_booked_by_the_patient)


def _requested_by_the_patient(field: str) -> Callable[[Payload], Payload]:
    """A renewal's or eConsultation's event from before guardians (issue 19): the patient made the request."""
    def upcast(payload: Payload) -> Payload:
        return {**payload, field: None}
    return upcast


for _request_event, _field in (("PrescriptionSent", "requested_by_guardian_id"),
                               ("RenewalRejected", "requested_by_guardian_id"),
                               ("EConsultAnswered", "sent_by_guardian_id"),
                               ("EConsultDeclined", "sent_by_guardian_id")):
    upcaster(_request_event, 1)(_requested_by_the_patient(_field))


def _bokmål(payload: Payload) -> Payload:
    """A patient snapshot from before languages: the patient read bokmål, the only language there was."""
    return {**payload, "language": "nb"}


for _snapshot in ("PatientRegistered", "PatientUpdated"):
    upcaster(_snapshot, 1)(_bokmål)
