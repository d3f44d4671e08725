"""Acting for a child (issue 19), through the running system: reception registers a parent (not our patient)
of a 7-year-old and a 13-year-old on the same GP; the parent logs in with the code on their own mobile, sees
both children, and switches between them. Each patient route answers as the child's age allows: everything
for the 7-year-old, appointments only (never the reason) for the 13-year-old, with proxy.child_confidential
for the rest. The SMS about the booking goes to the parent without the child's full name or the reason, the
13-year-old's own access log says the parent booked, and the 7-year-old cannot log in alone."""

from __future__ import annotations

import uuid
from datetime import date, datetime, time, timedelta
from typing import Any

import httpx
import pytest

from kit.clock import OSLO
from kit.working_days import WorkingDays
from tests.e2e.test_booking_live import move_to, next_monday_morning
from tests.support.eventually import eventually
from tests.support.portal import (
    Guardian,
    Session,
    add_staff,
    log_in_staff,
    register_guardian,
    register_patient,
    seen_codes,
    sms_code,
)
from tests.support.system import System, quiet

pytestmark = pytest.mark.stack

REASON = "Vondt i magen etter skolen"
QUESTION = "Emma har hatt feber i tre dager. Bør hun til legen?"
PATIENT_ROUTES_BUT_APPOINTMENTS = ("/api/v1/medications", "/api/v1/renewals", "/api/v1/econsultations",
                                   "/api/v1/invoices", "/api/v1/access-log")


def years_ago(years: int) -> date:
    today = datetime.now(OSLO).date()
    return today.replace(year=today.year - years) - timedelta(days=30)


def a_working_morning(after: datetime, days_ahead: int) -> datetime:
    day = after.date() + timedelta(days=days_ahead)
    while not WorkingDays().is_working_day(day):
        day += timedelta(days=1)
    return datetime.combine(day, time(9, 0), tzinfo=OSLO)


async def log_in(http: httpx.AsyncClient, national_id: str, mobile: str) -> httpx.Response:
    before = await seen_codes(http, mobile)
    started = await http.post("/api/v1/auth/login", json={"national_id": national_id})
    assert started.status_code == 202, started.text
    code = await sms_code(http, mobile, after=before)
    return await http.post("/api/v1/auth/verify", json={"challenge_id": started.json()["challenge_id"], "code": code})


async def sms_texts(http: httpx.AsyncClient, mobile: str) -> list[str]:
    body = (await http.get("/dev/sms", params={"to": mobile})).json()
    items: list[Any] = (body.get("items") or body.get("messages") or []) if isinstance(body, dict) else body
    return [str(i.get("text", i)) if isinstance(i, dict) else str(i) for i in items]


async def test_a_parent_acts_for_a_7_and_a_13_year_old_as_their_ages_allow(live_system: System) -> None:
    monday = next_monday_morning()  # a cancel online is for working days
    move_to(live_system, monday)
    try:
        await _a_parent_and_two_children(live_system, monday)
    finally:
        live_system.reset_clock()


