"""Problem details, request ids, request body limits and log redaction: the shared HTTP and logging behaviour."""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

import asyncpg
import pytest
import structlog
from fastapi import FastAPI, File, Request, UploadFile
from fastapi.testclient import TestClient
from pydantic import BaseModel, ConfigDict

from kit.errors import DomainError
from kit.http import BodyLimit, body_limit
from kit.logging import configure_logging, correlation_id
from kit.problems import document_problems, install_problem_handlers
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


def violation(sqlstate: str, constraint: str) -> asyncpg.PostgresError:
    """A constraint violation as asyncpg raises it, with PostgreSQL's DETAIL: the failing row."""
    return asyncpg.PostgresError.new({
        "C": sqlstate, "M": f'new row for relation "patients" violates constraint "{constraint}"',
        "D": "Failing row contains (7, 12088550079, Kari Nordmann, 1985-08-12).", "n": constraint,
        "t": "patients", "s": "public"})


@pytest.mark.parametrize(("sqlstate", "status", "code"), [
    ("23514", 422, "validation.constraint"),  # check
    ("23502", 422, "validation.constraint"),  # not null
    ("23503", 422, "validation.constraint"),  # foreign key
    ("23505", 409, "validation.duplicate"),  # unique
    ("23P01", 409, "validation.duplicate"),  # exclusion
])
def test_a_constraint_violation_is_never_a_5xx_and_its_detail_never_logged(
        sqlstate: str, status: int, code: str, monkeypatch: pytest.MonkeyPatch) -> None:
    lines: list[str] = []

    class Recorder:
        def warning(self, event: str, **values: Any) -> None:
            lines.append(json.dumps({"event": event, **values}))

    monkeypatch.setattr("kit.problems.log", Recorder())
    answer = TestClient(app_raising(violation(sqlstate, "patients_name_check")),
                        raise_server_exceptions=False).get("/work")
    assert (answer.status_code, answer.json()["code"]) == (status, code)
    logged = "\n".join(lines)
    assert "patients_name_check" in logged
    assert "Failing row" not in logged
    assert "Kari" not in answer.text + logged
    assert "12088550079" not in answer.text + logged


def test_tracebacks_lose_database_details_and_query_arguments(capsys: pytest.CaptureFixture[str]) -> None:
    """What uvicorn logs of an unhandled error (through the standard library and the root handler kit's logging
    sets up), and structlog's exc_info."""
    library = logging.getLogger("test.library")
    failures: list[Exception] = [
        violation("23514", "patients_name_check"),
        asyncpg.exceptions.DataError("invalid input for query argument $2: 'Kari Nordmann 12088550079' "
                                     "(value too long)"),
    ]
    structlog.reset_defaults()
    configure_logging("test", json=True)
    try:
        for failure in failures:
            try:
                raise RuntimeError("while importing") from failure
            except RuntimeError:
                library.exception("Exception in ASGI application")
                structlog.get_logger().exception("import_failed")
                structlog.get_logger().warning("relay failed", detail=str(failure))  # an error's text as a value
    finally:
        structlog.reset_defaults()
    out = capsys.readouterr()
    logged = out.out + out.err
    assert "CheckViolationError" in logged
    assert "invalid input for query argument $2" in logged
    for secret in ("Failing row", "Kari", "12088550079", "1985-08-12"):
        assert secret not in logged, secret


# --- request bodies (issue 14): a limit enforced before they are read, small refusals, 422 for the unreadable

LIMIT = 1000


def limited_app() -> FastAPI:
    app = FastAPI()
    install_problem_handlers(app)
    app.add_middleware(BodyLimit, default=LIMIT)

    @app.post("/commands")
    async def command(body: Body) -> dict[str, str]:
        return {"ok": "yes"}

    @app.post("/notes", openapi_extra=body_limit(20 * LIMIT))
    async def note(body: Body) -> dict[str, str]:
        return {"ok": "yes"}

    @app.post("/uploads", openapi_extra=body_limit(10 * LIMIT))
    async def upload(file: UploadFile = File()) -> dict[str, int]:
        return {"bytes": len(await file.read())}

    @app.post("/raw", openapi_extra=body_limit(10 * LIMIT))
    async def raw(request: Request) -> dict[str, int]:
        return {"bytes": len(await request.body())}

    return app


def test_a_body_over_its_routes_limit_is_a_413_problem() -> None:
    client = TestClient(limited_app())
    big = json.dumps({"national_id": "x" * 2 * LIMIT})
    answer = client.post("/commands", content=big, headers={"content-type": "application/json"})
    assert answer.status_code == 413
    assert answer.headers["content-type"] == "application/problem+json"
    assert (answer.json()["code"], answer.json()["max_bytes"]) == ("validation.too_large", LIMIT)
    # A route that says it takes more takes more, up to its own limit, as multipart or as a raw body.
    assert client.post("/uploads", files={"file": ("a.csv", b"x" * 5 * LIMIT)}).json() == {"bytes": 5 * LIMIT}
    assert client.post("/raw", content=b"x" * 5 * LIMIT).json() == {"bytes": 5 * LIMIT}
    over = client.post("/uploads", files={"file": ("a.csv", b"x" * 11 * LIMIT)})
    assert (over.status_code, over.json()["max_bytes"]) == (413, 10 * LIMIT)
    assert client.post("/commands", json={"national_id": "1"}).status_code == 200


