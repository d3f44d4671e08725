"""The refusals of the clinic's rules: `DomainError` and its family, each with a stable `code`.

Domain rules raise `DomainError` subclasses named for the rule they protect; kit/problems.py turns them into
problem details (RFC 9457, `application/problem+json`). Codes are a contract with clients: never rename one.
This module imports nothing but the standard library, so a service's domain/ can raise these without
depending on a web framework or a database driver (tests/test_domain_imports.py keeps it so).
"""

from __future__ import annotations

from typing import Any


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
