"""The one place booking is wired together: schedules, slots and appointments."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from booking import handlers
from booking.adapters.slot_cache import SlotSearchCache
from booking.entrypoints.http import router
from booking.settings import BookingSettings
from kit.clock import Clock
from kit.http import create_app
from kit.patient_directory import keep_patient_directory
from kit.runtime import ServiceRuntime

MIGRATIONS = Path(__file__).parent / "migrations"


async def remind(runtime: ServiceRuntime) -> None:
    await handlers.send_due_reminders(runtime)


async def extend(runtime: ServiceRuntime) -> None:
    await handlers.extend_schedules(runtime)


def _keep_slot_cache(runtime: ServiceRuntime, seconds: float) -> None:
    @runtime.on_start
    async def start(rt: ServiceRuntime) -> None:
        cache = SlotSearchCache(rt.pool, max_age_seconds=seconds)
        await cache.start()
        rt.state["slot_cache"] = cache

    @runtime.on_stop
    async def stop(rt: ServiceRuntime) -> None:
        cache = rt.state.pop("slot_cache", None)
        if cache is not None:
            await cache.stop()


def build(settings: BookingSettings | None = None, clock: Clock | None = None) -> FastAPI:
    settings = settings or BookingSettings()
    runtime = ServiceRuntime(settings, MIGRATIONS, clock=clock)
    keep_patient_directory(runtime)
    # Durable jobs: each finds its work in the database, so a restart neither loses nor repeats it.
    runtime.every(settings.reminder_poll_seconds, remind, name="appointment-reminders")
    runtime.every(settings.schedule_extend_seconds, extend, name="schedule-horizon")
    if settings.slot_cache_seconds > 0:
        _keep_slot_cache(runtime, settings.slot_cache_seconds)
    return create_app(runtime, title="eportal booking", routers=[router])
