"""Problem details (RFC 9457) with a stable `code`, the one error shape every service answers with.

Domain rules raise `DomainError` subclasses named for the rule they protect; the HTTP layer turns
them into `application/problem+json`. Codes are a contract with clients: never rename one.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

PROBLEM_JSON = "application/problem+json"


class DomainError(Exception):
    """A refusal with a stable code. `status` is the HTTP status the gateway answers with."""

    code: str = "error"
    status: int = 400
    title: str = "Forespørselen ble avvist."

    def __init__(self, detail: str | None = None, *, code: str | None = None, status: int | None = None,
                 title: str | None = None, **extra: Any) -> None:
        if code is not None:
            self.code = code
        if status is not None:
            self.status = status
        if title is not None:
            self.title = title
        self.detail = detail or self.title
        self.extra = extra
        super().__init__(f"{self.code}: {self.detail}")

    def to_problem(self, instance: str | None = None) -> dict[str, Any]:
        body: dict[str, Any] = {
            "type": f"https://eportal.no/problems/{self.code}",
            "title": self.title,
            "status": self.status,
            "detail": self.detail,
            "code": self.code,
        }
        if instance:
            body["instance"] = instance
        body.update(self.extra)
        return body


class NotFound(DomainError):
    code, status, title = "not_found", 404, "Fant ikke det du ba om."


class Forbidden(DomainError):
    code, status, title = "forbidden", 403, "Du har ikke tilgang til dette."


def problem_response(error: DomainError, request: Request | None = None) -> JSONResponse:
    instance = request.url.path if request is not None else None
    return JSONResponse(error.to_problem(instance), status_code=error.status, media_type=PROBLEM_JSON)


def install_problem_handlers(app: FastAPI) -> None:
    """Every error leaves as problem details: domain refusals, validation (422) and HTTP errors."""

    async def on_domain(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, DomainError)
        return problem_response(exc, request)

    async def on_validation(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        # Field locations and messages only: the rejected input may hold a national ID or free text.
        errors = [{"loc": list(e.get("loc", ())), "msg": e.get("msg", ""), "type": e.get("type", "")}
                  for e in exc.errors()]
        err = DomainError("Forespørselen har ugyldige eller manglende felt.", code="validation.invalid",
                          status=422, title="Ugyldig forespørsel.", errors=errors)
        return problem_response(err, request)

    async def on_http(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, StarletteHTTPException)
        code = {404: "not_found", 403: "forbidden", 401: "auth.required", 405: "validation.method_not_allowed"}
        err = DomainError(str(exc.detail), code=code.get(exc.status_code, f"http.{exc.status_code}"),
                          status=exc.status_code, title=str(exc.detail))
        response = problem_response(err, request)
        if exc.headers:
            response.headers.update(exc.headers)
        return response

    app.add_exception_handler(DomainError, on_domain)
    app.add_exception_handler(RequestValidationError, on_validation)
    app.add_exception_handler(StarletteHTTPException, on_http)
