"""What every route of the gateway reaches for, once: the gateway's long-lived objects (typed, on app.state),
the services' client, the audit, and the strict base of every request body.

    services(request).call("booking", ...)                   # a service's internal API
    await audit(request, principal, patient_id=..., object_type="appointment", object_id=..., action="read")
    await audited(request, principal, patient_id, "appointment", object_id, "cancel", call)  # refused or not
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from fastapi import Request
from pydantic import BaseModel, ConfigDict

from gateway.adapters.audit_log import AuditEntry, AuditLog
from gateway.adapters.econsult_availability import EConsultAvailability
from gateway.adapters.services import Services
from gateway.adapters.session_cache import SessionCache
from gateway.domain.errors import AuditUnavailable
from gateway.domain.principal import Principal
from gateway.settings import GatewaySettings
from kit.errors import DomainError
from kit.logging import current_correlation_id
from kit.runtime import ServiceRuntime


@dataclass
class Gateway:
    """The gateway's own long-lived objects, made by bootstrap.build and kept as app.state.gateway. Tests put
    fakes in their place (a fake Services, a recording audit log)."""
    runtime: ServiceRuntime
    settings: GatewaySettings
    services: Services
    session_cache: SessionCache
    audit_log: AuditLog
    econsult_availability: EConsultAvailability


def gateway(request: Request) -> Gateway:
    found: Gateway = request.app.state.gateway
    return found


def services(request: Request) -> Services:
    """The one client to the services' internal APIs."""
    return gateway(request).services


def settings(request: Request) -> GatewaySettings:
    return gateway(request).settings


def session_cache(request: Request) -> SessionCache:
    return gateway(request).session_cache


class Strict(BaseModel):
    """Every request body: an unknown field is refused (422), never silently dropped."""
    model_config = ConfigDict(extra="forbid")


async def audit(request: Request, principal: Principal, *, patient_id: uuid.UUID, object_type: str,
                object_id: str | None, action: str, outcome: str = "success") -> None:
    """Record a read or change of a patient's health data in the append-only audit log.

    Fails closed: if the record cannot be written, the request fails (503) rather than show or change
    health data nobody could later account for."""
    await _record(request, principal, patient_id=patient_id, object_type=object_type, object_id=object_id,
                  action=action, outcome=outcome)


async def audited(request: Request, principal: Principal, patient_id: uuid.UUID, object_type: str,
                  object_id: str | None, action: str, call: Callable[[], Awaitable[Any]]) -> Any:
    """Run `call` and record it, refused or not: a refused attempt on health data is worth knowing too. An
    object made by the call (an answer with an `id`) is recorded by its id."""
    try:
        result = await call()
    except DomainError as exc:
        await audit(request, principal, patient_id=patient_id, object_type=object_type, object_id=object_id,
                    action=action, outcome=f"refused:{exc.code}")
        raise
    if object_id is None and isinstance(result, dict) and "id" in result:
        object_id = str(result["id"])
    await audit(request, principal, patient_id=patient_id, object_type=object_type, object_id=object_id,
                action=action)
    return result


async def record_route_refusal(request: Request, principal: Principal, outcome: str,
                               request_id: str | None = None) -> None:
    """A refused attempt on a route, with the patient the path names (if it names one). Refused all the same
    if the record fails: a refusal shows nothing, and the failure is logged."""
    named = request.path_params.get("patient_id")
    try:
        patient_id = uuid.UUID(str(named)) if named is not None else None
    except ValueError:
        patient_id = None
    if patient_id is None and principal.acting_for is not None:  # a guardian refused on a child's behalf
        patient_id = principal.acting_for.patient_id
    route = request.scope.get("route")
    with contextlib.suppress(AuditUnavailable):
        await _record(request, principal, patient_id=patient_id, object_type="route",
                      object_id=getattr(route, "path", request.url.path), action=request.method, outcome=outcome,
                      request_id=request_id)


async def audit_refusal(request: Request, status: int, request_id: str) -> None:
    """A logged-in caller refused (403, 404) by a route that recorded nothing itself: recorded here, so every
    refused attempt is in the audit log once (called by the gateway's middleware after the response)."""
    principal: Principal | None = getattr(request.state, "principal", None)
    if principal is None or getattr(request.state, "audited", False):
        return
    await record_route_refusal(request, principal, f"refused:{status}", request_id)


async def _record(request: Request, principal: Principal, *, patient_id: uuid.UUID | None, object_type: str,
                  object_id: str | None, action: str, outcome: str, request_id: str | None = None) -> None:
    request.state.audited = True
    found = gateway(request)
    # A guardian acting for a child is recorded as the guardian (their own id and name) on the child's record:
    # both people, and the child's access log says a guardian did it.
    acting = principal.acting_for is not None
    await found.audit_log.record(AuditEntry(
        at=found.runtime.clock.now(), actor_kind="guardian" if acting else principal.kind,
        actor_id=principal.subject_id, actor_role="guardian" if acting else principal.role,
        actor_name=principal.name, patient_id=patient_id, object_type=object_type,
        object_id=object_id, action=action, outcome=outcome, request_id=request_id or current_correlation_id()))
