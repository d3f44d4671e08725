"""One trace from a doctor's approval to the patient's SMS (issue 21, item 1), and no health data in any span.

The gateway, identity, prescription and notify run in this process as real HTTP servers on free ports (the
gateway reaches them with its own aiohttp client, as in production), on the session's PostgreSQL and Kafka,
each with its own tracer provider whose spans go to the SDK's in-memory exporter. A patient logs in with a
code by SMS, asks for a renewal with a message, the doctor searches the list by name and approves; then the
decision's trace must hold the gateway's request, prescription's request and e-prescription send, the outbox
relay's publish, notify's processing of PrescriptionSent and its SMS, every span under one root. And no span
attribute, event or status anywhere in the run may carry the national ID, the login code, the mobile number,
the patient's name, the renewal's message, the staff password or a session token.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

import contracts
from gateway.bootstrap import build as build_gateway
from identity.bootstrap import build as build_identity
from kit import telemetry
from notify.bootstrap import build as build_notify
from prescription.bootstrap import build as build_prescription
from tests.support.portal import (
    add_staff,
    eventually,
    log_in_patient,
    log_in_staff,
    register_patient,
    seen_codes,
)
from tests.support.services import StackEnv, serving
from tests.support.system import System, free_port

pytestmark = pytest.mark.stack

NAME = "Tracy Sporbar"
MESSAGE = "Går tom for tablettene neste uke, takk."
READY = "Resepten din er klar"


@asynccontextmanager
async def traced_clinic(stack_env: StackEnv, exporter: InMemorySpanExporter,
                        workdir: Path) -> AsyncIterator[tuple[System, list[TracerProvider]]]:
    prefix = stack_env.fresh_prefix()
    ports = {s: free_port() for s in ("identity", "prescription", "notify", "gateway")}
    urls = {s: f"http://127.0.0.1:{p}" for s, p in ports.items()}

    def settings(service: str, **extra: Any) -> Any:
        return stack_env.settings(service, topic_prefix=prefix, http_port=ports[service], outbox_poll_seconds=0.3,
                                  **extra)

    apps = {
        "identity": build_identity(settings("identity", login_starts_per_address=100_000)),
        "prescription": build_prescription(settings("prescription")),
        "notify": build_notify(settings("notify")),
        "gateway": build_gateway(settings("gateway", identity_url=urls["identity"],
                                          prescription_url=urls["prescription"], notify_url=urls["notify"])),
    }
    providers = [app.state.runtime.tracer_provider for app in apps.values()]
    assert all(isinstance(p, TracerProvider) for p in providers), "tracing is on for every service"
    system = System(gateway_url=urls["gateway"], service_urls=urls, dsns=stack_env.dsns, topic_prefix=prefix,
                    clock_file=workdir / "clock", logs=workdir)
    async with serving(apps["identity"], ports["identity"]), \
            serving(apps["prescription"], ports["prescription"]), \
            serving(apps["notify"], ports["notify"]), serving(apps["gateway"], ports["gateway"]):
        yield system, providers


@pytest.fixture
def exporter(monkeypatch: pytest.MonkeyPatch) -> InMemorySpanExporter:
    """Tracing on, as OTEL_EXPORTER_OTLP_ENDPOINT would turn it on, with the spans kept in memory."""
    memory = InMemorySpanExporter()
    monkeypatch.setattr(telemetry, "span_exporter", lambda: memory)
    return memory


def flushed(exporter: InMemorySpanExporter, providers: list[TracerProvider]) -> tuple[ReadableSpan, ...]:
    for provider in providers:
        provider.force_flush()
    return exporter.get_finished_spans()


def service_of(span: ReadableSpan) -> str:
    return str(span.resource.attributes["service.name"])


def texts(span: ReadableSpan) -> Iterator[str]:
    """Everything a span carries that an exporter sends as text."""
    yield span.name
    yield span.status.description or ""
    for attributes in (span.attributes, *(e.attributes for e in span.events), *(link.attributes
                                                                                   for link in span.links)):
        for key, value in (attributes or {}).items():
            yield f"{key}={value}"
    yield from (e.name for e in span.events)


async def test_one_trace_from_the_approval_to_the_sms_without_health_data(
        stack_env: StackEnv, exporter: InMemorySpanExporter, tmp_path: Path) -> None:
    async with traced_clinic(stack_env, exporter, tmp_path) as (system, providers), system.client() as http:
        username, password = await add_staff(system, "doctor", name="Dr. Spor")
        doctor = await log_in_staff(http, username, password)
        patient = await register_patient(system, doctor.subject_id, name=NAME)
        me = await log_in_patient(http, patient.national_id, patient.mobile)
        codes = await seen_codes(http, patient.mobile)
        assert codes

        async def medicine_added() -> str | None:
            answer = await http.post(f"/api/v1/staff/patients/{patient.id}/medications", headers=doctor.headers,
                                     json={"name": "Metformin", "strength": "500 mg", "atc_code": "A10BA02",
                                           "reseptgruppe": "C", "fixed": True, "prescribed_by": "here"})
            return str(answer.json()["id"]) if answer.status_code == 201 else None
        medication_id = await eventually(medicine_added, "prescription to know the patient")
        asked = await http.post("/api/v1/renewals", headers=me.headers,
                                json={"medication_ids": [medication_id], "message": MESSAGE})
        assert asked.status_code == 201, asked.text
        # A name in a query string (the staff's patient search): kept out of the span's URL.
        found = await http.get("/api/v1/staff/patients", params={"query": NAME}, headers=doctor.headers)
        assert found.status_code == 200, found.text
        decided = await http.post(f"/api/v1/staff/renewals/{asked.json()['id']}/decision", headers=doctor.headers,
                                  json={"items": [{"medication_id": medication_id, "approve": True}]})
        assert decided.status_code == 200, decided.text

        async def told() -> bool:
            sent = await http.get("/dev/sms", params={"to": patient.mobile})
            return any(READY in m["text"] for m in sent.json()["items"])
        await eventually(told, "the SMS that the prescription is ready")

        def decision_trace() -> list[ReadableSpan] | None:
            spans = flushed(exporter, providers)
            roots = [s for s in spans if s.name == "POST /api/v1/staff/renewals/{renewal_id}/decision"
                     and service_of(s) == "gateway"]
            if not roots:
                return None
            trace_id = roots[0].context.trace_id
            in_trace = [s for s in spans if s.context.trace_id == trace_id]
            sms = [s for s in in_trace if s.name == "notify sends sms"]
            return in_trace if sms else None

        async def whole_trace() -> list[ReadableSpan] | None:
            return decision_trace()
        trace = await eventually(whole_trace, "notify's SMS span in the decision's trace")
        everything = flushed(exporter, providers)

    by_name = {s.name: s for s in trace}
    services = {service_of(s) for s in trace}
    assert {"gateway", "prescription", "notify"} <= services
    names = set(by_name)
    assert "POST /api/v1/staff/renewals/{renewal_id}/decision" in names  # the gateway's request
    assert any(service_of(s) == "prescription" and s.name.startswith("POST /internal/renewals/") for s in trace)
    assert "send e-prescription" in names
    assert any(n.startswith("outbox relay ") and service_of(by_name[n]) == "prescription" for n in names)
    assert any(n.endswith(" publish") and service_of(by_name[n]) == "prescription" for n in names)
    assert any(n.endswith(" process") and service_of(by_name[n]) == "notify" for n in names)
    assert "notify applies PrescriptionSent" in names
    assert "notify sends sms" in names
    # One tree: every span but the root has its parent in the trace.
    ids = {s.context.span_id for s in trace}
    roots = [s for s in trace if s.parent is None or s.parent.span_id not in ids]
    assert [r.name for r in roots] == ["POST /api/v1/staff/renewals/{renewal_id}/decision"]
    # The SMS comes after the decision and from it: notify's send is a descendant of the consumer's span.
    parents = {s.context.span_id: s.parent.span_id if s.parent else None for s in trace}
    chain, at = [], by_name["notify sends sms"].context.span_id
    while at is not None:
        chain.append(at)
        at = parents.get(at)
    assert by_name["notify applies PrescriptionSent"].context.span_id in chain
    assert by_name["send e-prescription"].context.span_id in chain

    secrets = {"national ID": patient.national_id, "mobile": patient.mobile, "mobile digits": patient.mobile[3:],
               "name": NAME, "message": MESSAGE, "password": password, "patient token": me.token,
               "staff token": doctor.token, **{f"code {c}": c for c in codes}}
    assert len(everything) > len(trace)  # the logins, the search and the rest were traced too
    leaks = [(service_of(s), s.name, what, text) for s in everything for text in texts(s)
             for what, secret in secrets.items() if secret in text]
    assert not leaks, leaks
    # What the URL attributes keep of a query: its names.
    urls = [str(s.attributes.get("http.url", "")) for s in everything if s.attributes]
    assert any(u.endswith("/dev/sms?to=") for u in urls)
    assert any(u.endswith("/api/v1/staff/patients?query=") for u in urls)

def test_a_urls_query_values_and_national_ids_are_dropped() -> None:
    assert telemetry.scrub_url("/api/v1/staff/patients?query=Kari+Nordmann&limit=5") == \
        "/api/v1/staff/patients?query=&limit="
    assert telemetry.scrub_url("http://identity/internal/patients/12345678901?x=1") == \
        "http://identity/internal/patients/[fnr]?x="
    assert telemetry.scrub_query("to=%2B4791234567&code=123456") == "to=&code="
    assert telemetry.scrub_url("/api/v1/slots") == "/api/v1/slots"


def test_tracing_is_off_without_a_collector(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "OTEL_SDK_DISABLED",
                 "OTEL_TRACES_EXPORTER"):
        monkeypatch.delenv(name, raising=False)
    assert telemetry.tracer_provider("booking") is None
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:4318")
    provider = telemetry.tracer_provider("booking")
    assert isinstance(provider, TracerProvider)
    assert provider.resource.attributes["service.name"] == "booking"
    provider.shutdown()
    monkeypatch.setenv("OTEL_SDK_DISABLED", "true")
    assert telemetry.tracer_provider("booking") is None
    monkeypatch.delenv("OTEL_SDK_DISABLED")
    monkeypatch.setenv("OTEL_TRACES_EXPORTER", "none")
    assert telemetry.tracer_provider("booking") is None


def test_kafka_spans_carry_only_uuid_keys() -> None:
    """FastStream records the message key on its spans: the aggregate's id, a UUID for every event about a
    person or their requests. The clinic's calendar is the one exception: its key is the day itself (a compacted
    topic keeps the last word per day), which says nothing about anyone."""
    from contracts.registry import event_from, parse_envelope
    fixtures = sorted((Path(contracts.__file__).parent / "fixtures").glob("*.json"))
    assert fixtures
    for path in fixtures:
        event = event_from(parse_envelope(path.read_bytes()))
        if path.name.startswith(("ClinicDayClosed.", "ClinicDayReopened.")):
            assert date.fromisoformat(event.aggregate_id()) == event.day
            continue
        uuid.UUID(event.aggregate_id())
