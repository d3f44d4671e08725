"""Problem details, request ids and log redaction: the shared HTTP and logging behaviour."""

from __future__ import annotations

import json
import logging

import asyncpg
import pytest
import structlog
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import BaseModel, ConfigDict

from kit.errors import DomainError, document_problems, install_problem_handlers
from kit.logging import configure_logging, correlation_id
from kit.settings import ServiceSettings


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid")
    national_id: str


def app_with_routes() -> FastAPI:
    app = FastAPI()
    install_problem_handlers(app)

    @app.post("/things")
    async def things(body: Body) -> dict[str, str]:
        raise DomainError("Timen er allerede tatt.", code="booking.slot_taken", status=409)

    return app


def app_raising(failure: Exception) -> FastAPI:
    """An app whose one route fails with `failure`, as a handler deep in a service would."""
    app = FastAPI()
    install_problem_handlers(app)

    @app.get("/work")
    async def work() -> None:
        raise failure

    return app


def test_a_domain_refusal_is_problem_details_with_its_code() -> None:
    response = TestClient(app_with_routes()).post("/things", json={"national_id": "12345678901"})
    assert response.status_code == 409
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["code"] == "booking.slot_taken"
    assert body["status"] == 409
    assert body["detail"] == "Timen er allerede tatt."


@pytest.mark.parametrize("payload", [{"national_id": "1", "extra": True}, {}, "not an object"])
def test_unknown_fields_and_malformed_bodies_give_422_without_echoing_input(payload: object) -> None:
    client = TestClient(app_with_routes())
    response = client.post("/things", json=payload)
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "validation.invalid"
    assert "12345678901" not in response.text
    assert all("input" not in e for e in body["errors"])


def test_broken_json_gives_422_not_500() -> None:
    response = TestClient(app_with_routes()).post("/things", content=b"{not json",
                                                  headers={"content-type": "application/json"})
    assert response.status_code == 422


def test_unknown_path_is_a_404_problem() -> None:
    response = TestClient(app_with_routes()).get("/nowhere")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_logs_never_carry_a_national_id_code_or_free_text(capsys: pytest.CaptureFixture[str]) -> None:
    structlog.reset_defaults()
    configure_logging("test", json=True)
    token = correlation_id.set("req-1")
    try:
        log = structlog.get_logger()
        log.info("login for 12088550079 started", national_id="12088550079", code="123456",
                 text="Jeg har vondt i hodet", patient="ok")
    finally:
        correlation_id.reset(token)
        structlog.reset_defaults()
    line = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert "12088550079" not in json.dumps(line)
    assert line["code"] == "[redacted]"
    assert line["text"] == "[redacted]"
    assert line["correlation_id"] == "req-1"
    assert line["patient"] == "ok"


def test_log_lines_inside_a_span_carry_its_trace_and_span_ids(capsys: pytest.CaptureFixture[str]) -> None:
    from opentelemetry.sdk.trace import TracerProvider
    structlog.reset_defaults()
    configure_logging("test", json=True)
    tracer = TracerProvider().get_tracer("test")
    try:
        structlog.get_logger().info("outside")
        with tracer.start_as_current_span("work") as span:
            structlog.get_logger().info("inside")
            logging.getLogger("some.library").warning("a library's own line")
        ids = span.get_span_context()
    finally:
        structlog.reset_defaults()
    outside, inside, library = (json.loads(line) for line in capsys.readouterr().out.strip().splitlines()[-3:])
    assert "trace_id" not in outside
    for line in (inside, library):
        assert line["trace_id"] == format(ids.trace_id, "032x")
        assert line["span_id"] == format(ids.span_id, "016x")
    assert library["logger"] == "some.library"
    assert library["service"] == "test"


def test_production_refuses_development_secrets_and_the_test_clock() -> None:
    with pytest.raises(ValueError, match="development database password"):
        ServiceSettings(env="prod", database_url="postgresql://x:eportal-dev-x@db/x")
    with pytest.raises(ValueError, match="clock offset file"):
        ServiceSettings(env="prod", database_url="postgresql://x:s3cret@db/x", clock_offset_file="clock-offset")
    assert not ServiceSettings(env="prod", database_url="postgresql://x:s3cret@db/x").allows_test_identities


@pytest.mark.parametrize("failure", [
    asyncpg.exceptions.CharacterNotInRepertoireError("invalid byte sequence for encoding \"UTF8\": 0x00"),
    asyncpg.exceptions.NumericValueOutOfRangeError("value out of range for type bigint"),
    OverflowError("date value out of range"),
    UnicodeEncodeError("utf-8", "\ud800", 0, 1, "surrogates not allowed"),
])
def test_input_the_database_cannot_hold_is_a_422_not_a_500(failure: Exception) -> None:
    response = TestClient(app_raising(failure), raise_server_exceptions=False).get("/work")
    assert response.status_code == 422
    assert response.json()["code"] == "validation.invalid"


def test_the_openapi_documents_problem_details_for_refusals() -> None:
    app = app_with_routes()
    document_problems(app)
    responses = app.openapi()["paths"]["/things"]["post"]["responses"]
    for status in ("422", "4XX"):
        assert list(responses[status]["content"]) == ["application/problem+json"]
    assert "HTTPValidationError" not in app.openapi()["components"]["schemas"]



@pytest.mark.parametrize("outage", [
    asyncpg.exceptions.ConnectionDoesNotExistError("connection was closed in the middle of operation"),
    asyncpg.exceptions.CannotConnectNowError("the database system is starting up"),
    asyncpg.exceptions.InterfaceError("pool is closing"),
    ConnectionRefusedError(111, "Connection refused"),
])
def test_a_database_outage_is_a_503_to_retry_not_a_500(outage: Exception) -> None:
    response = TestClient(app_raising(outage), raise_server_exceptions=False).get("/work")
    assert response.status_code == 503
    assert response.json()["code"] == "service.unavailable"
    assert response.headers["retry-after"] == "1"
