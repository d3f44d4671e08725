"""Logging in through the running system (issue 3): the code from the SMS sink, the session as a bearer
token and as a cookie with its CSRF token, logout, the access log growing as the patient reads their data."""

from __future__ import annotations

import uuid
from datetime import date

import pytest

from kit.demo import synthetic_national_id
from tests.support.eventually import eventually
from tests.support.portal import (
    add_staff,
    log_in_patient,
    log_in_staff,
    register_patient,
    seen_codes,
    sms_code,
)
from tests.support.system import System

pytestmark = pytest.mark.stack


async def test_a_patient_logs_in_with_the_sms_code_and_sees_their_access_log_grow(live_system: System) -> None:
    username, password = await add_staff(live_system, "doctor", name="Dr. Live Test")
    async with live_system.client() as http:
        doctor = await log_in_staff(http, username, password)
        patient = await register_patient(live_system, doctor.subject_id)
        session = await log_in_patient(http, patient.national_id, patient.mobile)
        assert session.subject_id == patient.id

        me = await http.get("/api/v1/me", headers=session.headers)
        assert me.status_code == 200, me.text
        assert me.json()["restrictions"] == []
        assert me.json()["gp"] == {"id": str(doctor.subject_id), "name": "Dr. Live Test", "econsult_open": False}

        before = (await http.get("/api/v1/access-log", headers=session.headers)).json()["entries"]
        assert (await http.get("/api/v1/appointments", headers=session.headers)).status_code == 200
        assert (await http.get("/api/v1/medications", headers=session.headers)).status_code == 200
        after = (await http.get("/api/v1/access-log", headers=session.headers)).json()["entries"]
        assert len(after) == len(before) + 2
        assert {(e["object_type"], e["action"], e["who"], e["role"]) for e in after[:2]} == {
            ("appointment", "read", "Deg", "patient"), ("medication_list", "read", "Deg", "patient")}


async def test_the_answer_to_a_login_start_says_nothing_about_the_id(live_system: System) -> None:
    known = await register_patient(live_system, uuid.uuid4())
    async with live_system.client() as http:
        unknown = synthetic_national_id(date(1901, 2, 3), 7)
        answers = [await http.post("/api/v1/auth/login", json={"national_id": n}) for n in (known.national_id, unknown)]
        assert [a.status_code for a in answers] == [202, 202]
        assert [sorted(a.json()) for a in answers] == [["challenge_id", "expires_at"]] * 2
        bad = await http.post("/api/v1/auth/login", json={"national_id": "12345678901"})
        assert (bad.status_code, bad.json()["code"]) == (422, "auth.invalid_national_id")


async def test_the_cookie_session_needs_its_csrf_token_for_changes(live_system: System) -> None:
    patient = await register_patient(live_system, uuid.uuid4())
    async with live_system.client() as http:
        session = await log_in_patient(http, patient.national_id, patient.mobile)
        read = await http.get("/api/v1/me", headers=session.cookie_headers(csrf=False))
        assert read.status_code == 200  # reads need no CSRF token
        forged = await http.post("/api/v1/renewals", json={"medication_ids": [str(uuid.uuid4())]},
                                 headers=session.cookie_headers(csrf=False))
        assert (forged.status_code, forged.json()["code"]) == (403, "auth.csrf")
        wrong = await http.post("/api/v1/renewals", json={"medication_ids": [str(uuid.uuid4())]},
                                headers={**session.cookie_headers(), "X-CSRF-Token": "gjettet"})
        assert (wrong.status_code, wrong.json()["code"]) == (403, "auth.csrf")
        honest = await http.post("/api/v1/renewals", json={"medication_ids": [str(uuid.uuid4())]},
                                 headers=session.cookie_headers())
        assert honest.json().get("code") != "auth.csrf"  # past the CSRF check: the renewal rules answer
        assert honest.status_code in (404, 409, 422)


