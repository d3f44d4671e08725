"""Facts econsult shares with the other services (domain-rules.md, "Facts every service shares"), through the
real Kafka: the clinic's closed days (booking's) move open eConsultations' due dates and reopening moves them
back, applied once whatever is redelivered; a change of GP moves open eConsultations to the new GP. And the
patient's own word: a question the doctor has not opened can be withdrawn, nothing billed."""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta
from typing import Any

import pytest

from contracts.envelope import Envelope, Event
from contracts.events import ClinicDayClosed, ClinicDayReopened, PatientGpChanged
from kit.clock import OSLO
from services.econsult.tests.conftest import EConsult
from tests.support.eventually import eventually
from tests.support.kafka import produce
from tests.support.services import StackEnv

pytestmark = pytest.mark.stack

# A week no other econsult test uses: the closed day must not move anyone else's due date.
MONDAY = datetime(2031, 3, 3, 12, 0, tzinfo=OSLO)
FRIDAY = date(2031, 3, 7)


async def publish(stack_env: StackEnv, event: Event, *, at: datetime,
                  event_id: uuid.UUID | None = None) -> Envelope:
    envelope = Envelope.wrap(event, occurred_at=at, correlation_id="test", event_id=event_id)
    await produce(stack_env.settings("econsult"), envelope.model_dump_json().encode(),
                  key=envelope.aggregate_id.encode(), topic=event.topic)
    return envelope


async def due_date(svc: EConsult, econsult_id: str) -> str:
    conn = await svc.db()
    try:
        return str(await conn.fetchval("SELECT due_date FROM econsultations WHERE id = $1", uuid.UUID(econsult_id)))
    finally:
        await conn.close()


async def patient_of_an_open_gp(svc: EConsult) -> tuple[uuid.UUID, uuid.UUID]:
    """(gp, patient) on Monday 3 March 2031: a GP who takes eConsultations and a patient on their list."""
    svc.clock.set(MONDAY)
    gp = uuid.uuid4()
    patient = await svc.listed(gp)
    await svc.open_gp(gp)
    return gp, patient


async def asked(svc: EConsult, patient: uuid.UUID, text: str = "Hvilke vaksiner trenger jeg til Kenya?") -> Any:
    response = await svc.send(patient, text)
    assert response.status_code == 201, response.text
    return response.json()


async def test_a_closed_day_moves_open_due_dates_and_reopening_moves_them_back(
        econsult_service: EConsult, stack_env: StackEnv) -> None:
    svc = econsult_service
    _, patient = await patient_of_an_open_gp(svc)
    first = await asked(svc, patient)
    assert first["due_date"] == "2031-03-10"  # five working days after Monday: the next Monday

    closed = await publish(stack_env, ClinicDayClosed(day=FRIDAY), at=MONDAY + timedelta(hours=1))

    async def moved() -> bool:
        return await due_date(svc, first["id"]) == "2031-03-11"
    await eventually(moved, what="the open question's due date past the closed Friday")
    svc.clock.set(MONDAY + timedelta(hours=2))
    second = await asked(svc, patient)
    assert second["due_date"] == "2031-03-11"  # a new one counts the closed day too

    await publish(stack_env, ClinicDayReopened(day=FRIDAY), at=MONDAY + timedelta(hours=3))

    async def back() -> bool:
        return {await due_date(svc, first["id"]), await due_date(svc, second["id"])} == {"2031-03-10"}
    await eventually(back, what="the due dates back after the day was reopened")

    # The same ClinicDayClosed again (a redelivery), and an older one arriving late: neither closes the day.
    await publish(stack_env, ClinicDayClosed(day=FRIDAY), at=closed.occurred_at, event_id=closed.event_id)
    await publish(stack_env, ClinicDayClosed(day=FRIDAY), at=MONDAY + timedelta(minutes=30))
    marker = await publish(stack_env, ClinicDayClosed(day=date(2031, 12, 31)), at=MONDAY + timedelta(hours=4))
    conn = await svc.db()
    try:
        async def marker_applied() -> bool:
            return bool(await conn.fetchval("SELECT true FROM inbox WHERE event_id = $1", marker.event_id))
        await eventually(marker_applied, what="the events before the marker applied")
        assert await conn.fetchval("SELECT closed FROM clinic_closed_days WHERE day = $1", FRIDAY) is False
        assert await conn.fetchval("SELECT count(*) FROM inbox WHERE event_id = $1", closed.event_id) == 1
    finally:
        await conn.close()
    assert await due_date(svc, first["id"]) == "2031-03-10"


