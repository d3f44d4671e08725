"""The published contracts: every event has a kept example payload that still parses, old versions are
upcast, and the AsyncAPI document names every event with its schema."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import ClassVar

import pytest

from contracts import registry
from contracts.asyncapi import document
from contracts.envelope import Envelope, Event
from contracts.events import ALL_EVENTS

FIXTURES = Path(__file__).resolve().parents[1] / "contracts" / "fixtures"


def fixture_files() -> list[Path]:
    return sorted(FIXTURES.glob("*.json"))


@pytest.mark.parametrize("path", fixture_files(), ids=lambda p: p.name)
def test_every_kept_payload_still_parses(path: Path) -> None:
    envelope = registry.parse_envelope(path.read_bytes())
    event = registry.event_from(envelope)
    assert event.event_type == envelope.event_type
    assert event.aggregate_id() == envelope.aggregate_id


def test_every_event_has_a_kept_payload_of_its_current_version() -> None:
    kept = {p.name for p in fixture_files()}
    missing = [f"{e.event_type}.v{e.schema_version}.json" for e in ALL_EVENTS
               if f"{e.event_type}.v{e.schema_version}.json" not in kept]
    assert missing == []


def test_no_event_carries_a_national_id_or_free_text_field() -> None:
    forbidden = {"national_id", "fnr", "text", "answer", "reason", "medication_name", "message"}
    for event in ALL_EVENTS:
        assert not forbidden & set(event.model_fields), event.event_type


def test_an_unknown_event_type_is_refused() -> None:
    env = Envelope(event_id=uuid.uuid4(), event_type="SomethingElse", schema_version=1,
                   occurred_at=datetime.now(UTC), correlation_id="x", aggregate_id="1", payload={})
    with pytest.raises(registry.UnknownEventType):
        registry.event_from(env)


class _Greeted(Event):
    """A stand-in event at version 2, whose v1 had `full_name` where v2 has `name`."""

    event_type: ClassVar[str] = "TestGreeted"
    schema_version: ClassVar[int] = 2
    topic: ClassVar[str] = "test"
    name: str

    def aggregate_id(self) -> str:
        return self.name


def test_an_old_version_is_upcast_to_the_current_one(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(registry.EVENTS_BY_TYPE, "TestGreeted", _Greeted)
    monkeypatch.setattr(registry, "UPCASTERS", {})
    v1 = Envelope(event_id=uuid.uuid4(), event_type="TestGreeted", schema_version=1, occurred_at=datetime.now(UTC),
                  correlation_id="x", aggregate_id="Kari", payload={"full_name": "Kari"})
    with pytest.raises(registry.UnsupportedSchemaVersion):
        registry.event_from(v1)

    @registry.upcaster("TestGreeted", 1)
    def v1_to_v2(payload: registry.Payload) -> registry.Payload:
        return {"name": payload["full_name"]}

    assert registry.event_from(v1) == _Greeted(name="Kari")
    v3 = v1.model_copy(update={"schema_version": 3})
    with pytest.raises(registry.UnsupportedSchemaVersion):
        registry.event_from(v3)


def test_asyncapi_documents_every_event_with_its_schema() -> None:
    doc = document()
    assert doc["asyncapi"].startswith("3.")
    schemas = doc["components"]["schemas"]
    for name in ("RenewalRequested", "PrescriptionSent", "EConsultAnswered", "InvoiceIssued", "InvoicePaid"):
        assert name in schemas
        assert schemas[f"{name}Message"]["properties"]["payload"] == {"$ref": f"#/components/schemas/{name}"}
    invoice = schemas["InvoiceIssued"]["properties"]
    assert {"kid", "amount_ore", "copayment_ore", "fee_ore", "due_date", "account_number"} <= set(invoice)
    assert any(ch.startswith("invoices") for ch in doc["channels"])
    json.dumps(doc)  # serialisable as published


def test_a_patient_snapshot_from_before_languages_reads_bokmål() -> None:
    for name in ("PatientRegistered", "PatientUpdated"):
        old = registry.event_from(registry.parse_envelope((FIXTURES / f"{name}.v1.json").read_bytes()))
        new = registry.event_from(registry.parse_envelope((FIXTURES / f"{name}.v2.json").read_bytes()))
        assert (old.language, new.language) == ("nb", "nn")  # type: ignore[attr-defined]


@pytest.mark.parametrize("event_type", ["AppointmentBooked", "AppointmentReminderDue"])
def test_a_version_1_appointment_event_says_its_cancel_deadline_is_not_known(event_type: str) -> None:
    envelope = registry.parse_envelope((FIXTURES / f"{event_type}.v1.json").read_bytes())
    event = registry.event_from(envelope)
    assert event.schema_version == 3
    assert event.patient_may_cancel_until is None  # type: ignore[attr-defined]
    assert event.booked_by_guardian_id is None  # type: ignore[attr-defined]  # the patient booked it


def test_the_shared_facts_are_in_the_asyncapi_document_on_their_topics() -> None:
    doc = document()
    schemas = doc["components"]["schemas"]
    for name in ("ClinicDayClosed", "ClinicDayReopened", "PatientGpChanged", "EConsultWithdrawn"):
        assert schemas[f"{name}Message"]["properties"]["payload"] == {"$ref": f"#/components/schemas/{name}"}
    assert set(schemas["ClinicDayClosed"]["properties"]) == {"day"}
    assert any(ch.startswith("clinic-calendar") for ch in doc["channels"])
    assert "patient_may_cancel_until" in schemas["AppointmentBooked"]["properties"]


def test_the_clinic_calendar_is_keyed_by_day_on_a_compacted_topic() -> None:
    from datetime import date

    from contracts import topics
    from contracts.events import ClinicDayClosed, ClinicDayReopened

    assert topics.CLINIC_CALENDAR.cleanup_policy == "compact"
    day = date(2026, 12, 4)
    assert ClinicDayClosed(day=day).aggregate_id() == ClinicDayReopened(day=day).aggregate_id() == "2026-12-04"


def test_guardian_events_ride_on_the_childs_key_in_the_patients_topic() -> None:
    from contracts import topics
    from contracts.events import GuardianRegistered, GuardianRemoved

    child, guardian = uuid.uuid4(), uuid.uuid4()
    registered = GuardianRegistered(child_id=child, guardian_id=guardian, name="Kari Nordmann", mobile="+4791234567")
    removed = GuardianRemoved(child_id=child, guardian_id=guardian)
    assert registered.topic == removed.topic == topics.PATIENTS.name
    assert registered.aggregate_id() == removed.aggregate_id() == str(child)
    schemas = document()["components"]["schemas"]
    assert set(schemas["GuardianRegistered"]["properties"]) == {"child_id", "guardian_id", "name", "mobile"}


@pytest.mark.parametrize(("event_type", "version"), [
    ("AppointmentBooked", 2), ("AppointmentCancelled", 1), ("AppointmentReminderDue", 2)])
def test_an_appointment_event_from_before_guardians_was_booked_by_the_patient(event_type: str, version: int) -> None:
    old = registry.event_from(registry.parse_envelope((FIXTURES / f"{event_type}.v{version}.json").read_bytes()))
    new = registry.event_from(registry.parse_envelope((FIXTURES / f"{event_type}.v{version + 1}.json").read_bytes()))
    assert old.booked_by_guardian_id is None  # type: ignore[attr-defined]
    assert new.booked_by_guardian_id == uuid.UUID("3f2e1d0c-9b8a-4765-8432-10fedcba9876")  # type: ignore[attr-defined]


@pytest.mark.parametrize(("event_type", "field"), [
    ("PrescriptionSent", "requested_by_guardian_id"), ("RenewalRejected", "requested_by_guardian_id"),
    ("EConsultAnswered", "sent_by_guardian_id"), ("EConsultDeclined", "sent_by_guardian_id")])
def test_a_renewal_or_econsultation_event_from_before_guardians_was_made_by_the_patient(event_type: str,
                                                                                        field: str) -> None:
    old = registry.event_from(registry.parse_envelope((FIXTURES / f"{event_type}.v1.json").read_bytes()))
    new = registry.event_from(registry.parse_envelope((FIXTURES / f"{event_type}.v2.json").read_bytes()))
    assert old.schema_version == new.schema_version == 2
    assert getattr(old, field) is None
    assert getattr(new, field) == uuid.UUID("3f2e1d0c-9b8a-4765-8432-10fedcba9876")
