"""The demo seeder: a frikort for `frikort` this year, an overdue unpaid invoice for `unpaid_claims`
(identity hears the unsettled claim); seeding twice changes nothing."""

from __future__ import annotations

import pytest

from billing import demo
from billing.bootstrap import MIGRATIONS
from kit.clock import FixedClock
from kit.demo import PERSONAS
from kit.runtime import ServiceRuntime
from kit.settings import ServiceSettings
from services.billing.tests.billing_support import oslo_at
from tests.support.services import StackEnv

pytestmark = pytest.mark.stack


async def test_the_demo_personas_frikort_and_unsettled_claim(stack_env: StackEnv, scratch_db: str) -> None:
    personas = {p.persona: p for p in PERSONAS}
    # As deploy/local/demo.py runs it: plain settings, no relay (the running service publishes).
    settings = ServiceSettings(env="test", service_name="billing", database_url=scratch_db,
                               kafka_bootstrap=stack_env.infra.kafka_bootstrap, topic_prefix=stack_env.fresh_prefix())
    runtime = ServiceRuntime(settings, MIGRATIONS, clock=FixedClock(oslo_at(2026, 3, 3)), start_relay=False)
    await runtime.start()
    try:
        for _ in range(2):
            await demo.seed(runtime)
        async with runtime.pool.acquire() as conn:
            assert await conn.fetchval("SELECT year FROM frikort WHERE patient_id = $1", personas["frikort"].id) == 2026
            rows = await conn.fetch("SELECT amount_ore, due_date, overdue_on, status FROM invoices "
                                    "WHERE patient_id = $1", personas["unpaid_claims"].id)
            assert [(r["amount_ore"], r["status"]) for r in rows] == [(25900, "open")]
            assert rows[0]["overdue_on"] is not None
            assert rows[0]["due_date"] < rows[0]["overdue_on"]
            events = [r["envelope"] for r in await conn.fetch("SELECT envelope FROM outbox ORDER BY id")]
        assert [e["event_type"] for e in events] == ["InvoiceIssued", "InvoiceOverdue", "ClaimsStatusChanged"]
        assert events[-1]["payload"] == {"patient_id": str(personas["unpaid_claims"].id), "has_unsettled_claims": True,
                                         "changed_at": events[-1]["payload"]["changed_at"]}
    finally:
        await runtime.stop()
