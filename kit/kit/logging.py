"""structlog set-up: JSON when not on a terminal, the correlation id bound per request and per message, and the
trace and span ids of the active span (kit/telemetry.py) on every line written inside one, so logs and traces
join.

Health data stays out of logs: keys that can hold a national ID, a login code or free text are
dropped, and any 11-digit run in a message is masked, as a second line of defence. Tracebacks, ours and
the libraries', lose what a database error carries of the input: PostgreSQL's DETAIL and HINT (a failing
row: a national ID, a name) and asyncpg's rendering of a query argument it could not encode.
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
from opentelemetry import trace

correlation_id: ContextVar[str | None] = ContextVar("correlation_id", default=None)

_SECRET_KEYS = frozenset({
    "national_id", "fnr", "code", "password", "token", "text", "answer", "reason", "message", "body",
})
# A national ID stands alone: eleven digits not inside a longer run of letters and digits, so a trace id or a
# UUID whose hex happens to hold eleven digits in a row keeps its value (and logs still join their traces).
_ELEVEN_DIGITS = re.compile(r"(?<![0-9A-Za-z])\d{11}(?![0-9A-Za-z])")
# Fields this module writes itself (random ids, the level, the time, the service's name): never a patient's
# input, never scrubbed.
_OWN_IDS = frozenset({"trace_id", "span_id", "correlation_id", "level", "timestamp", "service"})
# asyncpg writes DETAIL and HINT on lines of their own after the error's message; what follows them belongs
# to them up to the next blank line (where a traceback goes on) or the end.
_DATABASE_DETAIL = re.compile(r"^(DETAIL|HINT): .*?(?=\n\n|\Z)", re.MULTILINE | re.DOTALL)
_QUERY_ARGUMENT = re.compile(r"(invalid input for query argument \$\d+)[^\n]*")


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


def _add_trace_ids(_: Any, __: str, event: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    context = trace.get_current_span().get_span_context()
    if context.is_valid:
        event.setdefault("trace_id", format(context.trace_id, "032x"))
        event.setdefault("span_id", format(context.span_id, "016x"))
    return event


def scrub(text: str) -> str:
    """Text bound for a log with what it may carry of a patient's input taken out: a database error's DETAIL
    and HINT, the value of a query argument, any 11-digit run (a national ID). Every string value of every line
    comes through here: the two error patterns are looked for only in text that holds their words (a substring
    test costs a fraction of a substitution, which was over a third of a line's cost)."""
    if "DETAIL: " in text or "HINT: " in text:
        text = _DATABASE_DETAIL.sub(r"\1: [scrubbed]", text)
    if "query argument $" in text:
        text = _QUERY_ARGUMENT.sub(r"\1: [scrubbed]", text)
    return _ELEVEN_DIGITS.sub("[fnr]", text)


def _scrub_exception(_: Any, __: str, event: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    if isinstance(event.get("exception"), str):
        event["exception"] = scrub(event["exception"])
    return event


def _redact(_: Any, __: str, event: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    for key in list(event):
        if key in _SECRET_KEYS and key != "event":
            event[key] = "[redacted]"
        elif isinstance(event[key], str) and key not in _OWN_IDS:
            event[key] = scrub(event[key])  # an error's text logged as a value (str(exc)) carries DETAIL too
    return event


def configure_logging(service: str, level: str = "INFO", json: bool | None = None) -> None:
    as_json = (not sys.stdout.isatty()) if json is None else json
    shared: list[Any] = [
        structlog.contextvars.merge_contextvars,
        _add_correlation_id,
        _add_trace_ids,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        _redact,
    ]
    renderer: Any = structlog.processors.JSONRenderer() if as_json else structlog.dev.ConsoleRenderer()
    structlog.configure(
        processors=[*shared, structlog.processors.format_exc_info, _scrub_exception, renderer],
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelName(level.upper())),
        logger_factory=structlog.PrintLoggerFactory(sys.stdout),
        cache_logger_on_first_use=True,
    )
    structlog.contextvars.bind_contextvars(service=service)
    # Libraries log through the standard library (warnings and worse, the root's level): the same lines, JSON
    # with the same fields, so every line of a service joins its trace (uvicorn's too: kit.http.serve), and
    # scrubbed as ours are (uvicorn's "Exception in ASGI application" traceback holds a database error's DETAIL).
    handler = _StdoutHandler()
    handler.set_name("eportal")
    handler.setFormatter(structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=[*shared, structlog.stdlib.add_logger_name],
        processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                    structlog.processors.format_exc_info, _scrub_exception, renderer]))
    root = logging.getLogger()
    for old in [h for h in root.handlers if h.get_name() == "eportal"]:
        root.removeHandler(old)
    root.addHandler(handler)


class _StdoutHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes each line to sys.stdout as it is then (tests swap it for a capture)."""

    def emit(self, record: logging.LogRecord) -> None:
        self.stream = sys.stdout
        super().emit(record)


def get_logger(name: str | None = None) -> Any:
    return structlog.get_logger(name)
