"""Guardians (domain-rules.md, "Acting for a child"): reception registers them, they log in by the SMS code or
ID-porten (patients of ours or not), act for their children by the child's age on the clinic's clock, and a
child under 12 cannot log in alone."""

from __future__ import annotations

import secrets
import uuid
from datetime import date, datetime, timedelta
from typing import Any

import httpx
import pytest

from kit.clock import OSLO
from kit.demo import synthetic_national_id
from services.identity.tests.conftest import START, Identity, WithIdPorten

pytestmark = pytest.mark.stack

TODAY = START.date()  # 2 March 2026


def born_years_ago(years: int, days: int = 0) -> date:
    return TODAY.replace(year=TODAY.year - years) + timedelta(days=days)


def new_national_id(born: date = date(1985, 5, 5)) -> str:
    return synthetic_national_id(born + timedelta(days=secrets.randbelow(3000)), secrets.randbelow(1000))


async def register_guardian(identity: Identity, child_id: uuid.UUID, national_id: str | None = None,
                            mobile: str = "+4798765432", name: str = "Kari Nordmann") -> httpx.Response:
    return await identity.client.post(f"/internal/patients/{child_id}/guardians", json={
        "national_id": national_id or new_national_id(), "name": name, "mobile": mobile})


async def guardian_with_child(identity: Identity, *, child_born: date, first_contact_done: bool = True
                              ) -> tuple[str, uuid.UUID, uuid.UUID]:
    """A guardian who is not our patient, with one child: (guardian's national ID, guardian id, child id)."""
    _, child_id = await identity.patient(born=child_born, mobile=None, first_contact_done=first_contact_done)
    national_id = new_national_id()
    made = await register_guardian(identity, child_id, national_id)
    assert made.status_code == 201, made.text
    return national_id, uuid.UUID(made.json()["id"]), child_id


async def act_for(identity: Identity, token: str, child_id: uuid.UUID | None) -> httpx.Response:
    return await identity.client.post("/internal/sessions/acting-for", json={
        "token": token, "patient_id": str(child_id) if child_id else None})


async def resolved(identity: Identity, token: str) -> dict[str, Any]:
    found = await identity.resolve(token)
    assert found.status_code == 200, found.text
    body: dict[str, Any] = found.json()
    return body


async def test_reception_registers_a_guardian_with_a_valid_national_id_and_a_mobile(identity_service: Identity
                                                                                    ) -> None:
    identity = identity_service
    _, child_id = await identity.patient(born=born_years_ago(7))
    refused = {
        "validation.national_id": await register_guardian(identity, child_id, "12345678901"),
        "validation.mobile": await register_guardian(identity, child_id, mobile="+4721000000"),  # a landline
    }
    for code, answer in refused.items():
        assert (answer.status_code, answer.json()["code"]) == (422, code), answer.text
    unknown = await register_guardian(identity, uuid.uuid4())
    assert unknown.status_code == 404
    national_id = new_national_id()
    first = await register_guardian(identity, child_id, national_id, mobile="987 65 432")
    assert first.status_code == 201, first.text
    assert first.json()["mobile"] == "+4798765432"
    again = await register_guardian(identity, child_id, national_id, name="Kari Nordmann Berg")  # the same person
    assert again.json()["id"] == first.json()["id"]
    listed = (await identity.client.get(f"/internal/patients/{child_id}/guardians")).json()["guardians"]
    assert [(g["id"], g["name"]) for g in listed] == [(first.json()["id"], "Kari Nordmann Berg")]
    db = await identity.db()
    try:
        events = [r["t"] for r in await db.fetch(
            "SELECT envelope->>'event_type' AS t FROM outbox WHERE message_key = $1 ORDER BY id", str(child_id))]
        payload = await db.fetchval(
            """SELECT envelope->'payload' FROM outbox WHERE message_key = $1 AND envelope->>'event_type' =
               'GuardianRegistered' ORDER BY id LIMIT 1""", str(child_id))
    finally:
        await db.close()
    assert events == ["PatientRegistered", "GuardianRegistered", "GuardianRegistered"]
    assert national_id not in payload  # a national ID never travels in an event


