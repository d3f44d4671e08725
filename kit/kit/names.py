"""People's names as the registry writes them ("Ola Petter Nordmann" or "Nordmann, Ola Petter")."""

from __future__ import annotations


def first_name(name: str) -> str:
    """The first given name: what a guardian's page and SMS call a child, never the full name."""
    given = name.split(",", 1)[1] if "," in name else name
    words = given.split()
    return words[0] if words else name
