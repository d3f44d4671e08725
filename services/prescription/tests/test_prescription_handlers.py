"""prescription's handlers on the in-memory repositories (tests/fakes.py): medicine lists, renewal requests and
decisions, with no database, in milliseconds."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

import pytest

from contracts.events import RenewalRejected, RenewalRequested
from kit.clock import OSLO
from kit.patient_directory import PatientUnknown
from prescription import handlers
from prescription.domain.errors import (
    AlreadyDecided,
    AlreadyOnList,
    Antibiotic,
    GroupBNeedsAgreement,
    NotGroupB,
    RequestAlreadyOpen,
)
from prescription.domain.medicines import Medication
from services.prescription.tests.fakes import PrescriptionStore
from tests.support.fakes import in_memory_runtime

START = datetime(2026, 3, 2, 12, 0, tzinfo=OSLO)  # a Monday: due five working days later, Monday 9 March
GP, OTHER_GP = uuid.uuid4(), uuid.uuid4()


@pytest.fixture
def store() -> PrescriptionStore:
    return PrescriptionStore()


@pytest.fixture
def runtime(store: PrescriptionStore) -> Any:
    return in_memory_runtime(store, START)


async def medicine(runtime: Any, patient: uuid.UUID, name: str = "Metformin", *, group: str = "C",
                   atc: str = "A10BA02", doctor: uuid.UUID = GP) -> Medication:
    return await handlers.add_medication(runtime, Medication(
        id=uuid.uuid4(), patient_id=patient, name=name, strength="500 mg", atc_code=atc, reseptgruppe=group,  # type: ignore[arg-type]
        fixed=True, prescribed_by="here", added_at=START), doctor)


async def test_only_the_patients_gp_puts_a_medicine_on_the_list_once(runtime: Any, store: PrescriptionStore) -> None:
    patient = store.listed(GP)
    added = await medicine(runtime, patient)
    assert [m.id for m in store.medications.values()] == [added.id]
    with pytest.raises(AlreadyOnList):
        await medicine(runtime, patient, "metformin")  # the same name and strength, in other letters
    with pytest.raises(handlers.NotYourPatient):
        await medicine(runtime, patient, "Levaxin", doctor=OTHER_GP)
    with pytest.raises(PatientUnknown):
        await medicine(runtime, uuid.uuid4())


async def test_a_standing_agreement_is_for_a_group_b_medicine_and_goes_when_it_is_not(
        runtime: Any, store: PrescriptionStore) -> None:
    patient = store.listed(GP)
    c = await medicine(runtime, patient)
    with pytest.raises(NotGroupB):
        await handlers.set_b_agreement(runtime, patient_id=patient, medication_id=c.id, doctor_id=GP, active=True)
    b = await medicine(runtime, patient, "Sobril", group="B", atc="N05BA04")
    agreed = await handlers.set_b_agreement(runtime, patient_id=patient, medication_id=b.id, doctor_id=GP,
                                            active=True)
    assert agreed.b_agreement
    changed = await handlers.change_medication(runtime, patient_id=patient, medication_id=b.id, doctor_id=GP,
                                               changes={"reseptgruppe": "C"})
    assert (changed.reseptgruppe, changed.b_agreement) == ("C", False)
    assert b.id not in store.agreements


async def test_a_request_is_due_in_five_working_days_and_only_one_is_open(runtime: Any,
                                                                          store: PrescriptionStore) -> None:
    patient = store.listed(GP)
    metformin = await medicine(runtime, patient)
    asked = await handlers.request(runtime, patient_id=patient, medication_ids=[metformin.id], channel="portal",
                                   message=" Går tom ")
    assert (asked.doctor_id, asked.due_date, asked.message, asked.status) == (GP, date(2026, 3, 9), "Går tom", "open")
    assert [type(e) for e in store.published] == [RenewalRequested]
    with pytest.raises(RequestAlreadyOpen):
        await handlers.request(runtime, patient_id=patient, medication_ids=[metformin.id], channel="phone",
                               message=None)
    assert len(store.renewals) == 1
    assert len(store.published) == 1


@pytest.mark.parametrize(("group", "atc", "refusal"), [("B", "N05BA04", GroupBNeedsAgreement),
                                                       ("C", "J01CA04", Antibiotic)])
async def test_what_the_portal_may_not_renew_is_refused_with_its_rule(runtime: Any, store: PrescriptionStore,
                                                                      group: str, atc: str,
                                                                      refusal: type[Exception]) -> None:
    patient = store.listed(GP)
    refused = await medicine(runtime, patient, group=group, atc=atc)
    with pytest.raises(refusal):
        await handlers.request(runtime, patient_id=patient, medication_ids=[refused.id], channel="portal",
                               message=None)
    assert store.renewals == {}
    assert store.published == []


async def test_the_gp_approves_and_rejects_per_medicine_once(runtime: Any, store: PrescriptionStore) -> None:
    patient = store.listed(GP)
    ids = [(await medicine(runtime, patient, name)).id for name in ("Metformin", "Levaxin", "Ramipril")]
    asked = await handlers.request(runtime, patient_id=patient, medication_ids=ids, channel="portal", message=None)
    with pytest.raises(handlers.NotYourPatient):
        await handlers.decide(runtime, renewal_id=asked.id, doctor_id=OTHER_GP, decisions=[(ids[0], True, None)])
    decided = await handlers.decide(runtime, renewal_id=asked.id, doctor_id=GP, decisions=[
        (ids[0], True, None), (ids[1], True, None), (ids[2], False, "Blodprøve først.")])
    assert decided.status == "decided"
    assert decided.decided_at == START
    [dispatch] = store.dispatches
    assert sorted(dispatch["medicines"]) == ["Levaxin", "Metformin"]
    rejected = store.published[-1]
    assert isinstance(rejected, RenewalRejected)
    assert rejected.medication_ids == [ids[2]]
    with pytest.raises(AlreadyDecided):
        await handlers.decide(runtime, renewal_id=asked.id, doctor_id=GP, decisions=[(ids[0], True, None)])
    assert len(store.dispatches) == 1
    with pytest.raises(handlers.RenewalNotFound):
        await handlers.decide(runtime, renewal_id=uuid.uuid4(), doctor_id=GP, decisions=[(ids[0], True, None)])