async def test_a_child_cannot_be_their_own_guardian(identity_service: Identity) -> None:
    national_id, child_id = await identity_service.patient(born=born_years_ago(7))
    answer = await register_guardian(identity_service, child_id, national_id)
    assert (answer.status_code, answer.json()["code"]) == (422, "validation.guardian_is_child")


async def test_a_child_under_12_is_told_after_the_code_and_the_code_is_spent(identity_service: Identity) -> None:
    identity = identity_service
    national_id, child_id = await identity.patient(born=born_years_ago(12, days=1))  # 12 tomorrow
    started = (await identity.start(national_id)).json()
    answer = await identity.verify(started["challenge_id"], identity.codes[-1])
    assert (answer.status_code, answer.json()["code"]) == (403, "access.child_needs_guardian"), answer.text
    again = await identity.verify(started["challenge_id"], identity.codes[-1])
    assert (again.status_code, again.json()["code"]) == (401, "auth.code_expired")
    db = await identity.db()
    try:
        assert await db.fetchval("SELECT count(*) FROM sessions WHERE subject_id = $1", child_id) == 0
    finally:
        await db.close()


async def test_a_child_logs_in_alone_from_the_first_moment_of_the_12th_birthday(identity_service: Identity) -> None:
    identity = identity_service
    national_id, child_id = await identity.patient(born=born_years_ago(12))  # 12 today
    session = await identity.login(national_id)
    assert (session["kind"], session["subject_id"]) == ("patient", str(child_id))


async def test_a_guardian_who_is_not_a_patient_logs_in_to_act_for_their_children(identity_service: Identity) -> None:
    identity = identity_service
    national_id, guardian_id, younger = await guardian_with_child(identity, child_born=born_years_ago(7),
                                                                  first_contact_done=False)
    _, older = await identity.patient(born=born_years_ago(13), mobile=None)
    assert (await register_guardian(identity, older, national_id)).status_code == 201
    session = await identity.login(national_id)
    assert (session["kind"], session["subject_id"], session["patient"]["name"]) == (
        "guardian", str(guardian_id), "Kari Nordmann")
    found = await resolved(identity, session["token"])
    assert (found["role"], found["guardian_id"], found["acting_for"], found["restrictions"]) == (
        "guardian", str(guardian_id), None, [])
    children = (await identity.client.get(f"/internal/guardians/{guardian_id}/children")).json()["children"]
    assert [(c["id"], c["first_name"], c["age_band"], c["scope"]) for c in children] == [
        (str(older), "Test", "12_to_15", "appointments"), (str(younger), "Test", "under_12", "everything")]

    chosen = await act_for(identity, session["token"], younger)
    assert chosen.status_code == 200, chosen.text
    acting = (await resolved(identity, session["token"]))["acting_for"]
    # The child's prerequisites apply (first contact), not the child's missing mobile: the guardian has one.
    assert (acting["patient_id"], acting["scope"], acting["restrictions"], acting["refusal"]) == (
        str(younger), "everything", ["access.first_contact_by_phone"], None)
    assert (await act_for(identity, session["token"], older)).json()["acting_for"]["scope"] == "appointments"
    back = await act_for(identity, session["token"], None)
    assert back.json() == {"acting_for": None}
    assert (await resolved(identity, session["token"]))["acting_for"] is None


async def test_nobody_acts_for_a_child_that_is_not_theirs(identity_service: Identity) -> None:
    identity = identity_service
    national_id, _, _ = await guardian_with_child(identity, child_born=born_years_ago(7))
    _, someone_elses = await identity.patient(born=born_years_ago(8))
    guardian = await identity.login(national_id)
    patient_national_id, _ = await identity.patient()
    patient = await identity.login(patient_national_id)
    for token, child in ((guardian["token"], someone_elses), (guardian["token"], uuid.uuid4()),
                         (patient["token"], someone_elses)):
        answer = await act_for(identity, token, child)
        assert (answer.status_code, answer.json()["code"]) == (403, "proxy.not_guardian")
    assert (await resolved(identity, guardian["token"]))["acting_for"] is None


