"""The authorisation walk (issue 3): every public route of the gateway, called by every role that may not
use it and, where it names an object, by a patient or doctor to whom that object does not belong. Every
such request is refused, and every refusal is in the audit log, found by its request id.

The routes are read from the gateway's own routers, so a route added later is walked too; its roles come
from the dependency it declares (`patient`, `staff(...)`)."""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any

import asyncpg
import httpx
import pytest

from gateway import auth
from gateway.entrypoints import ROUTERS
from kit.clock import OSLO
from kit.working_days import WorkingDays
from tests.support.eventually import eventually
from tests.support.portal import (
    Session,
    add_staff,
    log_in_patient,
    log_in_staff,
    register_guardian,
    register_patient,
)
from tests.support.system import System

pytestmark = pytest.mark.stack

STAFF_ROLES = ("doctor", "reception", "billing", "admin")


@dataclass(frozen=True)
class Route:
    method: str
    path: str
    roles: tuple[str, ...]  # who may call it


def public_routes() -> list[Route]:
    found = []
    for router in ROUTERS:
        for route in router.routes:
            path = getattr(route, "path", "")
            if not path.startswith("/api/v1/"):
                continue
            roles: tuple[str, ...] | None = None
            for dependency in route.dependant.dependencies:  # type: ignore[attr-defined]
                if dependency.call in (auth.patient, auth.patient_appointments, auth.person):
                    roles = ("patient",)
                elif hasattr(dependency.call, "roles"):
                    roles = dependency.call.roles or STAFF_ROLES
            if roles is not None:
                found.extend(Route(m, path, roles) for m in route.methods)  # type: ignore[attr-defined]
    return found


async def answered(call: Callable[[], Awaitable[httpx.Response]], ok: int) -> httpx.Response:
    """Retry while another service has not yet heard of the patient (its directory fills from events)."""
    last: list[httpx.Response] = []

    async def probe() -> httpx.Response | None:
        last[:] = [await call()]
        return last[0] if last[0].status_code == ok else None
    try:
        return await eventually(probe, f"the answer {ok}")
    except AssertionError:
        answer = last[0]
        raise AssertionError(f"{answer.request.method} {answer.request.url.path}: {answer.status_code} "
                             f"{answer.text}") from None


def next_working_morning() -> datetime:
    day = datetime.now(OSLO).date() + timedelta(days=3)
    while not WorkingDays().is_working_day(day):
        day += timedelta(days=1)
    return datetime.combine(day, time(9, secrets.randbelow(50)), tzinfo=OSLO)


@dataclass
class World:
    """Patient A's objects (A is on doctor D1's list), and the people they do not belong to."""
    sessions: dict[str, Session]
    objects: dict[str, str]


async def build_world(system: System, http: httpx.AsyncClient) -> World:
    sessions: dict[str, Session] = {}
    for role in ("d1", "d2"):
        sessions[role] = await log_in_staff(http, *await add_staff(system, "doctor", name=f"Dr. {role}"))
    for role in ("reception", "billing", "admin"):
        sessions[role] = await log_in_staff(http, *await add_staff(system, role))
    a = await register_patient(system, sessions["d1"].subject_id, name="Pasient A")
    b = await register_patient(system, sessions["d2"].subject_id, name="Pasient B")
    sessions["a"] = await log_in_patient(http, a.national_id, a.mobile)
    sessions["b"] = await log_in_patient(http, b.national_id, b.mobile)
    d1, pa = sessions["d1"].headers, sessions["a"].headers

    slot = await answered(lambda: http.post("/api/v1/staff/slots", headers=d1, json={
        "start": next_working_morning().isoformat(), "minutes": 20}), 201)
    booked = await answered(lambda: http.post("/api/v1/appointments", headers=pa,
                                                json={"slot_id": slot.json()["id"]}), 201)
    medicine = await answered(lambda: http.post(f"/api/v1/staff/patients/{a.id}/medications", headers=d1, json={
        "name": "Metformin", "strength": "500 mg", "atc_code": "A10BA02", "reseptgruppe": "C", "fixed": True,
        "prescribed_by": "here"}), 201)
    renewal = await answered(lambda: http.post("/api/v1/renewals", headers=pa,
                                                 json={"medication_ids": [medicine.json()["id"]]}), 201)
    await answered(lambda: http.put("/api/v1/staff/econsult-availability", headers=d1, json={"open": True}), 200)
    asked = await answered(lambda: http.post("/api/v1/econsultations", headers=pa, json={
        "text": "Kan jeg ta paracet sammen med ibux?", "accepted_terms": True}), 201)
    await answered(lambda: http.post(f"/api/v1/staff/econsultations/{asked.json()['id']}/answer", headers=d1,
                                       json={"text": "Ja, det går fint."}), 200)

    async def invoiced() -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = (await answered(lambda: http.get("/api/v1/invoices", headers=pa), 200)).json()[
            "items"]
        return items
    items = await eventually(invoiced, "the invoice for the answered eConsultation")
    objects = {"patient_id": str(a.id), "slot_id": slot.json()["id"], "appointment_id": booked.json()["id"],
               "medication_id": medicine.json()["id"],
               "renewal_id": renewal.json()["id"], "econsult_id": asked.json()["id"], "invoice_id": items[0]["id"],
               "payment_id": str(uuid.uuid4()),  # a payment only the billing office may place: refused before lookup
               "guardian_id": str(uuid.uuid4()),  # reception's alone: refused to every other role before lookup
               "day": "2031-12-24"}  # a closed day to reopen: refused to every role but reception before any effect
    return World(sessions, objects)


