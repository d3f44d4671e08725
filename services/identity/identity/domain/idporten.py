"""Login with ID-porten (domain-rules.md, "Login with ID-porten"): what an ID token must say before anyone is
let in on it. No I/O here: the token's signature is checked against the provider's keys first
(adapters/idporten.py); these are the rules on what the signed claims say, at the injected `now`.

OpenID Connect Core's checks of an ID token (3.1.3.7: `iss`, `aud`, `azp`, `exp`, `iat`, `nonce`) are
Authlib's, over joserfc's claims registry; ours on top: a token issued too long ago is refused, `acr` must be
one of ID-porten's two levels that we accept, and `pid` must be a national ID by the same rule as any other.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from authlib.oidc.core import CodeIDToken
from joserfc.errors import JoseError

from identity.domain.national_id import InvalidNationalId, NationalId, parse_national_id
from kit.errors import DomainError

SUBSTANTIAL = "idporten-loa-substantial"  # MinID, and BankID at the lower of its levels
HIGH = "idporten-loa-high"  # BankID, Buypass, Commfides
ACCEPTED_LEVELS = (SUBSTANTIAL, HIGH)


class IdPortenFailed(DomainError):
    """Anything wrong with the round trip or the token: state or nonce mismatch, a used or unknown code, a bad
    signature, the wrong audience or issuer, an expired token, a malformed `pid`. One code for all, on purpose:
    which check failed helps an attacker more than a patient."""
    code, status, title = "auth.idporten_failed", 401, "Innloggingen med ID-porten mislyktes. Prøv igjen."


class IdPortenLevel(DomainError):
    code, status = "auth.idporten_level", 403
    title = "Du må logge inn på sikkerhetsnivå betydelig eller høyt (for eksempel MinID eller BankID)."


class NotRegistered(DomainError):
    """A person ID-porten vouches for who is not on the clinic's list. Telling them so gives nothing away: they
    have just proved who they are (unlike a login start by SMS, where anyone may type any number)."""
    code, status = "access.not_registered", 403
    title = "Du er ikke registrert som pasient hos legekontoret. Ring oss, så hjelper vi deg."


class IdPortenUnavailable(DomainError):
    code, status, title = "idporten.unavailable", 503, "ID-porten svarer ikke akkurat nå. Prøv igjen om litt."


@dataclass(frozen=True)
class TokenRules:
    """What a valid ID token from our provider says: set once from the settings."""
    issuer: str
    client_id: str
    leeway_seconds: int  # clock skew allowed on exp, iat and nbf
    max_age_seconds: int  # an ID token issued longer ago than this is not accepted (iat)
    allow_test_identities: bool


@dataclass(frozen=True)
class IdPortenLogin:
    """Who ID-porten says logged in, and how: all the login completion needs."""
    national_id: NationalId
    acr: str
    amr: tuple[str, ...]


def login_from_claims(claims: Mapping[str, Any], header: Mapping[str, Any], *, rules: TokenRules, nonce: str,
                      now: datetime) -> IdPortenLogin:
    """The login an ID token (its signature already verified) vouches for, or the refusal. `nonce` is the one
    this login's authorization request carried."""
    if not nonce:
        raise IdPortenFailed()
    token = CodeIDToken(
        dict(claims), dict(header),
        options={"iss": {"essential": True, "value": rules.issuer},
                 "aud": {"essential": True, "value": rules.client_id},
                 "nonce": {"essential": True, "value": nonce},
                 "exp": {"essential": True}, "iat": {"essential": True}},
        params={"nonce": nonce, "client_id": rules.client_id})
    at = int(now.timestamp())
    try:
        token.validate(now=at, leeway=rules.leeway_seconds)
    except JoseError as exc:
        raise IdPortenFailed() from exc
    if claims["iat"] < at - rules.max_age_seconds - rules.leeway_seconds:
        raise IdPortenFailed()
    acr = claims.get("acr")
    if acr not in ACCEPTED_LEVELS:
        raise IdPortenLevel()
    pid = claims.get("pid")
    try:
        if not isinstance(pid, str):
            raise InvalidNationalId("pid mangler")
        national_id = parse_national_id(pid, allow_test_identities=rules.allow_test_identities)
    except InvalidNationalId as exc:
        raise IdPortenFailed() from exc
    amr = claims.get("amr")
    methods = tuple(str(m) for m in amr) if isinstance(amr, list) else (str(amr),) if amr else ()
    return IdPortenLogin(national_id, str(acr), methods)