async def test_a_patient_who_is_a_parent_acts_for_their_child_and_for_themselves(identity_service: Identity) -> None:
    identity = identity_service
    national_id, patient_id = await identity.patient()
    _, child_id = await identity.patient(born=born_years_ago(3))
    assert (await register_guardian(identity, child_id, national_id)).status_code == 201
    session = await identity.login(national_id)
    assert (session["kind"], session["subject_id"]) == ("patient", str(patient_id))
    assert (await act_for(identity, session["token"], child_id)).status_code == 200
    found = await resolved(identity, session["token"])
    assert (found["subject_id"], found["acting_for"]["patient_id"]) == (str(patient_id), str(child_id))


async def test_the_access_ends_by_itself_on_the_16th_birthday(identity_service: Identity) -> None:
    identity = identity_service
    identity.clock.set(datetime(2026, 3, 2, 23, 55, tzinfo=OSLO))
    national_id, guardian_id, child_id = await guardian_with_child(identity, child_born=date(2010, 3, 3))
    session = await identity.login(national_id)
    assert (await act_for(identity, session["token"], child_id)).json()["acting_for"]["scope"] == "appointments"
    identity.clock.advance(timedelta(minutes=10))  # 00:05 on the 16th birthday, no job run in between
    acting = (await resolved(identity, session["token"]))["acting_for"]
    assert (acting["age_band"], acting["scope"], acting["refusal"]) == ("16_and_over", None, "proxy.child_of_age")
    answer = await act_for(identity, session["token"], child_id)
    assert (answer.status_code, answer.json()["code"]) == (403, "proxy.child_of_age")
    assert (await identity.client.get(f"/internal/guardians/{guardian_id}/children")).json()["children"] == []


async def test_a_removed_guardian_loses_the_access_at_once(identity_service: Identity) -> None:
    identity = identity_service
    national_id, guardian_id, child_id = await guardian_with_child(identity, child_born=born_years_ago(5))
    session = await identity.login(national_id)
    assert (await act_for(identity, session["token"], child_id)).status_code == 200
    removed = await identity.client.delete(f"/internal/patients/{child_id}/guardians/{guardian_id}")
    assert removed.status_code == 204
    assert (await identity.client.delete(f"/internal/patients/{child_id}/guardians/{guardian_id}")).status_code == 404
    acting = (await resolved(identity, session["token"]))["acting_for"]
    assert (acting["refusal"], acting["scope"]) == ("proxy.not_guardian", None)
    # No child left: the login start is the same as for anyone, and no code verifies.
    started = await identity.start(national_id)
    answer = await identity.verify(started.json()["challenge_id"], identity.codes[-1])
    assert (answer.status_code, answer.json()["code"]) == (401, "auth.invalid_code")


async def test_id_porten_logs_a_guardian_in_and_refuses_a_child_under_12(with_idporten: WithIdPorten) -> None:
    w = with_idporten
    national_id, guardian_id, _ = await guardian_with_child(w.identity, child_born=born_years_ago(7))
    session = await _log_in(w, national_id)
    assert session.status_code == 200, session.text
    assert (session.json()["kind"], session.json()["subject_id"]) == ("guardian", str(guardian_id))
    child_national_id, _ = await w.identity.patient(born=born_years_ago(11))
    refused = await _log_in(w, child_national_id)
    assert (refused.status_code, refused.json()["code"]) == (403, "access.child_needs_guardian")


async def _log_in(w: WithIdPorten, pid: str) -> httpx.Response:
    made = (await w.identity.client.post("/internal/idporten/authorization")).json()
    code, _ = w.provider.log_in(made["url"], pid=pid)
    return await w.identity.client.post("/internal/idporten/login", json={
        "code": code, "code_verifier": made["code_verifier"], "nonce": made["nonce"]})