def url(route: Route, objects: dict[str, str]) -> str:
    path = route.path
    for name, value in objects.items():
        path = path.replace("{" + name + "}", value)
    assert "{" not in path, f"the walk has no object for {route.path}"
    return path


def valid_body(route: Route, objects: dict[str, str]) -> dict[str, Any] | None:
    """A body the route would accept from its owner: the refusal must come from ownership, not from a 422."""
    bodies: dict[str, dict[str, Any]] = {
        "/api/v1/staff/econsultations/{econsult_id}/answer": {"text": "Svar fra en annen lege."},
        "/api/v1/staff/econsultations/{econsult_id}/decline": {"reason": "Bestill time."},
        "/api/v1/staff/renewals/{renewal_id}/decision": {
            "items": [{"medication_id": objects["medication_id"], "approve": True}]},
        "/api/v1/staff/patients/{patient_id}/medications": {
            "name": "Levaxin", "strength": "50 mikrog", "atc_code": "H03AA01", "reseptgruppe": "C", "fixed": True,
            "prescribed_by": "here"},
        "/api/v1/staff/patients/{patient_id}/medications/{medication_id}": {"strength": "1000 mg"},
        "/api/v1/staff/slots/{slot_id}": {"online": False},
        "/api/v1/staff/payments/{payment_id}/settle": {"invoice_id": objects["invoice_id"]},
        "/api/v1/me/language": {"language": "nn"},
    }
    return bodies.get(route.path, {}) if route.method in ("POST", "PUT", "PATCH") else None


async def refused_and_audited(http: httpx.AsyncClient, system: System, route: Route, path: str,
                              session: Session | None, expected: set[int],
                              body: dict[str, Any] | None = None) -> tuple[str, str] | None:
    """Call; return why it is wrong (None when refused as expected)."""
    request_id = f"walk-{secrets.token_hex(8)}"
    headers = {"X-Request-ID": request_id, **(session.headers if session else {})}
    if body is None and route.method in ("POST", "PUT", "PATCH"):
        body = {}
    answer = await http.request(route.method, path, headers=headers, json=body)
    if answer.status_code not in expected:
        return f"{route.method} {route.path}", f"answered {answer.status_code}: {answer.text[:200]}"
    if session is None:
        return None
    conn = await asyncpg.connect(system.dsns["gateway"])
    try:
        outcome = await conn.fetchval("SELECT outcome FROM audit_log WHERE request_id = $1 AND actor_id = $2",
                                      request_id, session.subject_id)
    finally:
        await conn.close()
    if outcome is None or not outcome.startswith("refused"):
        return f"{route.method} {route.path}", f"refused ({answer.status_code}) but not audited as refused: {outcome}"
    return None


async def test_every_route_refuses_every_role_it_is_not_for(live_system: System) -> None:
    routes = public_routes()
    assert len(routes) >= 45  # the walk sees the whole API (a broken inspection would walk nothing)
    async with live_system.client() as http:
        world = await build_world(live_system, http)
        callers: dict[str, Session | None] = {"anonymous": None, "patient": world.sessions["b"],
                                              "doctor": world.sessions["d2"], "reception": world.sessions["reception"],
                                              "billing": world.sessions["billing"], "admin": world.sessions["admin"]}
        wrong: list[tuple[str, str]] = []
        for route in routes:
            for role, session in callers.items():
                if role in route.roles:
                    continue
                expected = {401} if session is None else {403}
                problem = await refused_and_audited(http, live_system, route, url(route, world.objects), session,
                                                    expected)
                if problem:
                    wrong.append((f"{problem[0]} as {role}", problem[1]))
    assert not wrong, "\n".join(f"{r}: {why}" for r, why in wrong)


