"""The one place notify is wired together: SMS and e-mail to patients."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from kit.clock import Clock
from kit.http import create_app
from kit.patient_directory import keep_patient_directory
from kit.runtime import ServiceRuntime
from notify.settings import NotifySettings

MIGRATIONS = Path(__file__).parent / "migrations"


def build(settings: NotifySettings | None = None, clock: Clock | None = None) -> FastAPI:
    settings = settings or NotifySettings()
    runtime = ServiceRuntime(settings, MIGRATIONS, clock=clock)
    keep_patient_directory(runtime)
    return create_app(runtime, title="eportal notify")
