"""Problem details (RFC 9457) with a stable `code`, the one error shape every service answers with: a
`DomainError` (kit/errors.py), a validation error, an HTTP error or a database refusal, each turned into
`application/problem+json`.
"""

from __future__ import annotations

from typing import Any

import asyncpg
import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from kit.errors import DomainError

PROBLEM_JSON = "application/problem+json"
# A refusal lists this many of its validation errors at most: a body of 300,000 unknown keys once came back
# as a 27 MB list of every one of them (issue 14).
MAX_ERRORS_SHOWN = 5
log = structlog.get_logger()


class BodyTooLarge(StarletteHTTPException):
    """The request body is over its route's limit (kit.http.BodyLimit): raised when the body is first read,
    before the rest of it is (a Starlette HTTPException, so FastAPI's body reading passes it on as it is)."""

    def __init__(self, limit: int) -> None:
        super().__init__(status_code=413, detail=f"Høyst {limit} byte.")
        self.limit = limit


def problem_response(error: DomainError, request: Request | None = None) -> JSONResponse:
    instance = request.url.path if request is not None else None
    response = JSONResponse(error.to_problem(instance), status_code=error.status, media_type=PROBLEM_JSON)
    if isinstance(error.extra.get("retry_after"), int):  # a refusal that says when to try again says it in HTTP too
        response.headers["Retry-After"] = str(error.extra["retry_after"])
    return response


