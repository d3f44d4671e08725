"""Schemathesis against the running gateway's own OpenAPI (issue 11): every operation, logged in as each role
that may use it (a patient, or every staff role the route allows), examples generated from the schema
and from its negation. No answer is a server error; every answer matches the documented content type and
response schema; input that breaks the schema is refused with a 4xx.

`EPORTAL_FUZZ_EXAMPLES` sets the examples per operation: 100 in `make chaos`'s full run, fewer in make test.
Beside the generated ones, every operation runs its explicit examples (`explicit_examples`): the bodies an
outsider broke the portal with in one afternoon (issue 14), which a generator would seldom make.
Business refusals of valid-looking input (a random id is not found, a slot is gone) are 4xx by design, so
the "positive data is accepted" check is not run; status codes a route may answer (401/403/404/409/422) are
the problem+json documented in api.md, so undocumented-status checks are not run either."""

from __future__ import annotations

import asyncio
import json
import os
import uuid
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, example, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import (
    content_type_conformance,
    negative_data_rejection,
    not_a_server_error,
    response_schema_conformance,
)
from schemathesis.config import SchemathesisConfig

from gateway import auth
from gateway.entrypoints import ROUTERS
from tests.support.portal import add_staff, log_in_patient, log_in_staff, register_patient
from tests.support.system import System

pytestmark = pytest.mark.stack

EXAMPLES = int(os.environ.get("EPORTAL_FUZZ_EXAMPLES", "10"))
STAFF_ROLES = ("doctor", "reception", "billing", "admin")
CHECKS = [not_a_server_error, content_type_conformance, response_schema_conformance, negative_data_rejection]
# Schemathesis's own list of the statuses that reject invalid data, and 413: a body made invalid by being longer
# than its schema allows may be longer than its route's body limit too, and is then refused unread.
CONFIG = SchemathesisConfig.from_dict({"checks": {"negative_data_rejection": {"expected-statuses": [
    "400", "401", "403", "404", "405", "406", "409", "413", "415", "422", "428", "429", "5xx"]}}})
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


@dataclass(frozen=True)
class Fuzzing:
    headers: dict[str, dict[str, str]]  # per role
    doctor_id: uuid.UUID
    patient_id: uuid.UUID


@pytest.fixture(scope="module")
def fuzzing(live_system: System) -> Fuzzing:
    async def log_in() -> Fuzzing:
        async with live_system.client() as http:
            headers: dict[str, dict[str, str]] = {}
            doctor = await log_in_staff(http, *await add_staff(live_system, "doctor"))
            headers["doctor"] = doctor.headers
            for role in ("reception", "billing", "admin"):
                headers[role] = (await log_in_staff(http, *await add_staff(live_system, role))).headers
            patient = await register_patient(live_system, doctor.subject_id)
            headers["patient"] = (await log_in_patient(http, patient.national_id, patient.mobile)).headers
            return Fuzzing(headers, doctor.subject_id, patient.id)
    return asyncio.run(log_in())


# The body of the report: 300,000 unknown keys (3.5 MB and more), and JSON nested deeper than any parser goes.
UNKNOWN_KEYS = json.dumps({f"k{n}": n for n in range(300_000)}).encode()
NESTED = b"[" * 30_000 + b"]" * 30_000
MULTIPART = "multipart/form-data"


