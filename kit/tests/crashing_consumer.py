"""A consumer process for test_consumer.py: applies PatientRegistered by recording an effect, and with
KIT_TEST_CRASH_AFTER_EFFECT set kills itself (SIGKILL) right after the effect commits, before the ack."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from contracts.events import PatientRegistered
from kit import messaging
from kit.runtime import ServiceRuntime
from kit.settings import ServiceSettings
from tests.support.kafka import record_effect

if os.environ.get("KIT_TEST_CRASH_AFTER_EFFECT"):
    original = messaging.EventConsumer.apply

    async def apply_then_die(self, envelope, event, handler):  # type: ignore[no-untyped-def]
        applied = await original(self, envelope, event, handler)
        if applied:
            os.kill(os.getpid(), signal.SIGKILL)
        return applied

    messaging.EventConsumer.apply = apply_then_die  # type: ignore[method-assign]


async def main() -> None:
    runtime = ServiceRuntime(ServiceSettings(), Path(os.environ["KIT_TEST_MIGRATIONS"]))  # type: ignore[call-arg]
    runtime.on(PatientRegistered)(record_effect)
    await runtime.start()
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    await stop.wait()
    await runtime.stop()


asyncio.run(main())
