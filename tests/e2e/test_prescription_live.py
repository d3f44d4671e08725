"""Renewal through the running system (issue 5): a patient asks for three medicines, the doctor approves two
and rejects one, the intermediary simulator holds exactly two prescriptions and the patient is told by SMS
without a medicine named; and a crash of prescription between the intermediary's receipt and the record of
it neither loses the prescription nor sends it twice."""

from __future__ import annotations

import signal
import uuid
from collections.abc import Awaitable
from typing import Any

import httpx
import pytest

from tests.support.eventually import eventually
from tests.support.portal import Session, add_staff, log_in_patient, log_in_staff, register_patient
from tests.support.system import System, quiet

pytestmark = pytest.mark.stack

MEDICINES = (("Metformin", "500 mg", "A10BA02"), ("Levaxin", "50 mikrog", "H03AA01"),
             ("Simvastatin", "20 mg", "C10AA01"))
READY = "Resepten din er klar"
ANSWERED = "Legen har svart på forespørselen din om resept"


async def clinic(system: System, http: httpx.AsyncClient) -> tuple[Session, Session, str, list[str]]:
    """A GP, a patient of theirs logged in, and three fixed group C medicines on the patient's list."""
    doctor = await log_in_staff(http, *await add_staff(system, "doctor", name="Dr. Resept"))
    patient = await register_patient(system, doctor.subject_id)
    me = await log_in_patient(http, patient.national_id, patient.mobile)
    ids = []
    for name, strength, atc in MEDICINES:
        async def add(name: str = name, strength: str = strength, atc: str = atc) -> Any:
            answer = await http.post(f"/api/v1/staff/patients/{patient.id}/medications", headers=doctor.headers,
                                     json={"name": name, "strength": strength, "atc_code": atc, "reseptgruppe": "C",
                                           "fixed": True, "prescribed_by": "here"})
            return answer.json()["id"] if answer.status_code == 201 else None  # prescription may not know P yet
        ids.append(await eventually(add, "prescription to know the patient"))
    return doctor, me, patient.mobile, ids


async def simulator(system: System, http: httpx.AsyncClient, patient_id: uuid.UUID) -> list[dict[str, Any]]:
    answer = await http.get(f"{system.service_urls['prescription']}/internal/dev/intermediary",
                            params={"patient_id": str(patient_id)})
    assert answer.status_code == 200, answer.text
    items: list[dict[str, Any]] = answer.json()["items"]
    return items


async def sms_texts(http: httpx.AsyncClient, mobile: str) -> list[str]:
    return [m["text"] for m in (await http.get("/dev/sms", params={"to": mobile})).json()["items"]]


async def test_three_asked_two_approved_one_rejected(live_system: System) -> None:
    async with live_system.client() as http:
        doctor, me, mobile, ids = await clinic(live_system, http)
        listed = (await http.get("/api/v1/medications", headers=me.headers)).json()["items"]
        assert {m["id"]: m["renewable"] for m in listed} == dict.fromkeys(ids, True)
        asked = await http.post("/api/v1/renewals", headers=me.headers,
                                json={"medication_ids": ids, "message": "Går tom neste uke."})
        assert asked.status_code == 201, asked.text
        renewal_id = asked.json()["id"]

        inbox = (await http.get("/api/v1/staff/inbox", headers=doctor.headers)).json()["items"]
        assert [(i["kind"], i["id"]) for i in inbox] == [("renewal", renewal_id)]
        decided = await http.post(f"/api/v1/staff/renewals/{renewal_id}/decision", headers=doctor.headers, json={
            "items": [{"medication_id": ids[0], "approve": True}, {"medication_id": ids[1], "approve": True},
                      {"medication_id": ids[2], "approve": False, "reason": "Vi må ta blodprøve først."}]})
        assert decided.status_code == 200, decided.text

        sent = await eventually(lambda: _two(simulator(live_system, http, me.subject_id)), "two prescriptions")
        assert sorted(p["payload"]["name"] for p in sent) == ["Levaxin", "Metformin"]
        texts = await eventually(lambda: _told(http, mobile), "the SMS that the prescription is ready")
        assert not any(name in text for text in texts for name, _, _ in MEDICINES)
        mine = (await http.get("/api/v1/renewals", headers=me.headers)).json()["items"]
        assert {i["medication_id"]: i["outcome"] for i in mine[0]["items"]} == {
            ids[0]: "approved", ids[1]: "approved", ids[2]: "rejected"}
        # Drained: the relay and notify have done whatever they would do, so anything repeated would be here.
        await eventually(lambda: quiet(live_system), "every event handled and every SMS sent")
        assert len(await simulator(live_system, http, me.subject_id)) == 2
        assert sum(READY in t for t in await sms_texts(http, mobile)) == 1


async def _two(found: Awaitable[list[dict[str, Any]]]) -> list[dict[str, Any]] | None:
    items = await found
    return items if len(items) >= 2 else None


async def _told(http: httpx.AsyncClient, mobile: str) -> list[str] | None:
    texts = await sms_texts(http, mobile)
    return texts if any(READY in t for t in texts) and any(ANSWERED in t for t in texts) else None


async def test_a_crash_between_the_intermediarys_receipt_and_its_record_sends_once(live_system: System) -> None:
    async with live_system.client() as http:
        doctor, me, mobile, ids = await clinic(live_system, http)
        asked = await http.post("/api/v1/renewals", headers=me.headers, json={"medication_ids": ids[:1]})
        assert asked.status_code == 201, asked.text
        mode = f"{live_system.service_urls['prescription']}/internal/dev/intermediary/mode"
        assert (await http.put(mode, json={"mode": "hang_after_receipt"})).status_code == 200
        try:
            decided = await http.post(f"/api/v1/staff/renewals/{asked.json()['id']}/decision",
                                      headers=doctor.headers,
                                      json={"items": [{"medication_id": ids[0], "approve": True}]})
            assert decided.status_code == 200, decided.text
            await eventually(lambda: simulator(live_system, http, me.subject_id), "the intermediary's receipt")
            live_system.kill("prescription", signal.SIGKILL)  # the answer never came; nothing recorded it
        finally:
            if live_system.procs["prescription"].poll() is not None:
                live_system.start("prescription")  # comes back with the simulator "up"
        await eventually(lambda: _told_ready(http, mobile), "the SMS after the restart")
        [received] = await simulator(live_system, http, me.subject_id)
        assert received["deliveries"] >= 2  # sent again after the crash, and deduplicated by its id
        await eventually(lambda: quiet(live_system), "every event handled and every SMS sent")
        assert sum(READY in t for t in await sms_texts(http, mobile)) == 1  # one PrescriptionSent, one SMS


async def _told_ready(http: httpx.AsyncClient, mobile: str) -> bool:
    return any(READY in t for t in await sms_texts(http, mobile))