def explicit_examples(known: Fuzzing) -> dict[tuple[str, str], list[dict[str, Any]]]:
    """Case arguments per operation, each run as every role the operation is fuzzed as: too big (413), too deep,
    not a file, and input that is accepted by the schema but makes no sense (a specific 4xx each)."""
    weekly = {"weekdays": [1], "day_starts": "08:00", "day_ends": "12:00", "slot_minutes": 20,
              "valid_from": (date.today() + timedelta(days=7)).isoformat()}
    patient = {"patient_id": str(known.patient_id)}
    roster = ("fodselsnummer;navn;fodselsdato;fastlege\n"
              f"01017010170;{'Lang ' * 50};01.01.1970;{known.doctor_id}\n").encode()
    return {
        ("POST", "/api/v1/auth/login"): [{"body": UNKNOWN_KEYS}, {"body": NESTED},
                                         {"body": b'{"national_id": ' + NESTED + b"}"}],
        ("POST", "/api/v1/staff/auth/login"): [{"body": UNKNOWN_KEYS}, {"body": NESTED}],
        ("POST", "/api/v1/staff/patients/import"): [
            {"body": {"file": roster}, "media_type": MULTIPART},
            {"body": {"file": b"false"}, "media_type": MULTIPART},
            {"body": {"file": b"x" * (5 * 1024 * 1024 + 1)}, "media_type": MULTIPART}],
        ("POST", "/api/v1/staff/payments/ocr"): [
            {"body": {"file": b"false"}, "media_type": MULTIPART},
            {"body": {"file": b"x" * (10 * 1024 * 1024 + 1)}, "media_type": MULTIPART}],
        ("POST", "/api/v1/staff/patients"): [
            {"body": {"national_id": "01017010170", "name": "Gammel", "birth_date": "0001-01-01",
                      "gp_id": str(known.doctor_id)}}],
        ("PATCH", "/api/v1/staff/patients/{patient_id}"): [
            {"path_parameters": patient, "body": {"email": "kari@example.no\r\nBcc: alle@example.no"}},
            {"path_parameters": patient, "body": {"name": "Kari\x07Nordmann"}}],
        ("PUT", "/api/v1/staff/patients/{patient_id}/frikort"): [
            {"path_parameters": {"patient_id": str(uuid.uuid4())}, "body": {"year": 2026, "card_number": "12345678"}}],
        ("POST", "/api/v1/staff/payments"): [
            {"body": {"kid": "0000000018", "amount_ore": 100, "paid_on": paid_on}}
            for paid_on in ("0001-01-01", "9999-12-31")],
        ("POST", "/api/v1/staff/slots"): [
            {"body": {"doctor_id": str(uuid.uuid4()), "weekly": weekly}},
            {"body": {"doctor_id": str(known.doctor_id), "weekly": {**weekly, "day_starts": "08:00+05:00"}}}],
    }


ROLES = roles_by_route()


def fuzz_operation(operation: Any, mode: GenerationMode, base_url: str, headers: dict[str, str],
                   explicit: list[dict[str, Any]]) -> None:
    """Hypothesis drives schemathesis's cases for one operation, after the explicit ones; the first failing
    example is raised (shrunk), as a normal property test would."""
    @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck))
    @given(case=operation.as_strategy(generation_mode=mode))
    def run(case: Any) -> None:
        case.call_and_validate(base_url=base_url, headers=headers, checks=CHECKS)
    for arguments in explicit:
        run = example(case=operation.Case(**arguments))(run)
    run()


def test_the_api_never_fails_and_answers_as_documented(fuzzing: Fuzzing, live_system: System) -> None:
    schema = schemathesis.openapi.from_url(f"{live_system.gateway_url}/api/openapi.json", config=CONFIG)
    explicit = explicit_examples(fuzzing)
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
                    fuzz_operation(operation, mode, live_system.gateway_url, fuzzing.headers[role],
                                   explicit.get(key, []) if mode is GenerationMode.POSITIVE else [])
                except Unsatisfiable:
                    assert mode is GenerationMode.NEGATIVE, key  # an operation without input has nothing to negate
                except (Exception, BaseExceptionGroup) as exc:  # every failing operation, then fail once with all
                    failures.append(f"{key[0]} {key[1]} as {role} ({mode.value}): {type(exc).__name__}: "
                                    f"{str(exc)[:600]}")
        fuzzed += 1
    assert fuzzed >= 45
    assert as_roles == {"patient", *STAFF_ROLES}
    assert set(explicit) <= {(o.ok().method.upper(), o.ok().path) for o in schema.get_all_operations()}
    assert not failures, "\n\n".join(failures)


def test_the_walk_knows_every_route() -> None:
    assert len(ROLES) >= 50
    assert auth.patient is not None
