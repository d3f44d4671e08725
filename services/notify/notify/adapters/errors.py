"""How a channel says a message did not go: worth another try, or never (a bad number, a refused address)."""

from __future__ import annotations


class DeliveryFailed(Exception):
    """The provider did not accept the message. `reason` is short and never holds the message text."""

    def __init__(self, reason: str, *, permanent: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.permanent = permanent


class GiroUnavailable(Exception):
    """billing could not give the giro PDF now (down, busy): the e-mail waits, it never goes without it."""