def test_a_body_without_a_length_is_refused_as_soon_as_it_passes_the_limit() -> None:
    def chunks() -> Any:
        for _ in range(100):
            yield b"x" * 100
    answer = TestClient(limited_app()).post("/raw", content=chunks())  # chunked: no Content-Length
    assert answer.status_code == 200  # 10,000 bytes: exactly the route's limit
    def more() -> Any:
        for _ in range(101):
            yield b"x" * 100
    answer = TestClient(limited_app()).post("/raw", content=more())
    assert (answer.status_code, answer.json()["code"]) == (413, "validation.too_large")


async def call(app: FastAPI, path: str, headers: list[tuple[bytes, bytes]], chunks: list[bytes]
               ) -> tuple[int, int]:
    """The app called as a server would, with a body of `chunks`: the status, and how many chunks it read."""
    read, status = 0, 0

    async def receive() -> dict[str, Any]:
        nonlocal read
        read += 1
        if read > len(chunks):
            await asyncio.sleep(3600)  # a client that never sends the rest
        return {"type": "http.request", "body": chunks[read - 1], "more_body": read < len(chunks)}

    async def send(message: dict[str, Any]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]

    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST", "scheme": "http",
             "path": path, "raw_path": path.encode(), "query_string": b"", "root_path": "",
             "headers": headers, "client": ("127.0.0.1", 1), "server": ("127.0.0.1", 80)}
    await app(scope, receive, send)
    return status, read


async def test_a_declared_length_over_the_limit_is_refused_before_any_of_the_body_is_read() -> None:
    app = limited_app()
    headers = [(b"content-type", b"application/json"), (b"content-length", b"3500000")]
    status, read = await call(app, "/commands", headers, [b"{" + b" " * 100] * 35_000)
    assert (status, read) == (413, 0)


def test_a_refusal_lists_a_handful_of_errors_however_many_there_are() -> None:
    keys = {f"k{n}": n for n in range(500)}
    answer = TestClient(limited_app()).post("/uploads", json=keys)  # any JSON at a route that takes more
    assert answer.status_code == 422
    body = TestClient(limited_app()).post("/commands", content=json.dumps(dict(list(keys.items())[:60])),
                                          headers={"content-type": "application/json"}).json()
    assert body["code"] == "validation.invalid"
    assert len(body["errors"]) == 5
    assert body["error_count"] == 61  # 60 unknown keys and the missing national_id


@pytest.mark.parametrize("body", [b"[" * 9000 + b"]" * 9000, b'{"national_id":' + b"[" * 9000 + b"]" * 9000 + b"}",
                                  b'{"national_id":' + b"[" * 400 + b"]" * 400 + b"}"])
def test_deeply_nested_json_is_a_422_not_a_400(body: bytes) -> None:
    answer = TestClient(limited_app()).post("/notes", content=body, headers={"content-type": "application/json"})
    assert (answer.status_code, answer.json()["code"]) == (422, "validation.invalid")


def test_a_national_id_is_scrubbed_but_hex_ids_with_eleven_digits_in_a_row_keep_their_value() -> None:
    """A trace id is hex: now and then it holds eleven digits in a row, and scrubbing them broke the join of a
    service's log lines to their trace. A national ID stands alone, and is scrubbed wherever it stands so."""
    from kit.logging import scrub
    assert scrub("fant ikke 12345678901 i registeret") == "fant ikke [fnr] i registeret"
    assert scrub("/patients/12345678901?x=1") == "/patients/[fnr]?x=1"
    assert scrub("DETAIL: Key (national_id)=(12345678901) already exists.") == "DETAIL: [scrubbed]"
    for hex_id in ("04bac11c66faad66b92349757904d76e", "4f1c2a0e-8b3d-4e5f-9a6b-123456789012"):
        assert scrub(hex_id) == hex_id


def test_a_served_service_freezes_what_start_up_made_and_collects_young_objects_at_its_setting(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> None:
    """`python -m <service>`: the collector's young-generation threshold is the setting's (not CPython's 700, a
    pass every few requests), and what start-up made is out of every pass."""
    import gc

    import uvicorn

    from kit.http import create_app, serve
    from kit.runtime import ServiceRuntime
    served: list[Any] = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **_: served.append(app))
    before = gc.get_threshold()
    settings = ServiceSettings(env="test", service_name="kittest", database_url="postgresql://nobody@127.0.0.1:1/x",
                               gc_gen0_threshold=12_345)
    app = create_app(ServiceRuntime(settings, tmp_path), title="t")
    try:
        serve(app, "127.0.0.1", 0)
        assert served == [app]
        assert gc.get_threshold() == (12_345, *before[1:])
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
        gc.set_threshold(*before)
