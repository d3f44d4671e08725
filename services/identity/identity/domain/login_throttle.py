"""How long a staff login must wait after wrong passwords: throttling that slows a guesser and cannot be turned
into a lockout of the account's owner (OWASP ASVS 5, V6.3; see the identity section of docs/reliability.md).

A lock per username (five wrong passwords from anywhere, then 15 minutes for everyone) let anybody lock any doctor
out with five requests: usernames are guessable. So the waits fall on the addresses that guess, never on the
account as such:

- one username from one address (a guesser, or the owner's own typing): a few free tries, then a wait that
  doubles with every further wrong password, up to a longest wait; a right password there starts it over;
- one address across usernames (a sprayer): more free tries, then the same growing wait;
- a username under attack (many wrong passwords from addresses it has never logged in from): a new address gets
  no free tries on it, only the growing wait from its first wrong password.

An address the owner has logged in from before is "known" for that username: the address and the attack rules do
not apply there, so the owner from the office or from home is never held up by someone else's guessing. From any
other address that has not itself guessed wrong, the right password is checked and logs in.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from kit.errors import DomainError

LONGEST_DOUBLING = 30  # 2**30 first waits: far past any longest wait, and an int that stays small


@dataclass(frozen=True)
class ThrottleRules:
    free_per_username_and_address: int
    free_per_address: int
    attack_per_username: int  # wrong passwords from unknown addresses that make a username "under attack"
    first_wait: timedelta
    longest_wait: timedelta


@dataclass(frozen=True)
class Failures:
    """Wrong passwords of one kind in the window: how many, and when the last was."""
    count: int
    last: datetime | None

    def wait(self, free: int, rules: ThrottleRules, now: datetime) -> timedelta:
        if self.count < free or self.last is None:
            return timedelta(0)
        doublings = min(self.count - free, LONGEST_DOUBLING)
        return max(timedelta(0), self.last + min(rules.first_wait * (1 << doublings), rules.longest_wait) - now)


@dataclass(frozen=True)
class LoginHistory:
    """What the throttle looks at for one attempt: a username from an address."""
    pair: Failures  # this username from this address, since its last right password there
    address: Failures  # this address, any username
    from_unknown_addresses: int  # this username, from addresses it has never logged in from
    known_address: bool  # the username has logged in from this address before


class StaffLoginThrottled(DomainError):
    code, status, title = "auth.rate_limited", 429, "For mange forsøk. Vent litt og prøv igjen."


def wait_before_trying(history: LoginHistory, rules: ThrottleRules, now: datetime) -> timedelta:
    """How long this attempt must wait before its password is checked; zero when it may be checked now."""
    free = rules.free_per_username_and_address
    if not history.known_address and history.from_unknown_addresses >= rules.attack_per_username:
        free = 0
    waits = [history.pair.wait(free, rules, now)]
    if not history.known_address:
        waits.append(history.address.wait(rules.free_per_address, rules, now))
    return max(waits)


def ensure_may_try(history: LoginHistory, rules: ThrottleRules, now: datetime) -> None:
    """Refuse (429 with the seconds to wait) an attempt that must wait."""
    wait = wait_before_trying(history, rules, now)
    if wait > timedelta(0):
        raise StaffLoginThrottled(retry_after=max(1, math.ceil(wait.total_seconds())))