async def test_login_sets_secure_cookies_and_logout_ends_both_ways_of_using_the_session(live_system: System) -> None:
    patient = await register_patient(live_system, uuid.uuid4())
    async with live_system.client() as http:
        first = await log_in_patient(http, patient.national_id, patient.mobile)
        second = await log_in_patient(http, patient.national_id, patient.mobile)
        assert first.token != second.token

        # The web's cookie: __Host-, Secure, HttpOnly, SameSite=Strict, Path=/.
        before = await seen_codes(http, patient.mobile)
        started = await http.post("/api/v1/auth/login", json={"national_id": patient.national_id})
        code = await sms_code(http, patient.mobile, after=before)
        verified = await http.post("/api/v1/auth/verify", json={"challenge_id": started.json()["challenge_id"],
                                                                "code": code})
        cookies = verified.headers.get_list("set-cookie")
        session_cookie = next(c for c in cookies if c.startswith("__Host-eportal_session="))
        for attribute in ("Secure", "HttpOnly", "SameSite=strict", "Path=/"):
            assert attribute.lower() in session_cookie.lower(), session_cookie
        assert "domain=" not in session_cookie.lower()

        # Logout by cookie (with its CSRF token) ends the session for the bearer use of the same token too.
        out = await http.post("/api/v1/auth/logout", headers=first.cookie_headers())
        assert out.status_code == 204
        assert (await http.get("/api/v1/me", headers=first.headers)).status_code == 401
        assert (await http.get("/api/v1/me", headers=first.cookie_headers())).status_code == 401
        # Logout by bearer ends the other one; the third is untouched.
        assert (await http.post("/api/v1/auth/logout", headers=second.headers)).status_code == 204
        gone = await http.get("/api/v1/me", headers=second.headers)
        assert (gone.status_code, gone.json()["code"]) == (401, "auth.required")
        third = verified.json()["token"]
        assert (await http.get("/api/v1/me", headers={"Authorization": f"Bearer {third}"})).status_code == 200


async def test_staff_and_patients_stay_on_their_own_side(live_system: System) -> None:
    username, password = await add_staff(live_system, "reception")
    patient = await register_patient(live_system, uuid.uuid4())
    async with live_system.client() as http:
        reception = await log_in_staff(http, username, password)
        me = await log_in_patient(http, patient.national_id, patient.mobile)
        assert (await http.get("/api/v1/me", headers=reception.headers)).status_code == 403
        assert (await http.get("/api/v1/staff/doctors", headers=me.headers)).status_code == 403
        assert (await http.get("/api/v1/staff/inbox", headers=reception.headers)).status_code == 403
        wrong = await http.post("/api/v1/staff/auth/login", json={"username": username, "password": "feil"})
        assert (wrong.status_code, wrong.json()["code"]) == (401, "auth.invalid_credentials")


async def test_the_administrator_makes_accounts_and_answers_who_read_a_patients_data(live_system: System) -> None:
    admin_name, admin_password = await add_staff(live_system, "admin")
    async with live_system.client() as http:
        admin = await log_in_staff(http, admin_name, admin_password)
        username = f"lege{uuid.uuid4().hex[:6]}"
        made = await http.post("/api/v1/staff/accounts", headers=admin.headers, json={
            "username": username, "name": "Dr. Ny Lege", "role": "doctor", "password": "et-langt-godt-passord"})
        assert made.status_code == 201, made.text
        doctor = await log_in_staff(http, username, "et-langt-godt-passord")
        patient = await register_patient(live_system, doctor.subject_id)
        read = await http.get(f"/api/v1/staff/patients/{patient.id}", headers=doctor.headers)
        assert read.status_code == 200
        log = await http.get(f"/api/v1/staff/patients/{patient.id}/access-log", headers=admin.headers)
        assert log.status_code == 200
        assert [(e["actor_name"], e["object_type"], e["action"], e["request_id"]) for e in log.json()["entries"]] == [
            ("Dr. Ny Lege", "patient", "read", read.headers["X-Request-ID"])]
        refused = await http.get(f"/api/v1/staff/patients/{patient.id}/access-log", headers=doctor.headers)
        assert refused.status_code == 403


