"""Demo data for `make run`: Dr. Solberg (lege1) takes eConsultations, and her inbox is not empty.

Idempotent (fixed ids, ON CONFLICT DO NOTHING): it runs at every start, and events go out only for what
is new, so a restart sends nobody a second message. No answered example: an answer bills the patient,
and a demo invoice left unpaid would, two weeks later, lock the `regular` persona out with unsettled
claims. The doctor answers the open question in the demo instead, and the whole flow follows.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from contracts.events import EConsultAvailabilityChanged
from econsult.adapters.econsultations import EConsultations
from econsult.domain import econsultation
from kit.clinic_calendar import working_days
from kit.db import transaction
from kit.demo import DOCTORS, PERSONAS, demo_id
from kit.runtime import ServiceRuntime

OPEN_QUESTION = ("Jeg skal til Tanzania i mars. Hvilke vaksiner trenger jeg, og må jeg oppfriske stivkrampe? "
                 "Sist vaksinert i 2015.")
DECLINED_QUESTION = "Jeg har hatt vondt i kneet siden jeg falt på ski for tre uker siden, og det hovner opp."
DECLINE_REASON = "Et kne som hovner opp etter et fall må undersøkes. Bestill en vanlig time, så ser vi på det."


async def seed(runtime: ServiceRuntime) -> None:
    lege1 = next(d for d in DOCTORS if d.key == "lege1")
    kari = next(p for p in PERSONAS if p.persona == "regular")
    now = runtime.clock.now()
    # The clinic's closed days are booking's (its demo closes them); they reach this service as events.
    async with transaction(runtime.pool) as conn:
        # Opened once; a later choice of the doctor's is never overridden by a restart.
        if await conn.fetchval("""INSERT INTO gp_availability (doctor_id, open, changed_at) VALUES ($1, true, $2)
                                  ON CONFLICT (doctor_id) DO NOTHING RETURNING true""", lege1.id, now):
            await runtime.outbox.add(conn, EConsultAvailabilityChanged(doctor_id=lege1.id, open=True))

        repo = EConsultations(conn)
        days = await working_days(conn)
        for key, text, sent_ago in (("regular-declined", DECLINED_QUESTION, 3), ("regular-open", OPEN_QUESTION, 1)):
            asked, _ = econsultation.submit(patient_id=kari.id, gp_id=lege1.id, gp_open=True, text=text,
                                            accepted_terms=True, now=now - timedelta(days=sent_ago),
                                            working_days=days)
            asked = replace(asked, id=demo_id("econsult", key))
            if not await repo.add_if_absent(asked):
                continue
            await runtime.outbox.add(conn, asked.submitted_event())
            if key == "regular-declined":
                declined, event = asked.decline(DECLINE_REASON, now - timedelta(days=2))
                await repo.save_handled(declined)
                await runtime.outbox.add(conn, event)