def install_problem_handlers(app: FastAPI) -> None:
    """Every error leaves as problem details: domain refusals, validation (422) and HTTP errors."""

    async def on_domain(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, DomainError)
        return problem_response(exc, request)

    async def on_validation(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        # Field locations and messages only: the rejected input may hold a national ID or free text. A handful
        # of them, and how many there were in all.
        found = exc.errors()
        errors = [{"loc": list(e.get("loc", ())), "msg": e.get("msg", ""), "type": e.get("type", "")}
                  for e in found[:MAX_ERRORS_SHOWN]]
        err = DomainError("Forespørselen har ugyldige eller manglende felt.", code="validation.invalid",
                          status=422, title="Ugyldig forespørsel.", errors=errors, error_count=len(found))
        return problem_response(err, request)

    async def on_http(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, StarletteHTTPException)
        if exc.status_code == 400:
            # FastAPI's answer to a body it could not read (JSON nested deeper than the parser goes, a broken
            # multipart form): malformed input, so the same 422 as any other (api.md).
            return problem_response(DomainError("Forespørselen kunne ikke leses.", code="validation.invalid",
                                                status=422, title="Ugyldig forespørsel."), request)
        code = {404: "not_found", 403: "forbidden", 401: "auth.required", 405: "validation.method_not_allowed"}
        err = DomainError(str(exc.detail), code=code.get(exc.status_code, f"http.{exc.status_code}"),
                          status=exc.status_code, title=str(exc.detail))
        response = problem_response(err, request)
        if exc.headers:
            response.headers.update(exc.headers)
        return response

    async def on_unstorable(request: Request, exc: Exception) -> JSONResponse:
        # The last line of defence for input the models let through but PostgreSQL cannot hold: a NUL
        # character, a lone surrogate, a number or date beyond its column's range. The client's input is
        # wrong, so a 422, never a 500; what it was is not logged (it may be a national ID or free text).
        log.warning("unstorable_input", error=type(exc).__name__, path=request.url.path)
        err = DomainError("Forespørselen har en verdi som ikke kan lagres (ugyldig tegn, tall eller dato).",
                          code="validation.invalid", status=422, title="Ugyldig verdi.")
        return problem_response(err, request)

    async def on_too_large(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, BodyTooLarge)
        return problem_response(DomainError(str(exc.detail), code="validation.too_large", status=413,
                                            title="Forespørselen er for stor.", max_bytes=exc.limit), request)

    async def on_constraint(request: Request, exc: Exception) -> JSONResponse:
        # A row the database's own constraints refused: input the domain should have refused first, never a
        # 5xx. Only the constraint's name is logged: PostgreSQL's DETAIL holds the failing row (a national ID,
        # a name) and is never read here.
        assert isinstance(exc, asyncpg.IntegrityConstraintViolationError)
        log.warning("constraint_violation", error=type(exc).__name__, constraint=exc.constraint_name,
                    table=exc.table_name, path=request.url.path)
        if isinstance(exc, asyncpg.UniqueViolationError | asyncpg.ExclusionViolationError):
            err = DomainError("Dette finnes allerede.", code="validation.duplicate", status=409,
                              title="Dette finnes allerede.")
        else:
            err = DomainError("Forespørselen har en verdi som ikke kan lagres.", code="validation.constraint",
                              status=422, title="Ugyldig verdi.")
        return problem_response(err, request)

    async def on_outage(request: Request, exc: Exception) -> JSONResponse:
        # The database (or another dependency) is away for a moment: restarting, failing over, out of
        # connections. Nothing was applied (the transaction did not commit); the client may try again.
        log.warning("dependency_unavailable", error=type(exc).__name__, path=request.url.path)
        err = DomainError("Tjenesten er midlertidig utilgjengelig. Prøv igjen om litt.", code="service.unavailable",
                          status=503, title="Tjenesten er midlertidig utilgjengelig.")
        response = problem_response(err, request)
        response.headers["Retry-After"] = "1"
        return response

    for outage in (asyncpg.PostgresConnectionError, asyncpg.exceptions.OperatorInterventionError,
                   asyncpg.exceptions.InsufficientResourcesError, asyncpg.InterfaceError, ConnectionError,
                   TimeoutError):
        app.add_exception_handler(outage, on_outage)
    app.add_exception_handler(DomainError, on_domain)
    app.add_exception_handler(RequestValidationError, on_validation)
    app.add_exception_handler(StarletteHTTPException, on_http)
    app.add_exception_handler(BodyTooLarge, on_too_large)
    app.add_exception_handler(asyncpg.IntegrityConstraintViolationError, on_constraint)
    app.add_exception_handler(asyncpg.DataError, on_unstorable)
    app.add_exception_handler(UnicodeEncodeError, on_unstorable)
    app.add_exception_handler(OverflowError, on_unstorable)  # a date or number past what Python can hold


PROBLEM_SCHEMA: dict[str, Any] = {
    "title": "Problem", "type": "object", "required": ["type", "title", "status", "code"],
    "description": "RFC 9457 problem details with a stable `code` (domain-rules.md, api.md).",
    "properties": {
        "type": {"type": "string"}, "title": {"type": "string"}, "status": {"type": "integer"},
        "detail": {"anyOf": [{"type": "string"}, {"type": "null"}]}, "code": {"type": "string"},
        "instance": {"anyOf": [{"type": "string"}, {"type": "null"}]},
    },
    "additionalProperties": True,
}


def document_problems(app: FastAPI) -> None:
    """Say in the OpenAPI what every operation really answers when it refuses: problem+json, for 422 and any
    other 4xx, in place of FastAPI's default `application/json` validation error, so clients and API fuzzers
    read the true contract."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if getattr(app.state, "problems_documented", False) and app.openapi_schema:
            return app.openapi_schema
        schema = generate()
        schemas = schema.setdefault("components", {}).setdefault("schemas", {})
        schemas["Problem"] = PROBLEM_SCHEMA
        problem = {"description": "Problem details (RFC 9457) med en stabil `code`.",
                   "content": {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}}}
        for item in schema.get("paths", {}).values():
            for operation in item.values():
                if isinstance(operation, dict) and "responses" in operation:
                    operation["responses"]["422"] = problem
                    operation["responses"]["4XX"] = problem
        for unused in ("HTTPValidationError", "ValidationError"):
            schemas.pop(unused, None)
        app.openapi_schema = schema
        app.state.problems_documented = True
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