async def test_the_patient_chooses_nynorsk_and_the_next_code_comes_in_nynorsk(live_system: System) -> None:
    """Item 12 of issue 18: the language chosen in the portal is kept in identity's profile, told back by /me
    and used by notify for the next SMS (through PatientUpdated); the choice is audited."""
    patient = await register_patient(live_system, uuid.uuid4())
    async with live_system.client() as http:
        session = await log_in_patient(http, patient.national_id, patient.mobile)
        assert (await http.get("/api/v1/me", headers=session.headers)).json()["language"] == "nb"
        chosen = await http.put("/api/v1/me/language", json={"language": "nn"}, headers=session.cookie_headers())
        assert (chosen.status_code, chosen.json()) == (200, {"language": "nn"})
        wrong = await http.put("/api/v1/me/language", json={"language": "sv"}, headers=session.headers)
        assert wrong.status_code == 422
        assert (await http.get("/api/v1/me", headers=session.headers)).json()["language"] == "nn"
        log = (await http.get("/api/v1/access-log", headers=session.headers)).json()["entries"]
        assert ("patient", "update:language") in {(e["object_type"], e["action"]) for e in log}

        async def texts() -> list[str]:
            sent = (await http.get("/dev/sms", params={"to": patient.mobile})).json()
            items = sent.get("items") or sent.get("messages") or [] if isinstance(sent, dict) else sent
            return [str(i.get("text", "")) for i in items if isinstance(i, dict)]

        async def nynorsk_code() -> bool:  # notify hears of the choice through Kafka, then writes in it
            await http.post("/api/v1/auth/login", json={"national_id": patient.national_id})
            return any(t.startswith("Eingongskoden din til ePortalen:") for t in await texts())
        await eventually(nynorsk_code, "a login code in nynorsk", timeout=20, pause=1.0)


async def test_the_access_log_can_show_only_what_others_did(live_system: System) -> None:
    username, password = await add_staff(live_system, "doctor", name="Dr. Andre")
    async with live_system.client() as http:
        doctor = await log_in_staff(http, username, password)
        patient = await register_patient(live_system, doctor.subject_id)
        session = await log_in_patient(http, patient.national_id, patient.mobile)
        assert (await http.get("/api/v1/appointments", headers=session.headers)).status_code == 200
        assert (await http.get(f"/api/v1/staff/patients/{patient.id}", headers=doctor.headers)).status_code == 200
        everyone = (await http.get("/api/v1/access-log", headers=session.headers)).json()["entries"]
        others = (await http.get("/api/v1/access-log", params={"others_only": "true"},
                                 headers=session.headers)).json()["entries"]
        assert {e["who"] for e in everyone} == {"Deg", "Dr. Andre"}
        assert [(e["who"], e["object_type"]) for e in others] == [("Dr. Andre", "patient")]


async def test_a_new_tab_finds_the_staff_session_and_its_csrf_token(live_system: System) -> None:
    username, password = await add_staff(live_system, "reception", name="Rita Resepsjon")
    async with live_system.client() as http:
        reception = await log_in_staff(http, username, password)
        me = await http.get("/api/v1/staff/me", headers=reception.cookie_headers(csrf=False))
        assert me.status_code == 200
        assert (me.json()["name"], me.json()["role"], me.json()["csrf_token"]) == (
            "Rita Resepsjon", "reception", reception.csrf_token)
        assert (await http.get("/api/v1/staff/me")).status_code == 401


async def test_the_clinics_facts_are_public(live_system: System) -> None:
    async with live_system.client() as http:
        clinic = await http.get("/api/v1/clinic")
        assert clinic.status_code == 200
        body = clinic.json()
        assert (body["name"], body["phone"]) == ("Legekontoret", "+4722000000")
        assert body["opening_hours"] == [{"weekdays": [1, 2, 3, 4, 5], "opens": "08:00", "closes": "15:30"}]
