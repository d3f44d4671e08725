"""The prescription intermediary (Reseptformidleren): where an approved e-prescription goes, so that any
pharmacy can dispense it.

`PrescriptionIntermediary` is the port. The real client (an M1 e-prescription message over the national
health network) plugs in behind it; development and tests use `SimulatedIntermediary`, which records
what it received. The contract both keep: `send` returns only once the intermediary has the prescription,
and the same prescription id sent again is the same prescription (the intermediary dedupes on it), so
the sender may repeat a send whose outcome it never learned.
"""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any, Literal, Protocol

import asyncpg

from kit.clock import Clock
from kit.db import transaction


@dataclass(frozen=True)
class EPrescription:
    prescription_id: uuid.UUID
    patient_id: uuid.UUID
    doctor_id: uuid.UUID
    name: str
    strength: str
    atc_code: str
    reseptgruppe: str
    issued_at: datetime

    def payload(self) -> dict[str, Any]:
        return {k: str(v) if isinstance(v, uuid.UUID | datetime) else v for k, v in asdict(self).items()}


class IntermediaryUnavailable(Exception):
    """The intermediary did not take the prescription (down, timed out, refused for now): send again later."""


class PrescriptionIntermediary(Protocol):
    async def send(self, prescription: EPrescription) -> None: ...


SimulatorMode = Literal["up", "down", "hang_after_receipt"]


class SimulatedIntermediary:
    """Stands in for Reseptformidleren in development and tests. It keeps what it received in its own
    table, one row per prescription id however often it is sent (`deliveries` counts the sends), each
    receipt committed on its own connection, as a remote system would, whatever the sender does next.

    Its mode is a switch for fault tests, kept in memory so a restarted process comes back "up":
    "down" refuses every send; "hang_after_receipt" records the prescription and then never answers,
    which is the moment a crash would leave the sender not knowing whether it was delivered.
    """

    def __init__(self, pool: asyncpg.Pool | None, clock: Clock) -> None:
        self.pool = pool  # set at start by bootstrap
        self.clock = clock
        self.mode: SimulatorMode = "up"

    async def send(self, prescription: EPrescription) -> None:
        if self.mode == "down":
            raise IntermediaryUnavailable("the simulated intermediary is down")
        assert self.pool is not None, "the simulator is used before the service started"
        async with transaction(self.pool) as conn:
            await conn.execute(
                """INSERT INTO simulated_intermediary (prescription_id, patient_id, doctor_id, payload,
                                                       first_received_at)
                   VALUES ($1, $2, $3, $4, $5)
                   ON CONFLICT (prescription_id) DO UPDATE
                   SET deliveries = simulated_intermediary.deliveries + 1""",
                prescription.prescription_id, prescription.patient_id, prescription.doctor_id,
                prescription.payload(), self.clock.now())
        if self.mode == "hang_after_receipt":
            await asyncio.Event().wait()  # never set: the answer never comes

    async def received(self, patient_id: uuid.UUID | None = None) -> list[dict[str, Any]]:
        assert self.pool is not None
        async with self.pool.acquire() as conn:
            rows = await conn.fetch(
                """SELECT prescription_id, patient_id, doctor_id, payload, first_received_at, deliveries
                   FROM simulated_intermediary WHERE $1::uuid IS NULL OR patient_id = $1
                   ORDER BY first_received_at, prescription_id""", patient_id)
        return [dict(r) for r in rows]