async def test_a_change_of_gp_moves_open_questions_to_the_new_gp_only(econsult_service: EConsult,
                                                                       stack_env: StackEnv) -> None:
    svc = econsult_service
    svc.clock.set(MONDAY)
    old, new = uuid.uuid4(), uuid.uuid4()
    patient = await svc.listed(old)
    await svc.open_gp(old)
    answered, waiting = await asked(svc, patient), await asked(svc, patient, "Og hva med malaria?")
    opened = await svc.client.get(f"/internal/econsultations/{answered['id']}", params={"doctor_id": str(old)})
    assert opened.status_code == 200
    done = await svc.client.post(f"/internal/econsultations/{answered['id']}/answer",
                                 json={"doctor_id": str(old), "text": "Snakk med vaksinekontoret."})
    assert done.status_code == 200, done.text

    await publish(stack_env, PatientGpChanged(patient_id=patient, previous_gp_id=old, gp_id=new), at=MONDAY)

    async def moved() -> bool:
        found = await svc.client.get(f"/internal/econsultations/{waiting['id']}", params={"patient_id": str(patient)})
        return bool(found.json()["doctor_id"] == str(new))
    await eventually(moved, what="the open question moved to the new GP")
    by_old = await svc.client.get(f"/internal/econsultations/{waiting['id']}", params={"doctor_id": str(old)})
    assert (by_old.status_code, by_old.json()["code"]) == (403, "forbidden")
    old_answers = await svc.client.post(f"/internal/econsultations/{waiting['id']}/answer",
                                        json={"doctor_id": str(old), "text": "Svar"})
    assert old_answers.status_code == 403
    inbox_old = (await svc.client.get("/internal/inbox", params={"doctor_id": str(old)})).json()["items"]
    inbox_new = (await svc.client.get("/internal/inbox", params={"doctor_id": str(new)})).json()["items"]
    assert [i["id"] for i in inbox_old] == []
    assert [i["id"] for i in inbox_new] == [waiting["id"]]
    by_new = await svc.client.get(f"/internal/econsultations/{waiting['id']}", params={"doctor_id": str(new)})
    assert by_new.status_code == 200
    # What was answered stays the old GP's: it is history, and the invoice names who answered.
    history = await svc.client.get(f"/internal/econsultations/{answered['id']}", params={"patient_id": str(patient)})
    assert history.json()["doctor_id"] == str(old)


async def test_a_question_the_doctor_has_not_opened_can_be_withdrawn_once(econsult_service: EConsult) -> None:
    svc = econsult_service
    gp, patient = await patient_of_an_open_gp(svc)
    mine = await asked(svc, patient)
    assert mine["withdrawable"] is True
    someone_else = await svc.client.post(f"/internal/econsultations/{mine['id']}/withdraw",
                                         json={"patient_id": str(uuid.uuid4())})
    assert someone_else.status_code == 404
    withdrawn = await svc.client.post(f"/internal/econsultations/{mine['id']}/withdraw",
                                      json={"patient_id": str(patient)})
    assert withdrawn.status_code == 200, withdrawn.text
    assert (withdrawn.json()["status"], withdrawn.json()["withdrawable"]) == ("withdrawn", False)
    events = [e["event_type"] for e in await svc.events(mine["id"])]
    assert events == ["EConsultSubmitted", "EConsultWithdrawn"]  # no EConsultAnswered: nothing billed
    again = await svc.client.post(f"/internal/econsultations/{mine['id']}/withdraw", json={"patient_id": str(patient)})
    assert (again.status_code, again.json()["code"]) == (409, "econsult.already_handled")
    gone = await svc.client.get(f"/internal/econsultations/{mine['id']}", params={"doctor_id": str(gp)})
    assert gone.status_code == 404  # the doctor no longer has it
    answer = await svc.client.post(f"/internal/econsultations/{mine['id']}/answer",
                                   json={"doctor_id": str(gp), "text": "Svar"})
    assert (answer.status_code, answer.json()["code"]) == (409, "econsult.already_handled")


async def test_once_the_doctor_has_opened_it_the_patient_can_no_longer_withdraw_it(
        econsult_service: EConsult) -> None:
    svc = econsult_service
    gp, patient = await patient_of_an_open_gp(svc)
    mine = await asked(svc, patient)
    inbox = await svc.client.get("/internal/inbox", params={"doctor_id": str(gp)})  # listing is not opening
    assert [i["id"] for i in inbox.json()["items"]] == [mine["id"]]
    listed = await svc.client.get("/internal/econsultations", params={"patient_id": str(patient)})
    assert listed.json()["items"][0]["withdrawable"] is True
    read = await svc.client.get(f"/internal/econsultations/{mine['id']}", params={"doctor_id": str(gp)})
    assert read.status_code == 200
    refused = await svc.client.post(f"/internal/econsultations/{mine['id']}/withdraw",
                                    json={"patient_id": str(patient)})
    assert (refused.status_code, refused.json()["code"]) == (409, "econsult.already_opened")
    after = await svc.client.get("/internal/econsultations", params={"patient_id": str(patient)})
    assert (after.json()["items"][0]["status"], after.json()["items"][0]["withdrawable"]) == ("open", False)


async def test_the_renewal_hint_while_writing_is_the_rule_a_sent_question_gets(econsult_service: EConsult) -> None:
    svc = econsult_service

    async def hint(text: str, names: list[str]) -> Any:
        response = await svc.client.post("/internal/renewal-hint", json={"text": text, "medicine_names": names})
        assert response.status_code == 200, response.text
        return response.json()["renewal_hint"]

    assert await hint("Jeg trenger mer Metformin", []) is None
    assert (await hint("Jeg trenger mer Metformin", ["Metformin 500 mg"]))["code"] == "econsult.renewal_hint"
    assert await hint("Jeg trenger fornyelse", []) is not None
    assert await hint("Met\u200bformin", ["Metformin"]) is not None  # an invisible character hides nothing
    _, patient = await patient_of_an_open_gp(svc)
    sent = await svc.send(patient, "Jeg trenger mer Metformin", medicine_names=["Metformin 500 mg"])
    assert sent.json()["renewal_hint"]["code"] == "econsult.renewal_hint"
