"""The gateway in a test: its audit log kept in memory, to read back what a route recorded."""

from __future__ import annotations

from typing import Any

from gateway.adapters.audit_log import AuditEntry


class RecordingAuditLog:
    """Each record as the routes made it: who (`by`), the patient, the object, the action, and the outcome
    unless it is "success"."""

    def __init__(self) -> None:
        self.records: list[dict[str, Any]] = []

    async def record(self, entry: AuditEntry) -> None:
        kept = {"by": entry.actor_id, "patient_id": entry.patient_id, "object_type": entry.object_type,
                "object_id": entry.object_id, "action": entry.action}
        if entry.outcome != "success":
            kept["outcome"] = entry.outcome
        self.records.append(kept)


def record_audits(app: Any) -> list[dict[str, Any]]:
    """Put a recording audit log in the gateway app's place of its database's; its records."""
    log = RecordingAuditLog()
    app.state.gateway.audit_log = log
    return log.records
