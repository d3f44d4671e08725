"""Session-wide fixtures: the real PostgreSQL and Kafka every integration test runs against."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator, Iterator

import asyncpg
import pytest

# Import the real packages before pytest imports any test module: in importlib mode pytest names a test
# file by its path (contracts/tests/x.py -> contracts.tests.x) and would otherwise make an empty
# `contracts` (or `kit`, `identity`, ...) package up for it, hiding the real one.
import billing  # noqa: F401
import booking  # noqa: F401
import contracts  # noqa: F401
import econsult  # noqa: F401
import gateway  # noqa: F401
import identity  # noqa: F401
import kit  # noqa: F401
import notify  # noqa: F401
import prescription  # noqa: F401
from tests.support.infra import Infrastructure, delete_topics, provide
from tests.support.services import StackEnv
from tests.support.system import System, start_system, stop_system


@pytest.fixture(scope="session")
def infra() -> Iterator[Infrastructure]:
    provided = provide()
    yield provided
    provided.close()


@pytest.fixture(scope="session")
def stack_env(infra: Infrastructure) -> Iterator[StackEnv]:
    run_id = secrets.token_hex(4)
    suffix = f"_t{run_id}"
    dsns = infra.create_databases(suffix)
    yield StackEnv(infra, dsns, topic_prefix=f"t{run_id}.")
    infra.drop_databases(suffix)
    delete_topics(infra.kafka_bootstrap, f"t{run_id}.")


@pytest.fixture(scope="session")
def live_system(infra: Infrastructure, tmp_path_factory: pytest.TempPathFactory) -> Iterator[System]:
    """Every service and the gateway as real processes (see tests/support/system.py)."""
    system = start_system(infra, tmp_path_factory.mktemp("system"))
    yield system
    stop_system(system, infra)


@pytest.fixture
async def scratch_db(infra: Infrastructure) -> AsyncIterator[str]:
    """An empty database of its own for one test; dropped afterwards."""
    name = f"scratch_{secrets.token_hex(5)}"
    admin = await asyncpg.connect(infra.admin_dsn())
    try:
        await admin.execute(f"CREATE DATABASE {name}")
        yield infra.admin_dsn(name)
    finally:
        await admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        await admin.close()
