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
    runtime.on(EConsultAnswered)(answered_handler(runtime))
    runtime.every(settings.overdue_check_seconds, _overdue_invoices, name="overdue_invoices")
    return create_app(runtime, title="eportal billing", routers=[router])


async def _overdue_invoices(runtime: ServiceRuntime) -> None:
    await mark_overdue_invoices(runtime)
