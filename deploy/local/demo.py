"""Demo data for `make run`: each service seeds its own database through its own `<service>.demo`.

A service that has demo data provides `<service>/demo.py` with

    async def seed(runtime: ServiceRuntime) -> None

which writes its own tables (and outbox rows, so other services hear of it) using the shared demo
clinic in `kit.demo`. Seeders are idempotent: `make run` seeds again on every start. They run in this
order, so that events from identity (patients, staff) are on their way before the rest are seeded.
"""

from __future__ import annotations

import asyncio
import importlib
import os
import time
from pathlib import Path

import stack

from kit.runtime import ServiceRuntime
from kit.settings import ServiceSettings

ORDER = ("identity", "booking", "prescription", "econsult", "billing", "notify")


def say(msg: str) -> None:
    print(f"[demo] {msg}", flush=True)


async def _seed_all(inst: stack.Instance) -> None:
    for service in ORDER:
        try:
            module = importlib.import_module(f"{service}.demo")
        except ModuleNotFoundError:
            continue
        bootstrap = importlib.import_module(f"{service}.bootstrap")
        settings = ServiceSettings(env="dev", service_name=service, database_url=inst.service_dsn(service),
                                   kafka_bootstrap=inst.kafka_bootstrap, log_level="WARNING")
        # Migrations are the service's (already applied by the running service); no relay or
        # consumers here: the running service's relay publishes what the seeder writes to its outbox.
        runtime = ServiceRuntime(settings, Path(bootstrap.MIGRATIONS), start_relay=False)
        started = time.monotonic()
        await runtime.start()
        try:
            await module.seed(runtime)
        finally:
            await runtime.stop()
        say(f"{service}: seeded in {time.monotonic() - started:.1f} s")


def seed(inst: stack.Instance) -> None:
    os.environ.setdefault("EPORTAL_ENV", "dev")
    asyncio.run(_seed_all(inst))
