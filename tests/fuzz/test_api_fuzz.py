"""Schemathesis against the running gateway's own OpenAPI (issue 11): every operation, logged in as each role
that may use it (a patient, or every staff role the route allows), examples generated from the schema
and from its negation. No answer is a server error; every answer matches the documented content type and
response schema; input that breaks the schema is refused with a 4xx.

`EPORTAL_FUZZ_EXAMPLES` sets the examples per operation: 100 in `make chaos`'s full run, fewer in make test.
Business refusals of valid-looking input (a random id is not found, a slot is gone) are 4xx by design, so
the "positive data is accepted" check is not run; status codes a route may answer (401/403/404/409/422) are
the problem+json documented in api.md, so undocumented-status checks are not run either."""

from __future__ import annotations

import asyncio
import os
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import (
    content_type_conformance,
    negative_data_rejection,
    not_a_server_error,
    response_schema_conformance,
)

from gateway import auth
from gateway.entrypoints import ROUTERS
from tests.support.portal import add_staff, log_in_patient, log_in_staff, register_patient
from tests.support.system import System

pytestmark = pytest.mark.stack

EXAMPLES = int(os.environ.get("EPORTAL_FUZZ_EXAMPLES", "10"))
STAFF_ROLES = ("doctor", "reception", "billing", "admin")
CHECKS = [not_a_server_error, content_type_conformance, response_schema_conformance, negative_data_rejection]
# Logging out would end the session the other examples use: fuzzed with a session of its own below.
SESSION_ENDING = {("POST", "/api/v1/auth/logout"), ("POST", "/api/v1/staff/auth/logout"),
                  ("POST", "/api/v1/auth/idporten/logout")}


def roles_by_route() -> dict[tuple[str, str], tuple[str, ...]]:
    """Who the fuzzer logs in as for each operation: every role the route is for (`patient` when it is public
    or the patient's own), since each role's session takes a different way through the route."""
    found: dict[tuple[str, str], tuple[str, ...]] = {}
    for router in ROUTERS:
        for route in router.routes:
            path = getattr(route, "path", "")
            roles: tuple[str, ...] = ("patient",)
            for dependency in route.dependant.dependencies if hasattr(route, "dependant") else []:
                if hasattr(dependency.call, "roles"):
                    roles = tuple(dependency.call.roles or STAFF_ROLES)
            for method in getattr(route, "methods", ()):
                found[(method, path)] = roles
    return found


@pytest.fixture(scope="module")
def fuzz_sessions(live_system: System) -> dict[str, dict[str, str]]:
    async def log_in() -> dict[str, dict[str, str]]:
        async with live_system.client() as http:
            headers: dict[str, dict[str, str]] = {}
            doctor = await log_in_staff(http, *await add_staff(live_system, "doctor"))
            headers["doctor"] = doctor.headers
            for role in ("reception", "billing", "admin"):
                headers[role] = (await log_in_staff(http, *await add_staff(live_system, role))).headers
            patient = await register_patient(live_system, doctor.subject_id)
            headers["patient"] = (await log_in_patient(http, patient.national_id, patient.mobile)).headers
            return headers
    return asyncio.run(log_in())


ROLES = roles_by_route()


def fuzz_operation(operation: Any, mode: GenerationMode, base_url: str, headers: dict[str, str]) -> None:
    """Hypothesis drives schemathesis's cases for one operation; the first failing example is raised
    (shrunk), as a normal property test would."""
    @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck))
    @given(case=operation.as_strategy(generation_mode=mode))
    def run(case: Any) -> None:
        case.call_and_validate(base_url=base_url, headers=headers, checks=CHECKS)
    run()


def test_the_api_never_fails_and_answers_as_documented(fuzz_sessions: dict[str, dict[str, str]],
                                                       live_system: System) -> None:
    schema = schemathesis.openapi.from_url(f"{live_system.gateway_url}/api/openapi.json")
    failures: list[str] = []
    fuzzed, as_roles = 0, set()
    for result in schema.get_all_operations():
        operation = result.ok()
        key = (operation.method.upper(), operation.path)
        if key in SESSION_ENDING:
            continue  # ends the shared session; covered by tests/e2e/test_login_live.py and tests/security
        for role in ROLES.get(key, ("patient",)):
            as_roles.add(role)
            for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
                try:
                    fuzz_operation(operation, mode, live_system.gateway_url, fuzz_sessions[role])
                except Unsatisfiable:
                    assert mode is GenerationMode.NEGATIVE, key  # an operation without input has nothing to negate
                except (Exception, BaseExceptionGroup) as exc:  # every failing operation, then fail once with all
                    failures.append(f"{key[0]} {key[1]} as {role} ({mode.value}): {type(exc).__name__}: "
                                    f"{str(exc)[:600]}")
        fuzzed += 1
    assert fuzzed >= 45
    assert as_roles == {"patient", *STAFF_ROLES}
    assert not failures, "\n\n".join(failures)


def test_the_walk_knows_every_route() -> None:
    assert len(ROLES) >= 50
    assert auth.patient is not None
