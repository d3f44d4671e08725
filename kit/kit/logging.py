"""structlog set-up: JSON when not on a terminal, the correlation id bound per request and per message.

Health data stays out of logs: keys that can hold a national ID, a login code or free text are
dropped, and any 11-digit run in a message is masked, as a second line of defence.
"""

from __future__ import annotations

import logging
import re
import sys
import uuid
from collections.abc import MutableMapping
from contextvars import ContextVar
from typing import Any

import structlog

correlation_id: ContextVar[str | None] = ContextVar("correlation_id", default=None)

_SECRET_KEYS = frozenset({
    "national_id", "fnr", "code", "password", "token", "text", "answer", "reason", "message", "body",
})
_ELEVEN_DIGITS = re.compile(r"(?<!\d)\d{11}(?!\d)")


def new_correlation_id() -> str:
    return uuid.uuid4().hex


def current_correlation_id() -> str:
    """The bound correlation id, or a fresh one for work that starts here."""
    return correlation_id.get() or new_correlation_id()


def _add_correlation_id(_: Any, __: str, event: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    cid = correlation_id.get()
    if cid and "correlation_id" not in event:
        event["correlation_id"] = cid
    return event


def _redact(_: Any, __: str, event: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    for key in list(event):
        if key in _SECRET_KEYS and key != "event":
            event[key] = "[redacted]"
        elif isinstance(event[key], str):
            event[key] = _ELEVEN_DIGITS.sub("[fnr]", event[key])
    return event


def configure_logging(service: str, level: str = "INFO", json: bool | None = None) -> None:
    as_json = (not sys.stdout.isatty()) if json is None else json
    shared: list[Any] = [
        structlog.contextvars.merge_contextvars,
        _add_correlation_id,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        _redact,
    ]
    renderer: Any = structlog.processors.JSONRenderer() if as_json else structlog.dev.ConsoleRenderer()
    structlog.configure(
        processors=[*shared, structlog.processors.format_exc_info, renderer],
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelName(level.upper())),
        logger_factory=structlog.PrintLoggerFactory(sys.stdout),
        cache_logger_on_first_use=True,
    )
    structlog.contextvars.bind_contextvars(service=service)
    # Libraries log through the standard library: quiet them to warnings, through the same output.
    logging.basicConfig(level=logging.WARNING, stream=sys.stdout, format="%(levelname)s %(name)s %(message)s")


def get_logger(name: str | None = None) -> Any:
    return structlog.get_logger(name)
