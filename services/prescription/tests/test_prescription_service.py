"""prescription's own API on the real database: medicine lists, every refusal with its code, phone
requests, the doctor's inbox and decision, and the events in the outbox."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta

import pytest

from services.prescription.tests.conftest import (
    LEVOTHYROXINE,
    LOSARTAN,
    METFORMIN,
    METHOTREXATE,
    OXYCODONE,
    PENICILLIN,
    SIMVASTATIN,
    SUMATRIPTAN,
    ZOPICLONE,
    Rx,
)

pytestmark = pytest.mark.stack


async def test_the_list_tells_per_medicine_whether_it_can_be_renewed_and_why_not(rx: Rx) -> None:
    gp = uuid.uuid4()
    patient = await rx.listed(gp)
    await rx.medicine(patient, gp, METFORMIN)
    await rx.medicine(patient, gp, PENICILLIN)
    await rx.medicine(patient, gp, OXYCODONE)
    zopiclone = await rx.medicine(patient, gp, ZOPICLONE)
    await rx.medicine(patient, gp, METHOTREXATE, prescribed_by="hospital")
    await rx.medicine(patient, gp, SUMATRIPTAN, fixed=False)
    response = await rx.client.get(f"/internal/patients/{patient}/medications")
    assert response.status_code == 200, response.text
    listed = {m["name"]: (m["renewable"], m["code"]) for m in response.json()["items"]}
    assert listed == {
        "Metformin": (True, None),
        "Apocillin": (False, "renewal.antibiotic"),
        "OxyNorm": (False, "renewal.group_a"),
        "Imovane": (False, "renewal.group_b_needs_agreement"),
        "Metotreksat": (False, "renewal.not_prescribed_here"),
        "Sumatriptan": (False, "renewal.not_fixed"),
    }
    assert (await rx.agree(patient, gp, zopiclone)).json()["renewable"] is True
    response = await rx.client.get(f"/internal/patients/{patient}/medications")
    assert {m["name"]: m["code"] for m in response.json()["items"]}["Imovane"] is None


@pytest.mark.parametrize(("facts", "kind", "code"), [
    (PENICILLIN, {}, "renewal.antibiotic"),
    (OXYCODONE, {}, "renewal.group_a"),
    (ZOPICLONE, {}, "renewal.group_b_needs_agreement"),
    (METHOTREXATE, {"prescribed_by": "hospital"}, "renewal.not_prescribed_here"),
    (SUMATRIPTAN, {"fixed": False}, "renewal.not_fixed"),
])
async def test_each_rule_refuses_a_request_with_its_code(rx: Rx, facts: dict[str, str], kind: dict[str, object],
                                                           code: str) -> None:
    gp = uuid.uuid4()
    patient = await rx.listed(gp)
    fine = await rx.medicine(patient, gp, METFORMIN)
    refused = await rx.medicine(patient, gp, facts, **kind)  # type: ignore[arg-type]
    response = await rx.ask(patient, [fine, refused])
    assert (response.status_code, response.json()["code"]) == (422, code)
    assert response.json()["medication_id"] == refused
    assert (await rx.ask(patient, [fine])).status_code == 201  # nothing was stored by the refusal


async def test_group_b_with_a_standing_agreement_is_renewed_and_withdrawing_it_refuses_again(rx: Rx) -> None:
    gp = uuid.uuid4()
    patient = await rx.listed(gp)
    zopiclone = await rx.medicine(patient, gp, ZOPICLONE)
    assert (await rx.ask(patient, [zopiclone])).json()["code"] == "renewal.group_b_needs_agreement"
    assert (await rx.agree(patient, gp, zopiclone)).status_code == 200
    asked = await rx.ask(patient, [zopiclone])
    assert asked.status_code == 201, asked.text
    await rx.decide(asked.json()["id"], gp, [{"medication_id": zopiclone, "approve": True}])
    await rx.agree(patient, gp, zopiclone, active=False)
    assert (await rx.ask(patient, [zopiclone])).json()["code"] == "renewal.group_b_needs_agreement"


async def test_an_agreement_is_only_for_group_b_and_only_by_the_patients_own_gp(rx: Rx) -> None:
    gp = uuid.uuid4()
    patient = await rx.listed(gp)
    metformin = await rx.medicine(patient, gp, METFORMIN)
    zopiclone = await rx.medicine(patient, gp, ZOPICLONE)
    not_b = await rx.agree(patient, gp, metformin)
    assert (not_b.status_code, not_b.json()["code"]) == (422, "medication.not_group_b")
    other_doctor = await rx.agree(patient, uuid.uuid4(), zopiclone)
    assert (other_doctor.status_code, other_doctor.json()["code"]) == (403, "forbidden")


async def test_one_to_three_different_medicines_in_one_request(rx: Rx) -> None:
    gp = uuid.uuid4()
    patient = await rx.listed(gp)
    ids = [await rx.medicine(patient, gp, f) for f in (METFORMIN, LEVOTHYROXINE, SIMVASTATIN, LOSARTAN)]
    empty = await rx.ask(patient, [])
    assert (empty.status_code, empty.json()["code"]) == (422, "renewal.empty")
    four = await rx.ask(patient, ids)
    assert (four.status_code, four.json()["code"]) == (422, "renewal.too_many_medicines")
    twice = await rx.ask(patient, [ids[0], ids[0]])
    assert (twice.status_code, twice.json()["code"]) == (422, "renewal.duplicate_medicine")
    unknown = await rx.ask(patient, [str(uuid.uuid4())])
    assert (unknown.status_code, unknown.json()["code"]) == (422, "renewal.unknown_medicine")
    three = await rx.ask(patient, ids[:3])
    assert three.status_code == 201, three.text


async def test_a_request_is_due_in_five_working_days_free_and_told_by_an_event_without_names(rx: Rx) -> None:
    gp = uuid.uuid4()
    patient = await rx.listed(gp)
    ids = [await rx.medicine(patient, gp, f) for f in (METFORMIN, LEVOTHYROXINE)]
    response = await rx.ask(patient, ids, message="Jeg går tom neste uke.")
    assert response.status_code == 201, response.text
    body = response.json()
    assert (body["status"], body["channel"], body["due_date"], body["price_ore"]) == ("open", "portal",
                                                                                     "2026-03-09", 0)
    assert [i["name"] for i in body["items"]] == ["Metformin", "Levaxin"]
    [event] = await rx.events(body["id"])
    assert event["event_type"] == "RenewalRequested"
    assert event["payload"]["medication_ids"] == ids
    assert event["payload"]["doctor_id"] == str(gp)
    assert "Metformin" not in str(event)
    assert "tom neste uke" not in str(event)


async def test_one_open_request_per_patient_also_when_two_race(rx: Rx) -> None:
    gp = uuid.uuid4()
    patient = await rx.listed(gp)
    metformin = await rx.medicine(patient, gp, METFORMIN)
    levaxin = await rx.medicine(patient, gp, LEVOTHYROXINE)
    answers = await asyncio.gather(*(rx.ask(patient, [m]) for m in (metformin, levaxin) for _ in range(5)))
    assert sorted(a.status_code for a in answers) == [201] + [409] * 9
    assert {a.json()["code"] for a in answers if a.status_code == 409} == {"renewal.request_already_open"}
    [open_one] = [a.json() for a in answers if a.status_code == 201]
    await rx.decide(open_one["id"], gp, [{"medication_id": open_one["items"][0]["medication_id"], "approve": True}])
    assert (await rx.ask(patient, [metformin])).status_code == 201  # decided: a new one may be asked


async def test_reception_registers_a_phone_request_under_the_same_rules(rx: Rx) -> None:
    gp, reception = uuid.uuid4(), uuid.uuid4()
    patient = await rx.listed(gp)
    oxycodone = await rx.medicine(patient, gp, OXYCODONE)
    metformin = await rx.medicine(patient, gp, METFORMIN)
    refused = await rx.ask(patient, [oxycodone], channel="phone", registered_by=str(reception))
    assert refused.json()["code"] == "renewal.group_a"
    unsigned = await rx.ask(patient, [metformin], channel="phone")
    assert unsigned.status_code == 422
    asked = await rx.ask(patient, [metformin], channel="phone", registered_by=str(reception))
    assert (asked.status_code, asked.json()["channel"]) == (201, "phone")
    assert (await rx.ask(patient, [metformin])).json()["code"] == "renewal.request_already_open"


async def test_the_inbox_puts_portal_before_an_older_phone_request_and_marks_overdue(rx: Rx) -> None:
    gp, reception = uuid.uuid4(), uuid.uuid4()
    by_phone = await rx.listed(gp, "Per Telefon")
    by_portal = await rx.listed(gp, "Kari Portal")
    elsewhere = await rx.listed(uuid.uuid4(), "Annen Lege")
    asked_by_phone = await rx.ask(by_phone, [await rx.medicine(by_phone, gp, METFORMIN)], channel="phone",
                                  registered_by=str(reception))
    await rx.ask(elsewhere, [await rx.medicine(elsewhere, (await _gp_of(rx, elsewhere)), METFORMIN)])
    rx.clock.advance(timedelta(days=1))
    asked_by_portal = await rx.ask(by_portal, [await rx.medicine(by_portal, gp, METFORMIN)])
    inbox = await rx.inbox(gp)
    assert [(i["patient_name"], i["channel"]) for i in inbox] == [("Kari Portal", "portal"), ("Per Telefon", "phone")]
    assert [i["id"] for i in inbox] == [asked_by_portal.json()["id"], asked_by_phone.json()["id"]]
    assert set(inbox[0]) == {"kind", "id", "patient_id", "patient_name", "patient_birth_date", "channel",
                             "created_at", "due_date", "overdue", "preview"}
    assert inbox[0]["preview"] == "Metformin 500 mg"  # what is asked for, at a glance; the message is not shown
    assert not any(i["overdue"] for i in inbox)
    rx.clock.advance(timedelta(days=7))  # Tuesday 10 March: the phone request was due Monday 9 March
    overdue = {i["channel"]: i["overdue"] for i in await rx.inbox(gp)}
    assert overdue == {"phone": True, "portal": False}


async def _gp_of(rx: Rx, patient: uuid.UUID) -> uuid.UUID:
    conn = await rx.db()
    try:
        gp: uuid.UUID = await conn.fetchval("SELECT gp_id FROM patient_directory WHERE patient_id = $1", patient)
    finally:
        await conn.close()
    return gp


async def test_only_the_patients_own_gp_reads_decides_and_changes_the_list(rx: Rx) -> None:
    gp, stranger = uuid.uuid4(), uuid.uuid4()
    patient = await rx.listed(gp)
    metformin = await rx.medicine(patient, gp, METFORMIN)
    asked = (await rx.ask(patient, [metformin])).json()
    for response in (
        await rx.decide(asked["id"], stranger, [{"medication_id": metformin, "approve": True}]),
        await rx.client.get(f"/internal/renewals/{asked['id']}", params={"doctor_id": str(stranger)}),
        await rx.client.get(f"/internal/patients/{patient}/medications", params={"doctor_id": str(stranger)}),
        await rx.client.post(f"/internal/patients/{patient}/medications", json={
            "doctor_id": str(stranger), **SIMVASTATIN, "fixed": True, "prescribed_by": "here"}),
        await rx.client.patch(f"/internal/patients/{patient}/medications/{metformin}",
                              json={"doctor_id": str(stranger), "fixed": False}),
    ):
        assert (response.status_code, response.json()["code"]) == (403, "forbidden"), response.text
    assert await rx.inbox(stranger) == []
    someone_elses = await rx.client.get(f"/internal/renewals/{asked['id']}", params={"patient_id": str(uuid.uuid4())})
    assert someone_elses.status_code == 404


async def test_the_doctor_changes_an_entry_and_the_list_keeps_a_medicine_once(rx: Rx) -> None:
    gp = uuid.uuid4()
    patient = await rx.listed(gp)
    metformin = await rx.medicine(patient, gp, METFORMIN)
    again = await rx.client.post(f"/internal/patients/{patient}/medications", json={
        "doctor_id": str(gp), **METFORMIN, "fixed": True, "prescribed_by": "here"})
    assert (again.status_code, again.json()["code"]) == (409, "medication.already_on_list")
    changed = await rx.client.patch(f"/internal/patients/{patient}/medications/{metformin}",
                                    json={"doctor_id": str(gp), "fixed": False})
    assert (changed.json()["fixed"], changed.json()["code"]) == (False, "renewal.not_fixed")
    bad_atc = await rx.client.post(f"/internal/patients/{patient}/medications", json={
        "doctor_id": str(gp), **SIMVASTATIN, "atc_code": "C10", "fixed": True, "prescribed_by": "here"})
    assert (bad_atc.status_code, bad_atc.json()["code"]) == (422, "validation.invalid")


async def test_the_records_system_import_fills_lists_and_reports_bad_lines_without_their_content(rx: Rx) -> None:
    gp = uuid.uuid4()
    patient = await rx.listed(gp)
    csv = (
        "patient_id;name;strength;atc_code;reseptgruppe;fixed;prescribed_by\n"
        f"{patient};Metformin;500 mg;A10BA02;C;ja;here\n"
        f"{patient};Sobril;10 mg;n05ba04;b;ja;here\n"
        f"{patient};Hemmelig;1 mg;XYZ;C;ja;here\n"
        f"{patient};Metotreksat;2,5 mg;L04AX03;C;nei;hospital\n"
    )
    report = await rx.client.post("/internal/medications/import", content=csv.encode())
    assert report.status_code == 200, report.text
    body = report.json()
    assert (body["imported"], body["rejected"]) == (3, 1)
    assert body["errors"] == [{"line": 4, "code": "import.invalid_line", "fields": ["atc_code"]}]
    again = await rx.client.post("/internal/medications/import", content=csv.encode())
    assert again.json()["imported"] == 3  # updated in place, not duplicated
    listed = (await rx.client.get(f"/internal/patients/{patient}/medications")).json()["items"]
    assert sorted((m["name"], m["atc_code"], m["reseptgruppe"], m["code"]) for m in listed) == [
        ("Metformin", "A10BA02", "C", None),
        ("Metotreksat", "L04AX03", "C", "renewal.not_prescribed_here"),
        ("Sobril", "N05BA04", "B", "renewal.group_b_needs_agreement"),
    ]
    missing = await rx.client.post("/internal/medications/import", content=b"patient_id,name\n")
    assert missing.json()["errors"][0]["code"] == "import.missing_columns"


async def test_the_events_a_guardians_request_is_told_by_name_the_guardian(rx: Rx) -> None:
    """notify sends the SMS that the prescription is ready, or that medicines were rejected, to the guardian who
    asked for the child (issue 19); a patient's own request names none."""
    gp, guardian = uuid.uuid4(), uuid.uuid4()
    for asked_by in (guardian, None):
        child = await rx.listed(gp, name="Emma Hansen")
        ids = [await rx.medicine(child, gp, f) for f in (METFORMIN, LEVOTHYROXINE)]
        extra = {"requested_by_guardian_id": str(asked_by)} if asked_by else {}
        asked = await rx.ask(child, ids, **extra)
        assert asked.status_code == 201, asked.text
        decided = await rx.decide(asked.json()["id"], gp, [{"medication_id": ids[0], "approve": True},
                                                           {"medication_id": ids[1], "approve": False,
                                                            "reason": "Blodprøve først."}])
        assert decided.status_code == 200, decided.text
        assert await rx.send() >= 1  # this one, and any other test's left due in the shared database
        told = {e["event_type"]: (e["schema_version"], e["payload"].get("requested_by_guardian_id"))
                for e in await rx.events(asked.json()["id"]) if e["event_type"] != "RenewalRequested"}
        expected = str(asked_by) if asked_by else None
        assert told == {"RenewalRejected": (2, expected), "PrescriptionSent": (2, expected)}
