"""How long to wait before trying again: the one exponential backoff every retry in eportal uses (the
consumer's redeliveries, notify's deliveries, prescription's e-prescription dispatches)."""

from __future__ import annotations

import math


def exponential_backoff(first: float, retry: int, *, most: float = math.inf) -> float:
    """Seconds to wait before retry number `retry` (0: the first): `first`, then twice as long each time, never
    more than `most`, so a dependency that is down for long is still asked now and then."""
    return min(first * 2.0 ** max(0, retry), most)
