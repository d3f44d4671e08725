"""Reception's patient registry: register, correct, find, and the clinic's list imported from CSV."""

from __future__ import annotations

import uuid
from datetime import date

import pytest

from kit.demo import synthetic_national_id
from services.identity.tests.conftest import Identity

pytestmark = pytest.mark.stack


async def _doctor(identity: Identity) -> tuple[uuid.UUID, str]:
    username = f"lege{uuid.uuid4().hex[:8]}"
    made = await identity.client.post("/internal/staff", json={
        "username": username, "name": "Dr. Liste", "role": "doctor", "password": "et-langt-passord"})
    return uuid.UUID(made.json()["id"]), username


async def test_reception_corrects_mobile_and_email_and_each_change_is_an_event(identity_service: Identity) -> None:
    _, patient_id = await identity_service.patient()
    changed = await identity_service.client.patch(f"/internal/patients/{patient_id}", json={
        "mobile": "912 34 999", "email": "ny@example.no"})
    assert changed.status_code == 200
    assert (changed.json()["mobile"], changed.json()["email"]) == ("+4791234999", "ny@example.no")
    removed = await identity_service.client.patch(f"/internal/patients/{patient_id}", json={"email": None})
    assert removed.json()["email"] is None
    conn = await identity_service.db()
    try:
        kinds = [r["t"] for r in await conn.fetch(
            "SELECT envelope->>'event_type' AS t FROM outbox WHERE message_key = $1 ORDER BY id", str(patient_id))]
    finally:
        await conn.close()
    assert kinds == ["PatientRegistered", "PatientUpdated", "PatientUpdated"]


@pytest.mark.parametrize(("change", "code"), [
    ({"mobile": "22 22 22 22"}, "validation.mobile"),  # a landline: no SMS reaches it
    ({"mobile": "+46701234567"}, "validation.mobile"),  # not Norwegian
    ({"email": "ikke-en-adresse"}, "validation.email"),
    ({"name": "   "}, "validation.name"),
])
async def test_a_bad_correction_is_refused_with_its_code(identity_service: Identity, change: dict[str, str],
                                                         code: str) -> None:
    _, patient_id = await identity_service.patient()
    answer = await identity_service.client.patch(f"/internal/patients/{patient_id}", json=change)
    assert answer.status_code == 422
    assert answer.json()["code"] == code


async def test_reception_may_only_list_a_patient_with_one_of_our_doctors(identity_service: Identity) -> None:
    doctor_id, _ = await _doctor(identity_service)
    born = date(1977, 4, 4)
    body = {"national_id": synthetic_national_id(born, int(uuid.uuid4().int % 900)), "name": "Ny Pasient",
            "birth_date": born.isoformat(), "mobile": "+4791112222", "check_gp": True}
    unknown = await identity_service.client.post("/internal/patients", json={**body, "gp_id": str(uuid.uuid4())})
    assert (unknown.status_code, unknown.json()["code"]) == (422, "validation.unknown_gp")
    made = await identity_service.client.post("/internal/patients", json={**body, "gp_id": str(doctor_id)})
    assert made.status_code == 201
    again = await identity_service.client.post("/internal/patients", json={**body, "gp_id": str(doctor_id)})
    assert (again.status_code, again.json()["code"]) == (409, "identity.patient_exists")


async def test_find_by_name_part_by_whole_id_and_by_list(identity_service: Identity) -> None:
    doctor_id, _ = await _doctor(identity_service)
    national_id, patient_id = await identity_service.patient(gp_id=doctor_id)
    by_id = await identity_service.client.post("/internal/patients/search", json={"query": national_id})
    assert [p["id"] for p in by_id.json()["patients"]] == [str(patient_id)]
    by_list = await identity_service.client.post("/internal/patients/search", json={"gp_id": str(doctor_id)})
    assert [p["id"] for p in by_list.json()["patients"]] == [str(patient_id)]
    part = await identity_service.client.post("/internal/patients/search",
                                              json={"query": "est pasi", "gp_id": str(doctor_id)})
    assert [p["id"] for p in part.json()["patients"]] == [str(patient_id)]
    assert national_id not in by_id.text  # the answer never echoes national IDs


