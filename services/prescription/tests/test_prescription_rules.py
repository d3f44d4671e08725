"""The renewal rules as pure domain code: every refusal with its code, the due date, the decision."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import date, datetime, timedelta

import pytest

from kit.clock import OSLO
from kit.errors import DomainError
from kit.working_days import WorkingDays
from prescription.domain.medicines import Medication
from prescription.domain.renewal import RenewalRequest, request_renewal

PATIENT, GP = uuid.uuid4(), uuid.uuid4()
MONDAY_NOON = datetime(2026, 3, 2, 12, 0, tzinfo=OSLO)


def med(atc: str = "A10BA02", group: str = "C", *, fixed: bool = True, by: str = "here",
        agreement: bool = False, name: str = "Metformin") -> Medication:
    return Medication(id=uuid.uuid4(), patient_id=PATIENT, name=name, strength="500 mg", atc_code=atc,
                      reseptgruppe=group, fixed=fixed, prescribed_by=by, added_at=MONDAY_NOON,  # type: ignore[arg-type]
                      b_agreement=agreement)


def ask(*medicines: Medication, ids: list[uuid.UUID] | None = None, now: datetime = MONDAY_NOON,
        days: WorkingDays | None = None) -> RenewalRequest:
    return request_renewal(patient_id=PATIENT, gp_id=GP, medication_ids=ids if ids is not None else
                           [m.id for m in medicines], medicine_list={m.id: m for m in medicines}, channel="portal",
                           message=None, registered_by=None, now=now, working_days=days or WorkingDays())


def refused(call: object) -> str:
    assert isinstance(call, DomainError)
    return call.code


@pytest.mark.parametrize(("medicine", "code"), [
    (med("J01CE02"), "renewal.antibiotic"),          # phenoxymethylpenicillin
    (med("J01CA04"), "renewal.antibiotic"),          # amoxicillin
    (med("N02AA05", "A"), "renewal.group_a"),        # oxycodone
    (med("N06BA04", "A"), "renewal.group_a"),        # methylphenidate
    (med("N05CF01", "B"), "renewal.group_b_needs_agreement"),  # zopiclone without an agreement
    (med(by="hospital"), "renewal.not_prescribed_here"),
    (med(by="other_clinic"), "renewal.not_prescribed_here"),
    (med(fixed=False), "renewal.not_fixed"),
])
def test_each_medicine_the_portal_may_not_renew_says_why(medicine: Medication, code: str) -> None:
    refusal = medicine.why_not_renewable()
    assert refusal is not None
    assert refusal.code == code
    with pytest.raises(DomainError) as caught:
        ask(medicine)
    assert (caught.value.code, caught.value.status) == (code, 422)
    assert caught.value.extra["medication_id"] == str(medicine.id)


def test_a_group_b_medicine_with_a_standing_agreement_may_be_renewed() -> None:
    with_agreement = med("N05CF01", "B", agreement=True)
    assert with_agreement.why_not_renewable() is None
    assert ask(with_agreement).items[0].medication_id == with_agreement.id


def test_fixed_group_c_medicines_prescribed_here_may_be_renewed() -> None:
    for atc in ("A10BA02", "H03AA01", "C10AA01", "J02AC01"):  # J02 (antimycotics) is not J01
        assert med(atc).why_not_renewable() is None


def test_an_antibiotic_is_known_by_its_atc_code_starting_j01_in_any_case() -> None:
    assert med("J01CE02").is_antibiotic
    assert replace(med(), atc_code="j01ce02").is_antibiotic
    assert not med("J02AC01").is_antibiotic


def test_one_to_three_different_medicines() -> None:
    four = [med() for _ in range(4)]
    with pytest.raises(DomainError) as empty:
        ask(ids=[])
    assert empty.value.code == "renewal.empty"
    with pytest.raises(DomainError) as too_many:
        ask(*four)
    assert (too_many.value.code, too_many.value.status) == ("renewal.too_many_medicines", 422)
    assert "bestill time" in too_many.value.title.lower()  # more than 3: say that it means an appointment
    one = med()
    with pytest.raises(DomainError) as twice:
        ask(one, ids=[one.id, one.id])
    assert twice.value.code == "renewal.duplicate_medicine"
    assert len(ask(*four[:3]).items) == 3


def test_a_medicine_not_on_the_patients_list_is_refused() -> None:
    others = replace(med(), patient_id=uuid.uuid4())
    with pytest.raises(DomainError) as caught:
        ask(others)
    assert caught.value.code == "renewal.unknown_medicine"


def test_due_five_working_days_after_the_day_asked_in_oslo() -> None:
    assert ask(med()).due_date == date(2026, 3, 9)
    # Monday 30 March 2026: Maundy Thursday, Good Friday and Easter Monday do not count.
    assert ask(med(), now=datetime(2026, 3, 30, 9, 0, tzinfo=OSLO)).due_date == date(2026, 4, 9)
    # Monday 00:30 in Oslo is still Sunday in UTC: the day asked is Oslo's Monday, not UTC's Sunday.
    just_after_midnight = datetime(2026, 3, 2, 0, 30, tzinfo=OSLO)
    assert ask(med(), now=just_after_midnight).due_date == date(2026, 3, 9)
    # A day the clinic has closed does not count either.
    assert ask(med(), days=WorkingDays([date(2026, 3, 4)])).due_date == date(2026, 3, 10)


def test_overdue_only_after_the_due_date_and_only_while_open() -> None:
    asked = ask(med())
    assert not asked.overdue(datetime(2026, 3, 9, 23, 59, tzinfo=OSLO))
    assert asked.overdue(datetime(2026, 3, 10, 0, 1, tzinfo=OSLO))
    decided, _, _ = asked.decide([(asked.items[0].medication_id, True, None)], GP, MONDAY_NOON)
    assert not decided.overdue(MONDAY_NOON + timedelta(days=30))


def test_the_doctor_decides_each_medicine_and_a_rejection_needs_a_reason() -> None:
    a, b, c = med(), med(name="Levaxin"), med(name="Simvastatin")
    asked = ask(a, b, c)
    with pytest.raises(DomainError) as no_reason:
        asked.decide([(c.id, False, "  ")], GP, MONDAY_NOON)
    assert no_reason.value.code == "renewal.reason_required"
    partly, approved, rejection = asked.decide([(a.id, True, None), (c.id, False, "Må tas blodprøve først.")],
                                               GP, MONDAY_NOON)
    assert partly.status == "open"
    assert [i.medication_id for i in approved] == [a.id]
    assert rejection is not None
    assert rejection.medication_ids == [c.id]
    assert "blodprøve" not in rejection.model_dump_json()  # the reason goes to the portal, not the event
    with pytest.raises(DomainError) as again:
        partly.decide([(a.id, False, "Ombestemt")], GP, MONDAY_NOON)
    assert (again.value.code, again.value.status) == ("renewal.already_decided", 409)
    with pytest.raises(DomainError) as stranger:
        partly.decide([(uuid.uuid4(), True, None)], GP, MONDAY_NOON)
    assert stranger.value.code == "renewal.not_in_request"
    done, approved, rejection = partly.decide([(b.id, True, None)], GP, MONDAY_NOON)
    assert (done.status, rejection, done.decided_at) == ("decided", None, MONDAY_NOON)
    assert [i.outcome for i in done.items] == ["approved", "approved", "rejected"]


def test_the_request_event_carries_ids_and_dates_only() -> None:
    asked = request_renewal(patient_id=PATIENT, gp_id=GP, medication_ids=[(m := med()).id],
                            medicine_list={m.id: m}, channel="phone", message="Går tom på fredag",
                            registered_by=uuid.uuid4(), now=MONDAY_NOON, working_days=WorkingDays())
    event = asked.requested_event()
    assert (event.channel, event.doctor_id, event.due_date) == ("phone", GP, date(2026, 3, 9))
    assert "Metformin" not in event.model_dump_json()
    assert "fredag" not in event.model_dump_json()