async def _a_parent_and_two_children(live_system: System, monday: datetime) -> None:
    async with live_system.client() as http:
        doctor = await log_in_staff(http, *await add_staff(live_system, "doctor", name="Dr. Familie"))
        reception = await log_in_staff(http, *await add_staff(live_system, "reception"))
        emma = await register_patient(live_system, doctor.subject_id, born=years_ago(7), name="Emma Hansen")
        jonas = await register_patient(live_system, doctor.subject_id, born=years_ago(13), name="Jonas Hansen")
        parent = await register_guardian(http, reception, emma.id, name="Kari Nordmann")
        again = await register_guardian(http, reception, jonas.id, name="Kari Nordmann",
                                        national_id=parent.national_id, mobile=parent.mobile)
        assert again.id == parent.id  # one guardian, two children

        # The 7-year-old cannot log in alone: told after the code.
        alone = await log_in(http, emma.national_id, emma.mobile)
        assert (alone.status_code, alone.json()["code"]) == (403, "access.child_needs_guardian")

        me_as = await _guardian_logged_in(http, parent)
        me = (await http.get("/api/v1/me", headers=me_as)).json()
        assert (me["kind"], me["name"], me["acting_for"]) == ("guardian", "Kari Nordmann", None)
        assert [(c["id"], c["first_name"], c["age_band"], c["may"]) for c in me["represents"]] == [
            (str(jonas.id), "Jonas", "12_to_15", "appointments"), (str(emma.id), "Emma", "under_12", "everything")]
        refused = await http.get("/api/v1/appointments", headers=me_as)  # not our patient: only for a child
        assert refused.status_code == 403

        slots = []
        for days in (3, 10):
            made = await http.post("/api/v1/staff/slots", headers=doctor.headers,
                                   json={"start": a_working_morning(monday, days).isoformat(), "minutes": 20})
            assert made.status_code == 201, made.text
            slots.append(made.json()["id"])

        # Emma (7): everything.
        switched = await http.put("/api/v1/me/acting-for", json={"patient_id": str(emma.id)}, headers=me_as)
        assert switched.status_code == 200, switched.text
        assert switched.json()["acting_for"]["first_name"] == "Emma"
        me = (await http.get("/api/v1/me", headers=me_as)).json()
        assert (me["acting_for"]["id"], me["gp"]["id"]) == (str(emma.id), str(doctor.subject_id))
        booked = await eventually(lambda: _book(http, me_as, slots[0], REASON), "Emma's booking")
        mine = (await http.get("/api/v1/appointments", headers=me_as)).json()["items"]
        assert [(a["id"], a["reason"]) for a in mine] == [(booked["id"], REASON)]
        for path in PATIENT_ROUTES_BUT_APPOINTMENTS:
            answer = await http.get(path, headers=me_as)
            assert answer.status_code == 200, (path, answer.text)
        cancelled = await http.delete(f"/api/v1/appointments/{booked['id']}", headers=me_as)
        assert cancelled.status_code == 204, cancelled.text

        # Jonas (13): appointments only, never the reason.
        switched = await http.put("/api/v1/me/acting-for", json={"patient_id": str(jonas.id)}, headers=me_as)
        assert switched.json()["acting_for"]["may"] == "appointments"
        assert (await http.get("/api/v1/slots", headers=me_as)).status_code == 200
        booked = await eventually(lambda: _book(http, me_as, slots[1], REASON), "Jonas's booking")
        assert booked["reason"] is None
        mine = (await http.get("/api/v1/appointments", headers=me_as)).json()["items"]
        assert [(a["id"], a["reason"]) for a in mine] == [(booked["id"], None)]
        for path in PATIENT_ROUTES_BUT_APPOINTMENTS:
            answer = await http.get(path, headers=me_as)
            assert (answer.status_code, answer.json()["code"]) == (403, "proxy.child_confidential"), path
        asked = await http.post("/api/v1/econsultations", headers=me_as,
                                json={"text": "Spørsmål", "accepted_terms": True})
        assert (asked.status_code, asked.json()["code"]) == (403, "proxy.child_confidential")

        # The SMS about the booking went to the parent who made it: no full name, no reason.
        texts = await eventually(lambda: _sms_about_booking(http, parent.mobile), "the parent's booking SMS")
        assert not [t for t in texts if "Hansen" in t or "magen" in t], texts
        assert not [t for t in await sms_texts(http, jonas.mobile) if "bestilt" in t]

        # Jonas's own access log: the parent booked, as parent.
        jonas_in = await log_in(http, jonas.national_id, jonas.mobile)
        assert jonas_in.status_code == 200, jonas_in.text
        log = (await http.get("/api/v1/access-log", params={"others_only": "true"},
                              headers={"Authorization": f"Bearer {jonas_in.json()['token']}"})).json()["entries"]
        assert any((e["who"], e["role"], e["object_type"], e["action"]) ==
                   ("Kari Nordmann", "guardian", "appointment", "create") for e in log), log

        back = await http.delete("/api/v1/me/acting-for", headers=me_as)
        assert back.status_code == 204
        assert (await http.get("/api/v1/me", headers=me_as)).json()["acting_for"] is None


