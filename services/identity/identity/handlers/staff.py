"""The clinic's staff accounts: made by an administrator (or the demo), each doctor with a patient list."""

from __future__ import annotations

import re
import uuid

from identity.adapters.staff import StaffRepository
from identity.domain.errors import InvalidStaff, WeakPassword
from identity.domain.staff import MIN_PASSWORD, ROLES, StaffMember, StaffRole
from identity.handlers.login import policy
from kit.db import transaction
from kit.runtime import ServiceRuntime

USERNAME = re.compile(r"^[a-z0-9._-]{2,64}$")


async def add_staff(runtime: ServiceRuntime, *, username: str, name: str, role: StaffRole, password: str,
                    staff_id: uuid.UUID | None = None) -> StaffMember:
    if role not in ROLES:
        raise InvalidStaff(code="validation.role")
    if len(password) < MIN_PASSWORD:
        raise WeakPassword()
    username = username.strip().lower()
    if not USERNAME.match(username):
        raise InvalidStaff("Brukernavnet kan ha 2 til 64 tegn: a-z, 0-9, punktum, bindestrek.",
                           code="validation.username")
    if not name.strip():
        raise InvalidStaff("Navn mangler.", code="validation.name")
    password_hash = await policy(runtime).hashing.hash(password)
    member = StaffMember(staff_id or uuid.uuid4(), username, name.strip(), role, password_hash)
    async with transaction(runtime.pool) as conn:
        await StaffRepository(conn).add(member)
    return member


async def doctors(runtime: ServiceRuntime) -> list[StaffMember]:
    async with runtime.pool.acquire() as conn:
        return await StaffRepository(conn).doctors()
