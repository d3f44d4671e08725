"""Billing's word on unsettled claims, kept here so the access rules need no call to billing."""

from __future__ import annotations

import asyncpg

from contracts.envelope import Envelope
from contracts.events import ClaimsStatusChanged


async def apply_claims_status(conn: asyncpg.Connection, envelope: Envelope, event: ClaimsStatusChanged) -> None:
    """Runs in the consumer's transaction (with its inbox row). An older word never overwrites a newer one,
    so a replay out of order cannot lift or impose a restriction by mistake."""
    await conn.execute(
        """INSERT INTO patient_claims (patient_id, has_unsettled_claims, as_of) VALUES ($1, $2, $3)
           ON CONFLICT (patient_id) DO UPDATE SET has_unsettled_claims = EXCLUDED.has_unsettled_claims,
                                                  as_of = EXCLUDED.as_of
           WHERE patient_claims.as_of <= EXCLUDED.as_of""",
        event.patient_id, event.has_unsettled_claims, event.changed_at)
