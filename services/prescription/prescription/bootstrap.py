"""The one place prescription is wired together: medicine lists, renewal requests and e-prescriptions."""

from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path

from fastapi import APIRouter, FastAPI

from contracts.events import PatientGpChanged
from kit.clinic_calendar import keep_clinic_calendar
from kit.clock import Clock
from kit.http import create_app
from kit.logging import get_logger
from kit.patient_directory import keep_patient_directory
from kit.runtime import ServiceRuntime
from prescription import handlers
from prescription.adapters.intermediary import PrescriptionIntermediary, SimulatedIntermediary
from prescription.entrypoints import dev, http
from prescription.settings import PrescriptionSettings

MIGRATIONS = Path(__file__).parent / "migrations"
log = get_logger(__name__)


def build(settings: PrescriptionSettings | None = None, clock: Clock | None = None,
          intermediary: PrescriptionIntermediary | None = None) -> FastAPI:
    settings = settings or PrescriptionSettings()
    runtime = ServiceRuntime(settings, MIGRATIONS, clock=clock)
    keep_patient_directory(runtime)
    runtime.on(PatientGpChanged)(handlers.follow_new_gp)
    keep_clinic_calendar(runtime, on_change=handlers.recompute_due_dates)
    simulator = SimulatedIntermediary(None, runtime.clock)
    runtime.state["intermediary"] = intermediary or simulator
    runtime.every(settings.gauge_refresh_seconds, handlers.measure_past_due, name="inbox-past-due")

    @runtime.on_start
    async def connect_simulator(rt: ServiceRuntime) -> None:
        simulator.pool = rt.pool

    if settings.sender_enabled:
        _keep_sending(runtime, settings)
    routers: list[APIRouter] = [http.router]
    if settings.serves_dev_routes:
        routers.append(dev.router)
    return create_app(runtime, title="eportal prescription", routers=routers)


def _keep_sending(runtime: ServiceRuntime, settings: PrescriptionSettings) -> None:
    """The sender: woken by each approval, and on a timer for retries and for whatever a crash left."""
    wake = asyncio.Event()
    tasks: list[asyncio.Task[None]] = []
    runtime.state["wake_sender"] = wake.set

    async def loop() -> None:
        while True:
            wake.clear()
            try:
                await handlers.send_due_prescriptions(runtime, runtime.state["intermediary"])
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("e-prescription sender failed")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(wake.wait(), timeout=settings.send_poll_seconds)

    @runtime.on_start
    async def start(_: ServiceRuntime) -> None:
        tasks.append(asyncio.create_task(loop(), name="e-prescription-sender"))

    @runtime.on_stop
    async def stop(_: ServiceRuntime) -> None:
        for task in tasks:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        tasks.clear()
