"""A tiny service for kit's tests: it emits PatientRegistered and applies it by recording an effect."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import asyncpg
import pytest

from contracts.events import PatientRegistered
from kit.runtime import ServiceRuntime
from kit.settings import ServiceSettings
from tests.support.kafka import EFFECTS_SQL, record_effect
from tests.support.services import StackEnv


@pytest.fixture
def migrations(tmp_path: Path) -> Path:
    folder = tmp_path / "migrations"
    folder.mkdir()
    (folder / "0001_effects.sql").write_text(EFFECTS_SQL)
    return folder


@pytest.fixture
def kit_settings(stack_env: StackEnv, scratch_db: str) -> ServiceSettings:
    return ServiceSettings(env="test", service_name="kittest", database_url=scratch_db,
                           kafka_bootstrap=stack_env.infra.kafka_bootstrap, topic_prefix=stack_env.fresh_prefix(),
                           consumer_backoff_seconds=0.01, consumer_max_attempts=3, outbox_retry_seconds=0.3)


@pytest.fixture
def make_runtime(kit_settings: ServiceSettings, migrations: Path) -> Callable[..., ServiceRuntime]:
    def make(handler: Any = record_effect, **kwargs: Any) -> ServiceRuntime:
        runtime = ServiceRuntime(kit_settings, migrations, **kwargs)
        if handler is not None:
            runtime.on(PatientRegistered)(handler)
        return runtime
    return make


@pytest.fixture
async def kit_db(kit_settings: ServiceSettings) -> AsyncIterator[asyncpg.Connection]:
    conn = await asyncpg.connect(kit_settings.database_url.get_secret_value())
    yield conn
    await conn.close()
