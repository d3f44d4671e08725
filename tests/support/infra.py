"""Where the tests get PostgreSQL and Kafka: one small interface, two ways to fill it.

The default, and what CI runs, is the local stack's `test` instance (local processes, see
deploy/local/stack.py). Where a Docker engine exists, `EPORTAL_TEST_INFRA=testcontainers` takes both
from testcontainers instead. Each test session gets databases and topics of its own (a random suffix
and topic prefix), so a session never sees another's data, even on a shared broker.
"""

from __future__ import annotations

import asyncio
import importlib.util
import os
import subprocess
import sys
from pathlib import Path
from typing import Protocol

ROOT = Path(__file__).resolve().parents[2]
SERVICES = ("identity", "booking", "prescription", "econsult", "billing", "notify", "gateway")


def _load_stack():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("eportal_stack", ROOT / "deploy" / "local" / "stack.py")
    assert spec
    assert spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["eportal_stack"] = module  # dataclasses look their module up while the file loads
    spec.loader.exec_module(module)
    return module


stack = _load_stack()


class Infrastructure(Protocol):
    kafka_bootstrap: str

    def create_databases(self, suffix: str) -> dict[str, str]: ...

    def drop_databases(self, suffix: str) -> None: ...

    def admin_dsn(self, database: str = "postgres") -> str: ...

    def close(self) -> None: ...


def delete_topics(bootstrap: str, prefix: str) -> int:
    """Delete every topic named with `prefix`: a test session's topics go with it, so the broker does not
    carry thousands of dead partitions from earlier runs (it slows down and runs out of heap)."""
    from aiokafka.admin import AIOKafkaAdminClient

    async def run() -> int:
        admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
        await admin.start()
        try:
            doomed = [t for t in await admin.list_topics() if t.startswith(prefix)]
            if doomed:
                await admin.delete_topics(doomed)
            return len(doomed)
        finally:
            await admin.close()

    try:
        return asyncio.run(run())
    except Exception:  # clean-up only: a broker already gone must not fail the session
        return 0


class LocalProcesses:
    """PostgreSQL and Kafka of the local stack's `test` instance, started if they are not running."""

    def __init__(self, instance: str = "test") -> None:
        self.instance = stack.INSTANCES[instance]
        stack.start(self.instance)
        self.kafka_bootstrap = self.instance.kafka_bootstrap

    def create_databases(self, suffix: str) -> dict[str, str]:
        return stack.create_service_databases(self.instance, suffix)  # type: ignore[no-any-return]

    def drop_databases(self, suffix: str) -> None:
        stack.drop_service_databases(self.instance, suffix)

    def admin_dsn(self, database: str = "postgres") -> str:
        return self.instance.admin_dsn(database)  # type: ignore[no-any-return]

    def close(self) -> None:
        """Left running: the next session starts in a second. `make stop` ends it."""

    def kill_kafka(self) -> None:
        import signal
        stack.kafka_stop(self.instance, signal.SIGKILL)

    def start_kafka(self) -> None:
        stack.kafka_start(self.instance)

    def restart_postgres(self) -> None:
        """An immediate stop (no checkpoint, as a crash would leave it) and a start."""
        stack.pg_stop(self.instance, "immediate")
        stack.pg_start(self.instance)


class Testcontainers:
    """The same from containers, where a Docker engine runs (not on the machine CI uses)."""

    def __init__(self) -> None:
        from testcontainers.kafka import KafkaContainer
        from testcontainers.postgres import PostgresContainer

        self._pg = PostgresContainer("postgres:15", username="postgres", password=stack.DEV_PASSWORD).start()
        self._kafka = KafkaContainer("apache/kafka:4.1.1").with_kraft().start()
        self.kafka_bootstrap = self._kafka.get_bootstrap_server()
        host, port = self._pg.get_container_host_ip(), self._pg.get_exposed_port(5432)
        self.instance = stack.Instance("containers", int(port), 0, 0)
        self._host = host

    def create_databases(self, suffix: str) -> dict[str, str]:
        return stack.create_service_databases(self.instance, suffix)  # type: ignore[no-any-return]

    def drop_databases(self, suffix: str) -> None:
        stack.drop_service_databases(self.instance, suffix)

    def admin_dsn(self, database: str = "postgres") -> str:
        return self.instance.admin_dsn(database)  # type: ignore[no-any-return]

    def close(self) -> None:
        self._kafka.stop()
        self._pg.stop()


def provide() -> Infrastructure:
    kind = os.environ.get("EPORTAL_TEST_INFRA", "local")
    if kind == "testcontainers":
        return Testcontainers()
    if kind != "local":
        raise SystemExit(f"EPORTAL_TEST_INFRA={kind}: use 'local' or 'testcontainers'")
    return LocalProcesses()


def docker_engine_available() -> bool:
    try:
        return subprocess.run(["docker", "info"], capture_output=True, timeout=5, check=False).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False
