"""The one place prescription is wired together: medicine lists, renewal requests and e-prescriptions."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from kit.clock import Clock
from kit.http import create_app
from kit.patient_directory import keep_patient_directory
from kit.runtime import ServiceRuntime
from prescription.settings import PrescriptionSettings

MIGRATIONS = Path(__file__).parent / "migrations"


def build(settings: PrescriptionSettings | None = None, clock: Clock | None = None) -> FastAPI:
    settings = settings or PrescriptionSettings()
    runtime = ServiceRuntime(settings, MIGRATIONS, clock=clock)
    keep_patient_directory(runtime)
    return create_app(runtime, title="eportal prescription")
