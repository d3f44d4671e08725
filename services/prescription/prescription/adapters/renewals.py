"""Renewal requests and their medicines in PostgreSQL: the one place their SQL lives."""

from __future__ import annotations

import uuid
from datetime import date

import asyncpg

from prescription.domain.renewal import RenewalItem, RenewalRequest

_REQUEST = ("id, patient_id, doctor_id, channel, message, registered_by, created_at, due_date, decided_at, "
            "requested_by_guardian_id")
_ITEM = "renewal_id, medication_id, name, strength, outcome, reason, decided_by, decided_at"


class Renewals:
    def __init__(self, conn: asyncpg.Connection) -> None:
        self._conn = conn

    async def add(self, r: RenewalRequest) -> None:
        """Raises asyncpg.UniqueViolationError when the patient already has an open request."""
        await self._conn.execute(
            f"INSERT INTO renewals ({_REQUEST}, status) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'open')",
            r.id, r.patient_id, r.doctor_id, r.channel, r.message, r.registered_by, r.created_at, r.due_date, None,
            r.requested_by_guardian_id)
        await self._conn.executemany(
            """INSERT INTO renewal_items (renewal_id, medication_id, position, name, strength)
               VALUES ($1, $2, $3, $4, $5)""",
            [(r.id, i.medication_id, n, i.name, i.strength) for n, i in enumerate(r.items)])

    async def has_open(self, patient_id: uuid.UUID) -> bool:
        return bool(await self._conn.fetchval(
            "SELECT true FROM renewals WHERE patient_id = $1 AND status = 'open'", patient_id))

    async def past_due(self, today: date) -> int:
        """How many open requests are past their due date (the doctors' inbox alert), on the open ones' index."""
        found: int = await self._conn.fetchval(
            "SELECT count(*) FROM renewals WHERE status = 'open' AND due_date < $1", today)
        return found

    async def get(self, renewal_id: uuid.UUID, *, for_update: bool = False) -> RenewalRequest | None:
        lock = " FOR UPDATE" if for_update else ""
        row = await self._conn.fetchrow(f"SELECT {_REQUEST} FROM renewals WHERE id = $1{lock}", renewal_id)
        if row is None:
            return None
        return (await self._with_items([row]))[0]

    async def of_patient(self, patient_id: uuid.UUID) -> list[RenewalRequest]:
        rows = await self._conn.fetch(
            f"SELECT {_REQUEST} FROM renewals WHERE patient_id = $1 ORDER BY created_at DESC", patient_id)
        return await self._with_items(rows)

    async def save_decision(self, r: RenewalRequest) -> None:
        await self._conn.executemany(
            """UPDATE renewal_items SET outcome = $3, reason = $4, decided_by = $5, decided_at = $6
               WHERE renewal_id = $1 AND medication_id = $2 AND outcome IS NULL""",
            [(r.id, i.medication_id, i.outcome, i.reason, i.decided_by, i.decided_at)
             for i in r.items if i.outcome is not None])
        if r.status == "decided":
            await self._conn.execute(
                "UPDATE renewals SET status = 'decided', decided_at = $2 WHERE id = $1 AND status = 'open'",
                r.id, r.decided_at)

    async def move_open_to_gp(self, patient_id: uuid.UUID, gp_id: uuid.UUID) -> int:
        """A patient's open request follows them to their new GP."""
        result = await self._conn.execute(
            "UPDATE renewals SET doctor_id = $2 WHERE patient_id = $1 AND status = 'open' AND doctor_id <> $2",
            patient_id, gp_id)
        return int(result.split()[-1])

    async def open_asked_before(self, day: date) -> list[RenewalRequest]:
        """Open requests made before `day` and due on or after it: those a change of that day moves. Locked, so a
        decision in flight and the new due date take turns."""
        rows = await self._conn.fetch(
            f"""SELECT {_REQUEST} FROM renewals
                WHERE status = 'open' AND due_date >= $1 AND (created_at AT TIME ZONE 'Europe/Oslo')::date < $1
                FOR UPDATE""", day)
        return await self._with_items(rows)

    async def set_due_date(self, renewal_id: uuid.UUID, due: date) -> None:
        await self._conn.execute("UPDATE renewals SET due_date = $2 WHERE id = $1", renewal_id, due)

    async def open_for_doctor(self, doctor_id: uuid.UUID) -> list[tuple[RenewalRequest, asyncpg.Record]]:
        """Open requests of the patients on this doctor's list now: portal before phone, then oldest first,
        each with the patient's name and birth date."""
        rows = await self._conn.fetch(
            f"""SELECT {", ".join("r." + c for c in _REQUEST.split(", "))}, d.name AS patient_name,
                       d.birth_date AS patient_birth_date
                FROM renewals r JOIN patient_directory d ON d.patient_id = r.patient_id
                WHERE d.gp_id = $1 AND r.status = 'open'
                ORDER BY (r.channel = 'phone'), r.created_at""", doctor_id)
        requests = await self._with_items(rows)
        return list(zip(requests, rows, strict=True))

    async def _with_items(self, rows: list[asyncpg.Record]) -> list[RenewalRequest]:
        ids = [row["id"] for row in rows]
        items: dict[uuid.UUID, list[RenewalItem]] = {i: [] for i in ids}
        for it in await self._conn.fetch(
                f"SELECT {_ITEM} FROM renewal_items WHERE renewal_id = ANY($1::uuid[]) ORDER BY position", ids):
            values = dict(it)
            items[values.pop("renewal_id")].append(RenewalItem(**values))
        return [RenewalRequest(**{k: row[k] for k in _REQUEST.split(", ")}, items=tuple(items[row["id"]]))
                for row in rows]

