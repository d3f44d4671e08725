"""The one place econsult is wired together: eConsultations and GP availability."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from econsult import handlers
from econsult.entrypoints.http import router
from econsult.settings import EconsultSettings
from kit.clock import Clock
from kit.http import create_app
from kit.patient_directory import keep_patient_directory
from kit.runtime import ServiceRuntime

MIGRATIONS = Path(__file__).parent / "migrations"


def build(settings: EconsultSettings | None = None, clock: Clock | None = None) -> FastAPI:
    settings = settings or EconsultSettings()
    runtime = ServiceRuntime(settings, MIGRATIONS, clock=clock)
    keep_patient_directory(runtime)
    runtime.every(settings.gauge_refresh_seconds, handlers.measure_past_due, name="inbox-past-due")
    return create_app(runtime, title="eportal econsult", routers=[router])
