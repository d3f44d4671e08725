"""The one place prescription is wired together: medicine lists, renewal requests and e-prescriptions."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, FastAPI

from contracts.events import PatientGpChanged
from kit.clinic_calendar import keep_clinic_calendar
from kit.clock import Clock
from kit.http import create_app
from kit.patient_directory import keep_patient_directory
from kit.runtime import ServiceRuntime
from kit.worker import NotifiedWorker
from prescription import handlers
from prescription.adapters.dispatches import WAKE_CHANNEL
from prescription.adapters.intermediary import PrescriptionIntermediary, SimulatedIntermediary
from prescription.entrypoints import dev, http
from prescription.settings import PrescriptionSettings

MIGRATIONS = Path(__file__).parent / "migrations"


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
    """The sender (kit/worker.py): woken by each approval's commit, and on its poll for retries that came due."""
    workers: list[NotifiedWorker] = []

    async def send() -> int:
        await handlers.send_due_prescriptions(runtime, runtime.state["intermediary"])
        return 0  # it sends until nothing is due (or a send fails and waits for its backoff)

    @runtime.on_start
    async def start(rt: ServiceRuntime) -> None:
        worker = NotifiedWorker("e-prescription-sender", rt.pool, WAKE_CHANNEL, send,
                                idle_seconds=settings.send_poll_seconds)
        await worker.start()
        workers.append(worker)

    @runtime.on_stop
    async def stop(_: ServiceRuntime) -> None:
        for worker in workers:
            await worker.stop()
        workers.clear()