async def test_nobody_reaches_another_patients_objects(live_system: System) -> None:
    """Patient B on A's objects, doctor D2 on the objects of A (on D1's list): refused, and audited."""
    routes = [r for r in public_routes() if ("{" in r.path and r.roles in (("patient",),)) or (
        "{" in r.path and "doctor" in r.roles)]
    async with live_system.client() as http:
        world = await build_world(live_system, http)
        wrong: list[tuple[str, str]] = []
        for route in routes:
            outsider = world.sessions["b"] if route.roles == ("patient",) else world.sessions["d2"]
            problem = await refused_and_audited(http, live_system, route, url(route, world.objects), outsider,
                                                {403, 404}, valid_body(route, world.objects))
            if problem:
                wrong.append(problem)
        # ...while the owners themselves get through (the walk is not refusing everything).
        mine: dict[str, Any] = {
            "a": await http.get(f"/api/v1/econsultations/{world.objects['econsult_id']}",
                                headers=world.sessions["a"].headers),
            "d1": await http.get(f"/api/v1/staff/renewals/{world.objects['renewal_id']}",
                                 headers=world.sessions["d1"].headers),
        }
    assert not wrong, "\n".join(f"{r}: {why}" for r, why in wrong)
    assert {k: v.status_code for k, v in mine.items()} == {"a": 200, "d1": 200}


async def test_guardians_act_for_no_child_that_is_not_theirs(live_system: System) -> None:
    """Issue 19: a guardian (not our patient) of a 7-year-old, and a patient who is nobody's guardian, try to act
    for children that are not theirs: every switch is refused with proxy.not_guardian and audited on that child's
    record; acting for their own child, the guardian still reaches none of patient A's objects; and not acting
    for anyone, a guardian who is not our patient reaches no patient route at all."""
    today = datetime.now(OSLO).date()
    async with live_system.client() as http:
        world = await build_world(live_system, http)
        reception = world.sessions["reception"]
        gp = world.sessions["d1"].subject_id
        own = await register_patient(live_system, gp, born=today.replace(year=today.year - 7), name="Eget Barn")
        other = await register_patient(live_system, gp, born=today.replace(year=today.year - 8), name="Annet Barn")
        guardian = await register_guardian(http, reception, own.id)
        g = await log_in_patient(http, guardian.national_id, guardian.mobile)
        wrong: list[tuple[str, str]] = []

        async def refused_switch(session: Session, child: str) -> None:
            request_id = f"walk-{secrets.token_hex(8)}"
            answer = await http.put("/api/v1/me/acting-for", json={"patient_id": child},
                                    headers={"X-Request-ID": request_id, **session.headers})
            if (answer.status_code, answer.json().get("code")) != (403, "proxy.not_guardian"):
                wrong.append((f"act for {child}", f"answered {answer.status_code}: {answer.text[:200]}"))
                return
            conn = await asyncpg.connect(live_system.dsns["gateway"])
            try:
                row = await conn.fetchrow("SELECT patient_id, outcome FROM audit_log WHERE request_id = $1",
                                          request_id)
            finally:
                await conn.close()
            if row is None or str(row["patient_id"]) != child or row["outcome"] != "refused:proxy.not_guardian":
                wrong.append((f"act for {child}", f"not audited on the child's record: {row}"))

        for child in (str(other.id), world.objects["patient_id"], str(uuid.uuid4())):
            await refused_switch(g, child)
        await refused_switch(world.sessions["b"], str(own.id))  # a patient who is nobody's guardian

        patient_routes = [r for r in public_routes() if r.roles == ("patient",) and "acting-for" not in r.path]
        for route in patient_routes:  # not acting for anyone: no patient route for a guardian who is no patient
            if route.path in ("/api/v1/me",):
                continue
            problem = await refused_and_audited(http, live_system, route, url(route, world.objects), g, {403},
                                                valid_body(route, world.objects))
            if problem:
                wrong.append(problem)

        switched = await http.put("/api/v1/me/acting-for", json={"patient_id": str(own.id)}, headers=g.headers)
        assert switched.status_code == 200, switched.text
        for route in [r for r in patient_routes if "{" in r.path]:  # A's objects, as the parent of another child
            problem = await refused_and_audited(http, live_system, route, url(route, world.objects), g, {403, 404},
                                                valid_body(route, world.objects))
            if problem:
                wrong.append(problem)
    assert not wrong, "\n".join(f"{r}: {why}" for r, why in wrong)
