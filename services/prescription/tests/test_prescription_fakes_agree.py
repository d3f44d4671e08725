"""The in-memory repositories the handler tests run on (tests/fakes.py) and PostgreSQL's agree: one scenario of
the handlers, their refusals and their events, run on each, gives the same transcript."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable
from typing import Any

import pytest

from prescription import handlers
from prescription.adapters.unit_of_work import prescription_unit
from prescription.domain.medicines import Medication
from prescription.domain.renewal import RenewalRequest
from services.prescription.tests.conftest import START, Rx
from services.prescription.tests.fakes import PrescriptionStore
from tests.support.fakes import Listed, Published, Transcript, both_transcripts

pytestmark = pytest.mark.stack

async def scenario(runtime: Any, listed: Listed, events: Published) -> list[str]:
    gp, other_gp = uuid.uuid4(), uuid.uuid4()
    names: dict[uuid.UUID, str] = {}

    def shown(result: Any) -> str:
        if isinstance(result, Medication):
            return f"{result.name} {result.reseptgruppe}, agreement: {result.b_agreement}"
        if isinstance(result, RenewalRequest):
            return (f"{result.status}, for the GP: {result.doctor_id == gp}, "
                    f"items: {[(names[i.medication_id], i.outcome, i.reason) for i in result.items]}")
        return str(result)
    transcript = Transcript(shown)
    attempt = transcript.attempt

    def add(patient: uuid.UUID, name: str, group: str, atc: str, doctor: uuid.UUID = gp) -> Awaitable[Any]:
        async def added() -> Medication:
            made = await handlers.add_medication(runtime, Medication(
                id=uuid.uuid4(), patient_id=patient, name=name, strength="50 mg", atc_code=atc,
                reseptgruppe=group, fixed=True, prescribed_by="here", added_at=START), doctor)  # type: ignore[arg-type]
            names[made.id] = name
            return made
        return added()

    patient, on_no_list = await listed(gp), await listed(None)
    cozaar = await attempt("add", add(patient, "Cozaar", "C", "C09CA01"))
    await attempt("add again", add(patient, "COZAAR", "C", "C09CA01"))
    await attempt("add, not the GP", add(patient, "Levaxin", "C", "H03AA01", doctor=other_gp))
    imovane = await attempt("add a B", add(patient, "Imovane", "B", "N05CF01"))
    await attempt("agree on a C", handlers.set_b_agreement(runtime, patient_id=patient, medication_id=cozaar.id,
                                                           doctor_id=gp, active=True))
    await attempt("ask for the B", handlers.request(runtime, patient_id=patient, medication_ids=[imovane.id],
                                                    channel="portal", message=None))
    await attempt("agree on the B", handlers.set_b_agreement(runtime, patient_id=patient, medication_id=imovane.id,
                                                             doctor_id=gp, active=True))
    await attempt("ask without a GP", handlers.request(runtime, patient_id=on_no_list, medication_ids=[cozaar.id],
                                                       channel="portal", message=None))
    asked = await attempt("ask", handlers.request(runtime, patient_id=patient, medication_ids=[cozaar.id, imovane.id],
                                                  channel="phone", message="Tom"))
    await attempt("ask again", handlers.request(runtime, patient_id=patient, medication_ids=[cozaar.id],
                                                channel="portal", message=None))
    await attempt("decide, not the GP", handlers.decide(runtime, renewal_id=asked.id, doctor_id=other_gp,
                                                        decisions=[(cozaar.id, True, None)]))
    await attempt("approve one", handlers.decide(runtime, renewal_id=asked.id, doctor_id=gp,
                                                 decisions=[(cozaar.id, True, None)]))
    await attempt("approve it again", handlers.decide(runtime, renewal_id=asked.id, doctor_id=gp,
                                                      decisions=[(cozaar.id, True, None)]))
    await attempt("reject the other", handlers.decide(runtime, renewal_id=asked.id, doctor_id=gp,
                                                      decisions=[(imovane.id, False, "Time først.")]))
    await attempt("change the B to C", handlers.change_medication(
        runtime, patient_id=patient, medication_id=imovane.id, doctor_id=gp, changes={"reseptgruppe": "C"}))
    async with prescription_unit(runtime) as uow:
        kept = await uow.medicine_lists.of_patient(patient)
        renewals = await uow.renewals.of_patient(patient)
    transcript.lines.append(f"list: {[shown(m) for m in kept]}")
    transcript.lines.append(f"renewals: {[shown(r) for r in renewals]}")
    published = await events([str(asked.id)])
    transcript.lines.append(f"events: {[event_type for _, event_type in published]}")
    return transcript.lines


async def test_the_fake_and_postgresql_give_the_same_transcript(rx: Rx) -> None:
    in_postgres, in_memory_ = await both_transcripts(scenario, runtime=rx.runtime, listed=rx.listed, dsn=rx.dsn,
                                                     store=PrescriptionStore(), now=START)
    assert in_memory_ == in_postgres
    assert "reject the other: decided, for the GP: True, items: [('Cozaar', 'approved', None), " \
           "('Imovane', 'rejected', 'Time først.')]" in in_postgres  # it did real work
