"""The one place billing is wired together: tariffs, frikort, giro invoices and payments."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from billing.entrypoints.http import router
from billing.handlers.claims import mark_overdue_invoices
from billing.handlers.invoicing import answered_handler
from billing.settings import BillingSettings
from contracts.events import EConsultAnswered
from kit.clock import Clock
from kit.http import create_app
from kit.patient_directory import keep_patient_directory
from kit.runtime import ServiceRuntime

MIGRATIONS = Path(__file__).parent / "migrations"


def build(settings: BillingSettings | None = None, clock: Clock | None = None) -> FastAPI:
    settings = settings or BillingSettings()
    runtime = ServiceRuntime(settings, MIGRATIONS, clock=clock)
    keep_patient_directory(runtime)
    runtime.on(EConsultAnswered)(answered_handler(settings.invoice_terms(), runtime.clock, runtime.outbox))

    async def overdue_invoices(rt: ServiceRuntime) -> None:
        await mark_overdue_invoices(rt)

    runtime.every(settings.overdue_check_seconds, overdue_invoices, name="overdue_invoices")
    return create_app(runtime, title="eportal billing", routers=[router])