async def test_a_renewal_and_an_econsultation_a_parent_sends_for_the_7_year_old_are_told_to_the_parent(
        live_system: System) -> None:
    """Issue 19: the SMS that the prescription is ready and that the doctor has answered go to the parent who
    asked, «Gjelder Emma: …», without the child's full name, the medicine or the question; the child's own mobile
    gets nothing; the eConsultation is free (under 16): no invoice, so no invoice SMS."""
    async with live_system.client() as http:
        doctor = await log_in_staff(http, *await add_staff(live_system, "doctor", name="Dr. Familie"))
        reception = await log_in_staff(http, *await add_staff(live_system, "reception"))
        emma = await register_patient(live_system, doctor.subject_id, born=years_ago(7), name="Emma Hansen")
        parent = await register_guardian(http, reception, emma.id, name="Kari Nordmann")
        me_as = await _guardian_logged_in(http, parent)
        switched = await http.put("/api/v1/me/acting-for", json={"patient_id": str(emma.id)}, headers=me_as)
        assert switched.status_code == 200, switched.text
        opened = await http.put("/api/v1/staff/econsult-availability", headers=doctor.headers, json={"open": True})
        assert opened.status_code == 200, opened.text

        async def medicine() -> str | None:  # once prescription has heard of Emma
            added = await http.post(f"/api/v1/staff/patients/{emma.id}/medications", headers=doctor.headers,
                                     json={"name": "Flutide", "strength": "50 mikrog", "atc_code": "R03BA05",
                                           "reseptgruppe": "C", "fixed": True, "prescribed_by": "here"})
            return str(added.json()["id"]) if added.status_code == 201 else None

        medication_id = await eventually(medicine, "prescription to know Emma")
        asked = await http.post("/api/v1/renewals", headers=me_as, json={"medication_ids": [medication_id]})
        assert asked.status_code == 201, asked.text
        decided = await http.post(f"/api/v1/staff/renewals/{asked.json()['id']}/decision", headers=doctor.headers,
                                  json={"items": [{"medication_id": medication_id, "approve": True}]})
        assert decided.status_code == 200, decided.text

        async def question() -> dict[str, Any] | None:  # once econsult and billing have heard of Emma
            guidance = await http.get("/api/v1/econsultations/guidance", headers=me_as)
            if guidance.status_code != 200 or guidance.json()["price"]["exempt_reason"] != "under_16":
                return None
            sent = await http.post("/api/v1/econsultations", headers=me_as,
                                   json={"text": QUESTION, "accepted_terms": True})
            assert sent.status_code in (201, 404, 409, 422), sent.text
            found: dict[str, Any] | None = sent.json() if sent.status_code == 201 else None
            return found

        sent = await eventually(question, "Emma's eConsultation")
        assert sent["price"]["amount_ore"] == 0  # free: under 16
        read = await http.get(f"/api/v1/staff/econsultations/{sent['id']}", headers=doctor.headers)
        assert read.status_code == 200, read.text
        answered = await http.post(f"/api/v1/staff/econsultations/{sent['id']}/answer", headers=doctor.headers,
                                   json={"text": "Gi henne paracetamol og mye å drikke."})
        assert answered.status_code == 200, answered.text

        texts = await eventually(lambda: _told_both(http, parent.mobile), "the parent's two SMS")
        assert [t for t in texts if t.startswith("Gjelder Emma: Resepten din er klar")], texts
        assert [t for t in texts if t.startswith("Gjelder Emma: Du har fått svar")], texts
        await eventually(lambda: quiet(live_system), "every event handled and every SMS sent")
        told = await sms_texts(http, parent.mobile)
        assert not [t for t in told if "Hansen" in t or "Flutide" in t or "feber" in t or "faktura" in t.lower()], told
        assert await sms_texts(http, emma.mobile) == []
        invoices = await http.get("/api/v1/invoices", headers=me_as)
        assert (invoices.status_code, invoices.json()["items"]) == (200, [])


async def _told_both(http: httpx.AsyncClient, mobile: str) -> list[str] | None:
    texts = await sms_texts(http, mobile)
    ready = any("Resepten din er klar" in t for t in texts)
    return texts if ready and any("Du har fått svar" in t for t in texts) else None


async def _guardian_logged_in(http: httpx.AsyncClient, parent: Guardian) -> dict[str, str]:
    """The parent logged in with the code on their own mobile: the session's headers."""
    verified = await log_in(http, parent.national_id, parent.mobile)
    assert verified.status_code == 200, verified.text
    return Session(verified.json()["token"], uuid.UUID(verified.json()["patient"]["id"]),
                   verified.json()["csrf_token"]).headers


async def _book(http: httpx.AsyncClient, headers: dict[str, str], slot_id: str, reason: str) -> dict[str, Any] | None:
    """A booking, once booking has heard of the child (its directory fills from identity's events)."""
    answer = await http.post("/api/v1/appointments", headers=headers, json={"slot_id": slot_id, "reason": reason})
    if answer.status_code == 201:
        found: dict[str, Any] = answer.json()
        return found
    assert answer.status_code in (403, 404, 422), answer.text  # not yet heard of: tried again
    return None


async def _sms_about_booking(http: httpx.AsyncClient, mobile: str) -> list[str]:
    return [t for t in await sms_texts(http, mobile) if "bestilt" in t]
