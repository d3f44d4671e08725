"""The one place billing is wired together: tariffs, frikort, giro invoices and payments."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from billing.settings import BillingSettings
from kit.clock import Clock
from kit.http import create_app
from kit.patient_directory import keep_patient_directory
from kit.runtime import ServiceRuntime

MIGRATIONS = Path(__file__).parent / "migrations"


def build(settings: BillingSettings | None = None, clock: Clock | None = None) -> FastAPI:
    settings = settings or BillingSettings()
    runtime = ServiceRuntime(settings, MIGRATIONS, clock=clock)
    keep_patient_directory(runtime)
    return create_app(runtime, title="eportal billing")
