"""Demo data for `make run`: the personas' medicine lists and a doctor's inbox that is not empty.

Idempotent (fixed ids, ON CONFLICT DO NOTHING): it runs at every start, and events go out only for what
is new. Real medicines common in Norwegian general practice, with their true ATC codes (WHO ATC, as
Felleskatalogen prints them) and reseptgruppe (as Norsk legemiddelhåndbok / Felleskatalogen give "R.gr."):

- Metformin (Glucophage)        A10BA02  C   felleskatalogen.no; fass.se "ATC-kod: A10BA02"
- Levotyroksin (Levaxin)        H03AA01  C   fass.se Levaxin "ATC-kod: H03AA01"
- Simvastatin                   C10AA01  C   WHO ATC via api.fda.gov substance codes
- Fenoksymetylpenicillin (Apocillin) J01CE02  C  felleskatalogen.no Apocillin "J01C E02"; J01 = antibiotic
- Metotreksat                   L04AX03  C   felleskatalogen.no Methotrexate "L04A X03" (here: from hospital)
- Sumatriptan                   N02CC01  C   felleskatalogen.no Imigran "N02C C01", Sumatriptan Aristo R.gr. C
- Oksykodon (OxyNorm)           N02AA05  A   felleskatalogen.no Reltebon Depot "N02A A05"; medisin.no "Gruppe A"
- Zopiklon (Imovane)            N05CF01  B   legemiddelhandboka.no L5.1.2.2 "Rp.B ... N05CF01"
- Oksazepam (Sobril)            N05BA04  B   felleskatalogen.no Sobril "N05B A04"; legemiddelhandboka "R.gr. B"
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

import asyncpg

from kit.clinic_calendar import working_days
from kit.db import transaction
from kit.demo import PERSONAS, STAFF, demo_id, listed_patients
from kit.runtime import ServiceRuntime
from prescription.adapters.renewals import Renewals
from prescription.domain.medicines import Medication
from prescription.domain.renewal import Channel, request_renewal


@dataclass(frozen=True)
class Entry:
    key: str
    name: str
    strength: str
    atc_code: str
    reseptgruppe: str
    fixed: bool = True
    prescribed_by: str = "here"
    b_agreement: bool = False


METFORMIN = Entry("metformin", "Metformin", "500 mg", "A10BA02", "C")
LEVOTHYROXINE = Entry("levotyroksin", "Levaxin", "50 mikrog", "H03AA01", "C")
SIMVASTATIN = Entry("simvastatin", "Simvastatin", "20 mg", "C10AA01", "C")
LISTS: dict[str, tuple[Entry, ...]] = {
    "regular": (
        METFORMIN, LEVOTHYROXINE, SIMVASTATIN,                            # renewable
        Entry("penicillin", "Apocillin", "660 mg", "J01CE02", "C"),      # renewal.antibiotic
        Entry("metotreksat", "Metotreksat", "2,5 mg", "L04AX03", "C", prescribed_by="hospital"),
        Entry("sumatriptan", "Sumatriptan", "50 mg", "N02CC01", "C", fixed=False),  # as needed, not fixed
        Entry("oksykodon", "OxyNorm", "5 mg", "N02AA05", "A"),            # renewal.group_a
    ),
    "b_agreement": (
        Entry("zopiklon", "Imovane", "7,5 mg", "N05CF01", "B", b_agreement=True),
        Entry("oksazepam", "Sobril", "10 mg", "N05BA04", "B"),           # renewal.group_b_needs_agreement
        LEVOTHYROXINE,
    ),
    "frikort": (METFORMIN, SIMVASTATIN),
    "unpaid_claims": (LEVOTHYROXINE,),
    "new_patient": (SIMVASTATIN,),
}
LISTED_WITH_MEDICINES = 60  # the first of the other patients on the lists, with metformin and Levaxin


async def seed(runtime: ServiceRuntime) -> None:
    now = runtime.clock.now()
    lege1 = next(s for s in STAFF if s.persona == "doctor")
    reception = next(s for s in STAFF if s.persona == "reception")
    # The clinic's closed days are booking's (its demo closes them); they reach this service as events.
    async with transaction(runtime.pool) as conn:
        for persona in PERSONAS:
            for entry in LISTS.get(persona.persona, ()):
                await _put_on_list(conn, persona.id, persona.persona, entry, lege1.id, now)
        others = list(listed_patients(LISTED_WITH_MEDICINES))
        for patient in others:
            for entry in (METFORMIN, LEVOTHYROXINE):
                await _put_on_list(conn, patient.id, str(patient.id), entry, patient.gp_id, now)
        # Dr. Solberg's inbox: a phone request taken eight days ago (past its due date) and a portal
        # request from yesterday, which comes first all the same.
        on_her_list = [p for p in others if p.gp_id == lege1.id]
        await _open_request(runtime, conn, on_her_list[0].id, lege1.id, "phone", reception.id, days_ago=8)
        await _open_request(runtime, conn, on_her_list[1].id, lege1.id, "portal", None, days_ago=1)


async def _put_on_list(conn: asyncpg.Connection, patient_id: uuid.UUID, owner: str, entry: Entry,
                       doctor_id: uuid.UUID, now: datetime) -> None:
    medication_id = demo_id("medication", f"{owner}:{entry.key}")
    await conn.execute(
        """INSERT INTO medications (id, patient_id, name, strength, atc_code, reseptgruppe, fixed, prescribed_by,
                                    added_by, added_at, updated_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10) ON CONFLICT DO NOTHING""",
        medication_id, patient_id, entry.name, entry.strength, entry.atc_code, entry.reseptgruppe, entry.fixed,
        entry.prescribed_by, doctor_id, now)
    if entry.b_agreement:
        await conn.execute("""INSERT INTO b_agreements (medication_id, doctor_id, agreed_at) VALUES ($1, $2, $3)
                              ON CONFLICT DO NOTHING""", medication_id, doctor_id, now)


async def _open_request(runtime: ServiceRuntime, conn: asyncpg.Connection, patient_id: uuid.UUID,
                        gp_id: uuid.UUID, channel: Channel, registered_by: uuid.UUID | None, days_ago: int) -> None:
    renewal_id = demo_id("renewal", f"{patient_id}:open")
    if await conn.fetchval("SELECT true FROM renewals WHERE id = $1", renewal_id) or \
            await Renewals(conn).has_open(patient_id):
        return
    metformin = demo_id("medication", f"{patient_id}:{METFORMIN.key}")
    medicine = Medication(id=metformin, patient_id=patient_id, name=METFORMIN.name, strength=METFORMIN.strength,
                          atc_code=METFORMIN.atc_code, reseptgruppe="C", fixed=True, prescribed_by="here",
                          added_at=runtime.clock.now())
    asked = request_renewal(patient_id=patient_id, gp_id=gp_id, medication_ids=[metformin],
                            medicine_list={metformin: medicine}, channel=channel, message=None,
                            registered_by=registered_by, now=runtime.clock.now() - timedelta(days=days_ago),
                            working_days=await working_days(conn))
    asked = replace(asked, id=renewal_id)
    await Renewals(conn).add(asked)
    await runtime.outbox.add(conn, asked.requested_event())
