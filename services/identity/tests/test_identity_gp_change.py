"""A change of GP (domain-rules.md, "Facts every service shares"): the patient's GP is one fact, and a new GP
here means the first contact is made by phone again, until reception marks it done."""

from __future__ import annotations

import json
import uuid
from datetime import date

import pytest

from contracts.events import PatientGpChanged
from identity.domain.patient import Patient
from kit.demo import synthetic_national_id
from services.identity.tests.conftest import Identity

OLD_GP, NEW_GP = uuid.uuid4(), uuid.uuid4()


def patient(first_contact_done: bool = True) -> Patient:
    return Patient.register(national_id=synthetic_national_id(date(1980, 1, 1), 1), name="Kari Nordmann",
                            birth_date=date(1980, 1, 1), mobile="+4791234567", email=None, gp_id=OLD_GP,
                            allow_test_identities=True, today=date(2026, 3, 2), first_contact_done=first_contact_done)


def test_a_new_gp_makes_the_first_contact_due_again_and_is_a_change_of_gp() -> None:
    kari = patient()
    moved = kari.change(gp_id=NEW_GP)
    assert moved == PatientGpChanged(patient_id=kari.id, previous_gp_id=OLD_GP, gp_id=NEW_GP)
    assert (kari.gp_id, kari.first_contact_done) == (NEW_GP, False)


def test_the_same_gp_again_or_another_field_changes_no_gp() -> None:
    kari = patient()
    assert kari.change(gp_id=OLD_GP) is None
    assert kari.change(mobile="91234999") is None
    assert kari.first_contact_done is True


def test_reception_may_mark_the_first_contact_done_in_the_same_change() -> None:
    # The patient is on the phone with reception while the GP is changed: that call is the first contact.
    kari = patient()
    assert kari.change(gp_id=NEW_GP, first_contact_done=True) is not None
    assert kari.first_contact_done is True


@pytest.mark.stack
async def test_a_change_of_gp_is_announced_after_the_snapshot_and_refuses_the_portal_until_the_call(
        identity_service: Identity) -> None:
    made = []
    for _ in range(2):
        answer = await identity_service.client.post("/internal/staff", json={
            "username": f"lege{uuid.uuid4().hex[:8]}", "name": "Dr. Ny", "role": "doctor",
            "password": "et-langt-passord"})
        made.append(uuid.UUID(answer.json()["id"]))
    old, new = made
    _, patient_id = await identity_service.patient(gp_id=old)
    moved = await identity_service.client.patch(f"/internal/patients/{patient_id}", json={"gp_id": str(new)})
    assert moved.status_code == 200, moved.text
    assert (moved.json()["gp_id"], moved.json()["first_contact_done"]) == (str(new), False)
    conn = await identity_service.db()
    try:
        rows = await conn.fetch(
            "SELECT envelope FROM outbox WHERE message_key = $1 ORDER BY id", str(patient_id))
    finally:
        await conn.close()
    envelopes = [r["envelope"] if isinstance(r["envelope"], dict) else json.loads(r["envelope"]) for r in rows]
    assert [e["event_type"] for e in envelopes] == ["PatientRegistered", "PatientUpdated", "PatientGpChanged"]
    assert envelopes[1]["payload"]["first_contact_done"] is False
    assert envelopes[2]["payload"] == {"patient_id": str(patient_id), "previous_gp_id": str(old), "gp_id": str(new)}
    again = await identity_service.client.patch(f"/internal/patients/{patient_id}", json={"gp_id": str(new)})
    assert again.status_code == 200
    done = await identity_service.client.patch(f"/internal/patients/{patient_id}", json={"first_contact_done": True})
    assert done.json()["first_contact_done"] is True
