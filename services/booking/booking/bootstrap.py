"""The one place booking is wired together: schedules, slots and appointments."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from booking.settings import BookingSettings
from kit.clock import Clock
from kit.http import create_app
from kit.patient_directory import keep_patient_directory
from kit.runtime import ServiceRuntime

MIGRATIONS = Path(__file__).parent / "migrations"


def build(settings: BookingSettings | None = None, clock: Clock | None = None) -> FastAPI:
    settings = settings or BookingSettings()
    runtime = ServiceRuntime(settings, MIGRATIONS, clock=clock)
    keep_patient_directory(runtime)
    return create_app(runtime, title="eportal booking")
