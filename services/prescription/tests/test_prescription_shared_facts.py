"""Facts prescription shares with the other services, through the real Kafka: booking's closed days move an
open renewal's due date (and reopening moves it back); a change of GP moves the open request to the new GP,
who alone may decide it."""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta

import pytest

from contracts.envelope import Envelope, Event
from contracts.events import ClinicDayClosed, ClinicDayReopened, PatientGpChanged
from kit.clock import OSLO
from services.prescription.tests.conftest import METFORMIN, Rx
from tests.support.eventually import eventually
from tests.support.kafka import produce
from tests.support.services import StackEnv

pytestmark = pytest.mark.stack

# A week no other test of the session uses: the closed day must not move anyone else's due date, and the services
# of one test session share their topics (econsult's tests close and reopen days of March 2031).
MONDAY = datetime(2031, 5, 5, 12, 0, tzinfo=OSLO)
FRIDAY = date(2031, 5, 9)


async def publish(stack_env: StackEnv, event: Event, *, at: datetime) -> None:
    envelope = Envelope.wrap(event, occurred_at=at, correlation_id="test")
    await produce(stack_env.settings("prescription"), envelope.model_dump_json().encode(),
                  key=envelope.aggregate_id.encode(), topic=event.topic)


async def renewal_of(rx: Rx, renewal_id: str, **who: uuid.UUID) -> dict[str, object]:
    response = await rx.client.get(f"/internal/renewals/{renewal_id}", params={k: str(v) for k, v in who.items()})
    assert response.status_code == 200, response.text
    found: dict[str, object] = response.json()
    return found


async def test_a_closed_day_moves_an_open_renewal_and_reopening_moves_it_back(rx: Rx, stack_env: StackEnv) -> None:
    rx.clock.set(MONDAY)
    gp = uuid.uuid4()
    patient = await rx.listed(gp)
    asked = await rx.ask(patient, [await rx.medicine(patient, gp, METFORMIN)])
    assert asked.status_code == 201, asked.text
    renewal_id = asked.json()["id"]
    assert asked.json()["due_date"] == "2031-05-12"

    await publish(stack_env, ClinicDayClosed(day=FRIDAY), at=MONDAY + timedelta(hours=1))

    async def moved() -> bool:
        return (await renewal_of(rx, renewal_id, patient_id=patient))["due_date"] == "2031-05-13"
    await eventually(moved, what="the open renewal's due date past the closed Friday")

    await publish(stack_env, ClinicDayReopened(day=FRIDAY), at=MONDAY + timedelta(hours=2))

    async def back() -> bool:
        return (await renewal_of(rx, renewal_id, patient_id=patient))["due_date"] == "2031-05-12"
    await eventually(back, what="the due date back after the day was reopened")


async def test_a_change_of_gp_moves_the_open_renewal_to_the_new_gp(rx: Rx, stack_env: StackEnv) -> None:
    rx.clock.set(MONDAY)
    old, new = uuid.uuid4(), uuid.uuid4()
    patient = await rx.listed(old)
    medicine = await rx.medicine(patient, old, METFORMIN)
    asked = await rx.ask(patient, [medicine])
    renewal_id = asked.json()["id"]
    conn = await rx.db()
    try:  # identity's PatientUpdated comes first (same key): the directory names the new GP
        await conn.execute("UPDATE patient_directory SET gp_id = $2 WHERE patient_id = $1", patient, new)
    finally:
        await conn.close()
    await publish(stack_env, PatientGpChanged(patient_id=patient, previous_gp_id=old, gp_id=new), at=MONDAY)

    async def moved() -> bool:
        return (await renewal_of(rx, renewal_id, patient_id=patient))["doctor_id"] == str(new)
    await eventually(moved, what="the open renewal moved to the new GP")
    assert [i["id"] for i in await rx.inbox(new)] == [renewal_id]
    assert await rx.inbox(old) == []
    refused = await rx.decide(renewal_id, old, [{"medication_id": medicine, "approve": True}])
    assert refused.status_code == 403
    decided = await rx.decide(renewal_id, new, [{"medication_id": medicine, "approve": True}])
    assert decided.status_code == 200, decided.text
