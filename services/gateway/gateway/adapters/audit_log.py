"""The append-only audit log (Normen): every read or change of a patient's health data, and every refused
attempt, in the gateway's own database. All of the gateway's audit SQL is here."""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from gateway.domain.errors import AuditUnavailable
from kit.logging import get_logger
from kit.runtime import ServiceRuntime

log = get_logger(__name__)


@dataclass(frozen=True)
class AuditEntry:
    at: datetime
    actor_kind: str
    actor_id: uuid.UUID
    actor_role: str
    actor_name: str | None
    patient_id: uuid.UUID | None
    object_type: str
    object_id: str | None
    action: str
    outcome: str
    request_id: str | None


class AuditLog:
    """The audit_log table, read and written through the service's pool (there once the service has started).

    Written by group commit: the records of requests in flight at the same moment go to PostgreSQL together, in
    one INSERT (a commit each, not one per request). A request's record is taken into the next write at once if
    none is running (no waiting at low load), else into the one after the running write; each request answers
    only once its own write has committed, and every request of a failed write gets AuditUnavailable."""

    MAX_BATCH = 500

    def __init__(self, runtime: ServiceRuntime) -> None:
        self._runtime = runtime
        self._waiting: list[tuple[AuditEntry, asyncio.Future[None]]] = []
        self._writing: asyncio.Task[None] | None = None

    async def record(self, entry: AuditEntry) -> None:
        """Fails closed: if the record cannot be written, AuditUnavailable (503), never health data shown or
        changed that nobody could later account for."""
        written: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiting.append((entry, written))
        if self._writing is None or self._writing.done():
            self._writing = asyncio.create_task(self._write_all(), name="audit-group-commit")
        await asyncio.shield(written)  # a caller that goes away does not cancel the others' write

    async def _write_all(self) -> None:
        while self._waiting:
            batch, self._waiting = self._waiting[:self.MAX_BATCH], self._waiting[self.MAX_BATCH:]
            try:
                await self._insert([entry for entry, _ in batch])
            except Exception:
                if len(batch) == 1:
                    self._settle(batch, failed=True)
                    continue
                # One record PostgreSQL refuses must not fail the others: each on its own then.
                for one in batch:
                    try:
                        await self._insert([one[0]])
                    except Exception:
                        self._settle([one], failed=True)
                    else:
                        self._settle([one], failed=False)
                continue
            self._settle(batch, failed=False)

    @staticmethod
    def _settle(batch: list[tuple[AuditEntry, asyncio.Future[None]]], *, failed: bool) -> None:
        if failed:  # any database failure: fail closed, and say so in the log
            log.error("audit_failed", records=len(batch), object_types=sorted({e.object_type for e, _ in batch}),
                      actions=sorted({e.action for e, _ in batch}))
        for _, written in batch:
            if not written.done():
                if failed:
                    written.set_exception(AuditUnavailable())
                else:
                    written.set_result(None)

    async def _insert(self, entries: list[AuditEntry]) -> None:
        async with self._runtime.pool.acquire() as conn:
            await conn.execute(
                """INSERT INTO audit_log (at, actor_kind, actor_id, actor_role, actor_name, patient_id, object_type,
                                          object_id, action, outcome, request_id)
                   SELECT * FROM unnest($1::timestamptz[], $2::text[], $3::uuid[], $4::text[], $5::text[],
                                        $6::uuid[], $7::text[], $8::text[], $9::text[], $10::text[], $11::text[])""",
                [e.at for e in entries], [e.actor_kind for e in entries], [e.actor_id for e in entries],
                [e.actor_role for e in entries], [e.actor_name for e in entries], [e.patient_id for e in entries],
                [e.object_type for e in entries], [e.object_id for e in entries], [e.action for e in entries],
                [e.outcome[:200] for e in entries], [e.request_id for e in entries])

    async def for_patient(self, patient_id: uuid.UUID, *, before: int | None, limit: int,
                          others_only: bool) -> list[dict[str, Any]]:
        """What the patient reads of their own log, newest first; `others_only` leaves out the patient's own
        reads."""
        async with self._runtime.pool.acquire() as conn:
            rows = await conn.fetch(
                """SELECT id, at, actor_kind, actor_id, actor_role, actor_name, object_type, object_id, action,
                          outcome
                   FROM audit_log WHERE patient_id = $1 AND ($2::bigint IS NULL OR id < $2)
                     AND NOT ($4 AND actor_kind = 'patient' AND actor_id = $1)
                   ORDER BY id DESC LIMIT $3""", patient_id, before, limit, others_only)
        return [dict(r) for r in rows]

    async def for_administrator(self, patient_id: uuid.UUID, *, before: int | None,
                                limit: int) -> list[dict[str, Any]]:
        """Every recorded access to one patient's data, newest first, with who and the request ids."""
        async with self._runtime.pool.acquire() as conn:
            rows = await conn.fetch(
                """SELECT id, at, actor_kind, actor_id, actor_role, actor_name, object_type, object_id, action,
                          outcome, request_id
                   FROM audit_log WHERE patient_id = $1 AND ($2::bigint IS NULL OR id < $2)
                   ORDER BY id DESC LIMIT $3""", patient_id, before, limit)
        return [dict(r) for r in rows]
