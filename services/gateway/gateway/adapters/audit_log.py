"""The append-only audit log (Normen): every read or change of a patient's health data, and every refused
attempt, in the gateway's own database. All of the gateway's audit SQL is here."""

from __future__ import annotations

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
    """The audit_log table, read and written through the service's pool (there once the service has started)."""

    def __init__(self, runtime: ServiceRuntime) -> None:
        self._runtime = runtime

    async def record(self, entry: AuditEntry) -> None:
        """Fails closed: if the record cannot be written, AuditUnavailable (503), never health data shown or
        changed that nobody could later account for."""
        try:
            async with self._runtime.pool.acquire() as conn:
                await conn.execute(
                    """INSERT INTO audit_log (at, actor_kind, actor_id, actor_role, actor_name, patient_id, object_type,
                                              object_id, action, outcome, request_id)
                       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)""",
                    entry.at, entry.actor_kind, entry.actor_id, entry.actor_role, entry.actor_name, entry.patient_id,
                    entry.object_type, entry.object_id, entry.action, entry.outcome[:200], entry.request_id)
        except Exception as exc:  # any database failure: fail closed, and say so in the log
            log.error("audit_failed", error=type(exc).__name__, object_type=entry.object_type, action=entry.action)
            raise AuditUnavailable() from exc

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
