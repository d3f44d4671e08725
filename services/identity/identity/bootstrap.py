"""The one place identity is wired together."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from identity.entrypoints.http import router
from identity.settings import IdentitySettings
from kit.clock import Clock
from kit.http import create_app
from kit.runtime import ServiceRuntime

MIGRATIONS = Path(__file__).parent / "migrations"


def build(settings: IdentitySettings | None = None, clock: Clock | None = None) -> FastAPI:
    settings = settings or IdentitySettings()
    runtime = ServiceRuntime(settings, MIGRATIONS, clock=clock)
    return create_app(runtime, title="eportal identity", routers=[router])
