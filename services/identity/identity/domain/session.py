"""Sessions: a random bearer token known to the server only by its SHA-256, 30 minutes idle and
12 hours in all, ended on the server at logout."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

TOKEN_BYTES = 32  # 256 bits from the CSPRNG: far past guessing; 128 bits is the floor


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def token_digest(token: str) -> bytes:
    """A token has full entropy, so a plain SHA-256 is enough to keep a table copy from being a key ring."""
    return hashlib.sha256(token.encode()).digest()


@dataclass(frozen=True)
class Lifetimes:
    idle: timedelta
    absolute: timedelta

    def ends(self, created_at: datetime, last_seen_at: datetime) -> datetime:
        """When a session seen last at `last_seen_at` ends unless it is used again."""
        return min(created_at + self.absolute, last_seen_at + self.idle)
