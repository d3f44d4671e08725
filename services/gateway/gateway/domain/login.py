"""Rules of the browser's side of a login through ID-porten (domain-rules.md, "Login with ID-porten"). No I/O."""

from __future__ import annotations

import hmac
from urllib.parse import urlsplit

from kit.errors import DomainError

HOME = "/"


class ReturnToRefused(DomainError):
    code, status = "validation.return_to", 422
    title = "Innloggingen kan bare sende deg videre til en side i portalen."


class IdPortenFailed(DomainError):
    """The same refusal identity gives for a bad token: which check failed is not told."""
    code, status, title = "auth.idporten_failed", 401, "Innloggingen med ID-porten mislyktes. Prøv igjen."


def local_path(return_to: str | None) -> str:
    """Where to send the browser after the login: a path on our own origin, never another site (no open
    redirect). Anything with a scheme or a host, a protocol-relative `//host`, a backslash (which browsers read
    as a slash) or a control character is refused; the path is kept as it was given."""
    if not return_to:
        return HOME
    if (not return_to.startswith("/") or return_to.startswith("//") or "\\" in return_to
            or any(ord(c) < 0x21 or ord(c) == 0x7F for c in return_to)):
        raise ReturnToRefused()
    parts = urlsplit(return_to)
    if parts.scheme or parts.netloc:
        raise ReturnToRefused()
    return return_to


def same_state(sent_back: str | None, kept: str) -> bool:
    """The state ID-porten sent back is the one this browser's login started with (constant time)."""
    if not sent_back:
        return False
    return hmac.compare_digest(sent_back.encode(), kept.encode())
