"""`python -m kit.migrate <service>`: apply one service's migrations, then exit.

The Kubernetes migration Job runs this before a rollout, so a new schema is in place before any new pod
starts and a failing migration stops the rollout instead of crash-looping pods. Services still migrate
at start (a no-op then): the same files, the same advisory lock, so the two never race.
"""

from __future__ import annotations

import asyncio
import importlib
import sys

import asyncpg

from kit.logging import configure_logging, get_logger
from kit.migrations import migrate
from kit.runtime import ServiceRuntime

log = get_logger(__name__)


def runtime_of(service: str) -> ServiceRuntime:
    """The service's runtime as its bootstrap wires it (its migrations folder and the kit features it
    uses); building connects to nothing."""
    bootstrap = importlib.import_module(f"{service}.bootstrap")
    runtime = bootstrap.build().state.runtime
    assert isinstance(runtime, ServiceRuntime)
    return runtime


async def apply(runtime: ServiceRuntime) -> list[str]:
    s = runtime.settings
    conn = await asyncpg.connect(s.database_url.get_secret_value(), timeout=30)
    try:
        # The runtime's own plan, read from inside kit: the Job must apply exactly what a start would.
        return await migrate(conn, s.service_name, runtime._migrations, tuple(runtime._features))
    finally:
        await conn.close()


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print("usage: python -m kit.migrate <service>", file=sys.stderr)
        return 2
    runtime = runtime_of(argv[1])
    s = runtime.settings
    configure_logging(s.service_name, s.log_level, s.log_json)
    applied = asyncio.run(apply(runtime))
    log.info("migrations done", applied=len(applied))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
