"""The clinic's staff: doctors (each with a patient list), reception, the billing office and admin.
Passwords are hashed with argon2id."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Literal

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from kit.errors import DomainError

StaffRole = Literal["doctor", "reception", "billing", "admin"]
ROLES: tuple[StaffRole, ...] = ("doctor", "reception", "billing", "admin")
MIN_PASSWORD = 12


class InvalidCredentials(DomainError):
    code, status, title = "auth.invalid_credentials", 401, "Feil brukernavn eller passord."


@dataclass(frozen=True)
class StaffMember:
    id: uuid.UUID
    username: str
    name: str
    role: StaffRole
    password_hash: str
    active: bool = True


class Passwords:
    """argon2id hashing; verifying an unknown user's password costs the same as a known one's."""

    def __init__(self, hasher: PasswordHasher | None = None) -> None:
        self._hasher = hasher or PasswordHasher()
        self._decoy = self._hasher.hash("no such user: the same work as a real check")

    def hash(self, password: str) -> str:
        return self._hasher.hash(password)

    def verify(self, password_hash: str | None, password: str) -> bool:
        try:
            return self._hasher.verify(password_hash or self._decoy, password) and password_hash is not None
        except (VerificationError, InvalidHashError):
            return False
