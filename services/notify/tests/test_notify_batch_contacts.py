"""A consumer's batch reads its patients' contacts in one statement, not one an event (issue 17: a batch of bookings
held one read of the directory for each); a patient not in the directory yet still waits for their snapshot. On
the patients topic, whose batch may change a contact between two of its events, each event reads its own."""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta

import pytest

from contracts.envelope import Envelope, Event
from contracts.events import AppointmentBooked, PatientGpChanged, PatientUpdated
from kit.clock import OSLO, SystemClock
from kit.messaging import EventConsumer, Received, current_batch
from services.notify.tests.notify_support import Notify, notify_service
from tests.support.eventually import eventually
from tests.support.round_trips import CountingPool
from tests.support.services import StackEnv

pytestmark = pytest.mark.stack

DOCTOR = uuid.uuid4()
STARTS = datetime(2026, 3, 11, 13, 0, tzinfo=OSLO)


async def applied_in_one_batch(notify: Notify, events: list[Event]) -> list[str]:
    """`events` applied as the consumer applies what it fetched together (one transaction, the handlers notify
    runs), on a pool that writes each statement down: the statements, by their first word."""
    pool = CountingPool(notify.runtime.pool)
    consumer = EventConsumer("notify", pool, notify.runtime.broker, notify.settings)  # type: ignore[arg-type]
    for kind in {type(e) for e in events}:
        consumer.on(kind)(notify.runtime.handler_for(kind))
    now = SystemClock().now()
    ready = [(Received(b"", {}, (e.topic, 0, i)), Envelope.wrap(e, occurred_at=now + timedelta(microseconds=i),
                                                                correlation_id="test"), e)
             for i, e in enumerate(events)]
    assert await consumer.apply_batch(ready) == [True] * len(events)
    assert current_batch() is None  # the batch ends with its transaction
    return pool.sent


def booked(patient_id: uuid.UUID) -> AppointmentBooked:
    return AppointmentBooked(appointment_id=uuid.uuid4(), patient_id=patient_id, doctor_id=DOCTOR,
                             starts_at=STARTS, ends_at=STARTS + timedelta(minutes=20),
                             patient_may_cancel_until=STARTS - timedelta(days=1))


async def test_a_batch_of_bookings_reads_its_patients_contacts_in_one_statement(
        stack_env: StackEnv, scratch_db: str) -> None:
    async with notify_service(stack_env, scratch_db) as notify:
        mobiles = [f"+479123001{i}" for i in range(4)]
        patients = [await notify.register(mobile=m, email=None) for m in mobiles]
        unknown = uuid.uuid4()  # identity's snapshot of this one is still on its way

        sent = await applied_in_one_batch(notify, [booked(p) for p in patients] + [booked(unknown)])

        # The five patients' contacts in one read (four found); for the unknown one, the wait for a snapshot being
        # applied (hold_patient: none is) and a look of its own again. Three, where a read an event made seven.
        assert sent.count("SELECT") == 3, sent
        for mobile in mobiles:
            [sms] = await eventually(lambda m=mobile: notify.sms.to(m), what="each patient's booking SMS")
            assert sms["text"].startswith("Timen din hos legekontoret er bestilt")
        assert await notify.fetchval("SELECT count(*) FROM awaiting_patient WHERE patient_id = $1", unknown) == 1


async def test_on_the_patients_topic_each_event_reads_the_contact_as_the_batch_has_left_it(
        stack_env: StackEnv, scratch_db: str) -> None:
    """A move to another GP, the patient's new mobile, and another move, in one batch: the second move's message
    goes to the new mobile, as the directory stands when it is applied, not as it stood when the batch began."""
    async with notify_service(stack_env, scratch_db) as notify:
        patient = await notify.register(mobile="+4791230020", email=None, gp_id=DOCTOR)
        other = uuid.uuid4()
        new_mobile = PatientUpdated(patient_id=patient, gp_id=other, name="Kari Nordmann", birth_date=date(1970, 1, 1),
                                    mobile="+4791230021", email=None, first_contact_done=True)

        await applied_in_one_batch(notify, [
            PatientGpChanged(patient_id=patient, previous_gp_id=DOCTOR, gp_id=other), new_mobile,
            PatientGpChanged(patient_id=patient, previous_gp_id=other, gp_id=DOCTOR)])

        await eventually(lambda: notify.sms.to("+4791230021"), what="the second move's SMS to the new mobile")
        assert len(notify.sms.to("+4791230020")) == 1  # the first move's, to the mobile the patient had then
