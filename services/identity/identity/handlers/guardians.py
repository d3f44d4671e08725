"""Guardians (domain-rules.md, "Acting for a child"): reception registers and removes them; a guardian's
session acts for one of their children at a time, by the child's age on the clinic's clock."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime

from contracts.events import GuardianRegistered, GuardianRemoved
from identity.adapters.guardians import Child, Guardian, Guardians
from identity.adapters.patients import PatientRepository
from identity.domain.access import NO_MOBILE, restrictions
from identity.domain.guardianship import (
    AgeBand,
    ChildOfAge,
    GuardianDetails,
    GuardianIsChild,
    NotGuardian,
    Scope,
    age_band,
    guardian_scope,
)
from kit.db import transaction
from kit.errors import NotFound
from kit.names import first_name
from kit.runtime import ServiceRuntime


async def register_guardian(runtime: ServiceRuntime, child_id: uuid.UUID, *, national_id: str, name: str,
                            mobile: str) -> Guardian:
    """Reception's registration from the national registry's printout: the guardian (one row per person, kept up
    to date by each registration) linked to the child, and GuardianRegistered on the child's key."""
    details = GuardianDetails.of(national_id=national_id, name=name, mobile=mobile,
                                 allow_test_identities=runtime.settings.allows_test_identities)
    now = runtime.clock.now()
    async with transaction(runtime.pool) as conn:
        child = await PatientRepository(conn, allow_test_identities=True).get(child_id, for_update=True)
        if child is None:
            raise NotFound("Pasienten finnes ikke.")
        if child.national_id.value == details.national_id.value:
            raise GuardianIsChild()
        guardians = Guardians(conn)
        guardian = await guardians.upsert(national_id=details.national_id.value, name=details.name,
                                          mobile=details.mobile, at=now)
        await guardians.link(child_id=child_id, guardian_id=guardian.id, at=now)
        await runtime.outbox.add(conn, GuardianRegistered(child_id=child_id, guardian_id=guardian.id,
                                                          name=guardian.name, mobile=guardian.mobile))
    return guardian


async def remove_guardian(runtime: ServiceRuntime, child_id: uuid.UUID, guardian_id: uuid.UUID) -> None:
    """The guardian's access to the child ends at once: every session checks the link again on its next request."""
    async with transaction(runtime.pool) as conn:
        if not await Guardians(conn).unlink(child_id=child_id, guardian_id=guardian_id):
            raise NotFound("Personen er ikke registrert som foresatt for pasienten.")
        await runtime.outbox.add(conn, GuardianRemoved(child_id=child_id, guardian_id=guardian_id))


async def guardians_of(runtime: ServiceRuntime, child_id: uuid.UUID) -> list[Guardian]:
    async with runtime.pool.acquire() as conn:
        return await Guardians(conn).of_child(child_id)


@dataclass(frozen=True)
class ActingFor:
    """The child a session acts for, as the gateway needs it on every request. `refusal` is the code every
    patient route answers while it is set (the child has turned 16, or the guardian was removed)."""

    patient_id: uuid.UUID
    first_name: str
    name: str
    band: AgeBand
    scope: Scope | None
    gp_id: uuid.UUID | None
    gp_name: str | None
    restrictions: tuple[str, ...]
    refusal: str | None = None


def acting_for(child: Child, now: datetime, *, allow_test_identities: bool) -> ActingFor:
    scope = guardian_scope(child.birth_date, now)
    return ActingFor(child.id, first_name(child.name), child.name, age_band(child.birth_date, now), scope,
                     child.gp_id, child.gp_name, _child_restrictions(child, allow_test_identities),
                     None if scope else ChildOfAge.code)


def removed(child_id: uuid.UUID) -> ActingFor:
    """A session still acting for a child whose guardian was removed: every patient route refuses."""
    return ActingFor(child_id, "", "", "under_12", None, None, None, (), NotGuardian.code)


def _child_restrictions(child: Child, allow_test_identities: bool) -> tuple[str, ...]:
    """The child's own prerequisites apply to requests made for them (first contact, unsettled claims, a valid
    national ID); the mobile is the guardian's, which their login has already proved."""
    found = restrictions(national_id=child.national_id, mobile=None, first_contact_done=child.first_contact_done,
                         has_unsettled_claims=child.has_unsettled_claims, allow_test_identities=allow_test_identities)
    return tuple(code for code in found if code != NO_MOBILE)


@dataclass(frozen=True)
class ChildShown:
    patient_id: uuid.UUID
    first_name: str
    birth_date: date
    band: AgeBand
    scope: Scope | None


async def children_of(runtime: ServiceRuntime, guardian_id: uuid.UUID) -> list[ChildShown]:
    """The children a guardian may act for today (not those who have turned 16), youngest last."""
    now = runtime.clock.now()
    async with runtime.pool.acquire() as conn:
        found = await Guardians(conn).children(guardian_id)
    return [ChildShown(c.id, first_name(c.name), c.birth_date, age_band(c.birth_date, now),
                       guardian_scope(c.birth_date, now)) for c in found if guardian_scope(c.birth_date, now)]
