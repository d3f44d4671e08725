"""Traces: OpenTelemetry in every service, one trace from a request through Kafka to its last effect.

Off unless the standard variables name a collector (`OTEL_EXPORTER_OTLP_ENDPOINT` or
`OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`; `OTEL_SDK_DISABLED=true` or `OTEL_TRACES_EXPORTER=none` turn it off
again). Then spans go over OTLP/HTTP, batched, and every other `OTEL_*` setting (headers, sampler, batch
sizes, resource attributes) is read by the SDK itself. Each service has a tracer provider of its own (not the
process-global one), so several services in one test process still report as themselves.

Where work waits in a table for a later task (the outbox for the relay, prescription's dispatches, notify's
deliveries) the W3C trace context of the span that wrote the row is stored with it (`trace_context()`) and
the later task continues that trace (`continued()`). Across Kafka, FastStream's own middleware writes and
reads the `traceparent` header; across HTTP, FastAPI's and aiohttp's instrumentation do.

Health data stays out of spans: URL attributes keep the path with any 11-digit run masked and the query's
names without their values (a patient search by name, the ID-porten code); client addresses are not
recorded; headers that carry credentials are redacted should header capture be switched on; request and
response bodies are never recorded (the instrumentation has no such option). tests/e2e/test_tracing.py
holds it.
"""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Iterator, Mapping
from typing import Any
from urllib.parse import parse_qsl, urlsplit, urlunsplit

from fastapi import FastAPI
from opentelemetry import propagate, trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SpanExporter
from opentelemetry.trace import Span, SpanKind, Tracer

TRACER = "eportal"
_ELEVEN_DIGITS = re.compile(r"(?<!\d)\d{11}(?!\d)")
# Never recorded even if OTEL_INSTRUMENTATION_HTTP_CAPTURE_HEADERS_* asks for them.
SECRET_HEADERS = ["authorization", "cookie", "set-cookie", "x-csrf-token", "proxy-authorization"]
_URL_ATTRIBUTES = ("http.target", "http.url", "url.full", "url.path", "url.query")
_CLIENT_ATTRIBUTES = ("net.peer.ip", "net.peer.port", "client.address", "client.port", "network.peer.address",
                      "network.peer.port")


def _on() -> bool:
    if os.environ.get("OTEL_SDK_DISABLED", "").strip().lower() == "true":
        return False
    if os.environ.get("OTEL_TRACES_EXPORTER", "otlp").strip().lower() != "otlp":
        return False
    return bool(os.environ.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") or os.environ.get("OTEL_EXPORTER_OTLP_ENDPOINT"))


def span_exporter() -> SpanExporter | None:
    """The OTLP/HTTP exporter the OTEL_* variables describe, or None: tracing is off."""
    if not _on():
        return None
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    return OTLPSpanExporter()


def tracer_provider(service: str) -> TracerProvider | None:
    """This service's tracer provider, or None when tracing is off (then nothing is instrumented at all)."""
    exporter = span_exporter()
    if exporter is None:
        return None
    # Our name wins over OTEL_SERVICE_NAME: one ConfigMap serves every service.
    provider = TracerProvider(resource=Resource.create({"service.name": service, "service.namespace": "eportal"}))
    provider.add_span_processor(BatchSpanProcessor(exporter))
    return provider


def tracer(provider: TracerProvider | None) -> Tracer:
    return trace.get_tracer(TRACER, tracer_provider=provider)


def scrub_url(url: str) -> str:
    """A URL or a path with its query, fit for a span: 11-digit runs masked, the query's values dropped."""
    parts = urlsplit(url)
    return _ELEVEN_DIGITS.sub("[fnr]", urlunsplit(parts._replace(query=scrub_query(parts.query), fragment="")))


def scrub_query(query: str) -> str:
    """A query string's names, without their values: `to=+4791234567&x=1` -> `to=&x=`."""
    return "&".join(f"{_ELEVEN_DIGITS.sub('[fnr]', name)}=" for name, _ in parse_qsl(query, keep_blank_values=True))


def _scrub_server_span(span: Span, scope: dict[str, Any]) -> None:
    """Called by the ASGI instrumentation once it has set the request's attributes: overwrite what is personal."""
    if not span.is_recording():
        return
    recorded: Mapping[str, Any] = getattr(span, "attributes", None) or {}
    for key in _URL_ATTRIBUTES:
        if isinstance(recorded.get(key), str):
            span.set_attribute(key, scrub_query(recorded[key]) if key == "url.query" else scrub_url(recorded[key]))
    for key in _CLIENT_ATTRIBUTES:
        if key in recorded:
            span.set_attribute(key, "")


def instrument_app(app: FastAPI, provider: TracerProvider | None) -> None:
    """FastAPI's own instrumentation: a server span per request, continuing the caller's trace."""
    if provider is None:
        return
    from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor
    FastAPIInstrumentor.instrument_app(
        app, tracer_provider=provider, server_request_hook=_scrub_server_span,
        excluded_urls="/health$,/ready$", exclude_spans=["receive", "send"],
        http_capture_headers_sanitize_fields=SECRET_HEADERS)


def kafka_middleware(provider: TracerProvider | None) -> list[Any]:
    """FastStream's own middleware: a span per publish and per message processed, `traceparent` in the headers."""
    if provider is None:
        return []
    from faststream.kafka.opentelemetry import KafkaTelemetryMiddleware
    return [KafkaTelemetryMiddleware(tracer_provider=provider)]


def trace_context() -> dict[str, str] | None:
    """The current span's W3C trace context, to store with a row that a later task acts on; None without one."""
    carrier: dict[str, str] = {}
    propagate.inject(carrier)
    return carrier or None


@contextlib.contextmanager
def continued(tracer: Tracer, name: str, stored: Mapping[str, str] | None, *,
              kind: SpanKind = SpanKind.INTERNAL, attributes: Mapping[str, str] | None = None) -> Iterator[Span]:
    """A span that continues the trace stored with a row (`trace_context()`), or starts one if none was.
    Exceptions are marked on the span by type only: a message may quote data."""
    parent = propagate.extract(dict(stored)) if stored else None
    with tracer.start_as_current_span(name, context=parent, kind=kind, attributes=attributes,
                                      record_exception=False, set_status_on_exception=False) as span:
        try:
            yield span
        except Exception as exc:
            span.set_status(trace.StatusCode.ERROR, type(exc).__name__)
            raise