async def test_the_clinics_list_is_imported_with_a_report_of_refused_rows(identity_service: Identity) -> None:
    doctor_id, username = await _doctor(identity_service)
    good = [synthetic_national_id(date(1960 + n, 3, 3), int(uuid.uuid4().int % 900)) for n in range(3)]
    taken, _ = await identity_service.patient(gp_id=doctor_id)
    csv = "\n".join([
        "fødselsnummer;navn;fødselsdato;mobil;epost;fastlege;første_kontakt",
        f"{good[0]};Anne Import;03.03.1960;91234001;anne@example.no;{username};ja",
        f"{good[1]};Per Import;1961-03-03;+47 412 34 002;;{doctor_id};nei",
        "12345678901;Feil Nummer;01.01.1970;91234003;;" + username + ";ja",  # line 4: bad check digits
        f"{good[2]};Uten Lege;03.03.1962;91234004;;lege-som-ikke-finnes;ja",  # line 5: unknown GP
        f"{synthetic_national_id(date(1963, 3, 3), 5)};Fasttelefon;03.03.1963;22334455;;{username};ja",  # line 6
        f"{taken};Finnes Fra Før;01.01.1960;91234006;;{username};ja",  # line 7: already registered
    ])
    answer = await identity_service.client.post("/internal/patients/import", content=csv.encode(),
                                                headers={"Content-Type": "text/csv"})
    assert answer.status_code == 200, answer.text
    report = answer.json()
    assert report["imported"] == 2
    assert report["refused"] == [{"line": 4, "code": "validation.national_id"},
                                 {"line": 5, "code": "validation.unknown_gp"},
                                 {"line": 6, "code": "validation.mobile"},
                                 {"line": 7, "code": "identity.patient_exists"}]
    assert all(n not in answer.text for n in (*good, taken))
    found = await identity_service.client.post("/internal/patients/search", json={"gp_id": str(doctor_id)})
    people = {p["name"]: p for p in found.json()["patients"]}
    assert people["Anne Import"]["first_contact_done"] is True
    assert people["Per Import"]["first_contact_done"] is False
    assert people["Per Import"]["mobile"] == "+4741234002"


async def test_a_file_without_the_needed_columns_is_refused_whole(identity_service: Identity) -> None:
    answer = await identity_service.client.post("/internal/patients/import", content=b"navn;mobil\nKari;91234567",
                                                headers={"Content-Type": "text/csv"})
    assert answer.json() == {"imported": 0, "refused": [{"line": 1, "code": "validation.columns"}]}


async def test_a_file_that_is_not_csv_past_some_line_imports_nothing(identity_service: Identity) -> None:
    _, username = await _doctor(identity_service)
    good = synthetic_national_id(date(1971, 5, 5), 11)
    csv = f"fodselsnummer;navn;fodselsdato;fastlege\n{good};Anne;05.05.1971;{username}\n\"ikke\x00avsluttet"
    answer = await identity_service.client.post("/internal/patients/import", content=csv.encode(),
                                                headers={"Content-Type": "text/csv"})
    assert answer.status_code == 200
    assert answer.json()["imported"] == 0
    assert [r["code"] for r in answer.json()["refused"]] == ["validation.csv"]


async def test_the_patients_language_is_kept_and_travels_in_the_snapshot(identity_service: Identity) -> None:
    """A patient who reads nynorsk gets their SMS and e-mail in nynorsk: the choice is in the profile, in the
    session's answer for the portal, and in PatientUpdated for notify. Bokmål until chosen."""
    national_id, patient_id = await identity_service.patient()
    assert (await identity_service.client.get(f"/internal/patients/{patient_id}")).json()["language"] == "nb"
    chosen = await identity_service.client.patch(f"/internal/patients/{patient_id}", json={"language": "nn"})
    assert (chosen.status_code, chosen.json()["language"]) == (200, "nn")
    unknown = await identity_service.client.patch(f"/internal/patients/{patient_id}", json={"language": "sv"})
    assert unknown.status_code == 422
    session = await identity_service.login(national_id)
    assert (await identity_service.resolve(session["token"])).json()["language"] == "nn"
    conn = await identity_service.db()
    try:
        payload = await conn.fetchval(
            """SELECT envelope->'payload' FROM outbox WHERE message_key = $1
               AND envelope->>'event_type' = 'PatientUpdated' ORDER BY id DESC LIMIT 1""", str(patient_id))
    finally:
        await conn.close()
    assert '"language": "nn"' in payload
