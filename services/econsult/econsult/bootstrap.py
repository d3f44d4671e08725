"""The one place econsult is wired together: eConsultations, GP availability, and the copies econsult keeps of
identity's patients (moving open questions with a patient who changes GP) and booking's closed days (due dates
computed again when a day closes or reopens)."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from contracts.events import PatientGpChanged
from econsult import handlers
from econsult.entrypoints.http import router
from econsult.settings import EconsultSettings
from kit.clinic_calendar import keep_clinic_calendar
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
    runtime.on(PatientGpChanged)(handlers.follow_new_gp)
    keep_clinic_calendar(runtime, on_change=handlers.recompute_due_dates)
    return create_app(runtime, title="eportal econsult", routers=[router])
