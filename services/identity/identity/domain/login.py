"""Login by a one-time code sent by SMS: the code, its challenge, and the rules that end one.

Codes are stored as HMAC-SHA256 under a server secret, with the challenge id in the MAC: a code only
ever verifies its own challenge. Why HMAC and not argon2: a 6-digit code has a million values, so a slow
hash of it read from a stolen table falls to brute force in hours all the same; what protects it is a
key the table does not hold. The HMAC is also cheap, and login is on the hot path.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime

from kit.errors import DomainError

CODE_DIGITS = 6


class InvalidNationalIdForLogin(DomainError):
    code, status, title = "auth.invalid_national_id", 422, "Fødselsnummeret er ikke gyldig."


class LoginRateLimited(DomainError):
    code, status, title = "auth.rate_limited", 429, "For mange forsøk. Vent litt og prøv igjen."


class InvalidCode(DomainError):
    code, status, title = "auth.invalid_code", 401, "Koden stemmer ikke."


class CodeExpired(DomainError):
    code, status, title = "auth.code_expired", 401, "Koden er utløpt eller allerede brukt. Be om en ny kode."


class TooManyAttempts(DomainError):
    code, status, title = "auth.too_many_attempts", 429, "For mange feil forsøk. Be om en ny kode."


class Secret:
    """The server's key for every HMAC identity stores instead of the value itself."""

    def __init__(self, key: str) -> None:
        self._key = key.encode()

    def digest(self, purpose: str, value: str) -> bytes:
        return hmac.new(self._key, f"{purpose}\x00{value}".encode(), hashlib.sha256).digest()

    def code_digest(self, challenge_id: uuid.UUID, code: str) -> bytes:
        return self.digest("code", f"{challenge_id}:{code}")


def new_code() -> str:
    """Six digits from the operating system's CSPRNG, leading zeros kept."""
    return f"{secrets.randbelow(10 ** CODE_DIGITS):0{CODE_DIGITS}d}"


@dataclass(frozen=True)
class Challenge:
    id: uuid.UUID
    patient_id: uuid.UUID | None
    guardian_id: uuid.UUID | None
    code_digest: bytes
    expires_at: datetime
    attempts: int
    used_at: datetime | None

    def check(self, secret: Secret, code: str, now: datetime, max_attempts: int) -> bool:
        """True when `code` is right and may still be used. Raises when the challenge is over; a wrong code
        returns False and counts as a try (the caller stores it). The comparison always runs, in constant
        time, so a dead challenge and a live one take the same time to refuse."""
        right = hmac.compare_digest(secret.code_digest(self.id, code), self.code_digest)
        if self.attempts >= max_attempts:
            raise TooManyAttempts()  # the sixth try is refused even when it is right
        if self.used_at is not None or now >= self.expires_at:
            raise CodeExpired()
        # A challenge for an unknown ID, or one without a mobile, had no code sent: nothing verifies it.
        return right and (self.patient_id is not None or self.guardian_id is not None)
