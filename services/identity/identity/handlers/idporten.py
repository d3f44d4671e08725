"""Login with ID-porten (domain-rules.md, "Login with ID-porten"): identity's half of it.

The gateway holds the browser's side of the round trip (the state, bound to the browser, and where to go
afterwards); identity is the OpenID client: it writes the authorization request, exchanges the code (with the
client's private key), checks the ID token and, once the `pid` is one of our patients, completes the login
exactly as the SMS code does (`complete_patient_login`). A mobile app does its own round trip in the system
browser and hands the code, its PKCE verifier and its nonce to the same `login_with_idporten`.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from authlib.common.urls import add_params_to_uri

from identity.adapters.idporten import IdPorten
from identity.domain.errors import IdPortenOff
from identity.domain.idporten import IdPortenFailed, NotRegistered, TokenRules, login_from_claims
from identity.handlers.login import (
    LoginWay,
    SessionIssued,
    complete_patient_login,
    login_person,
    policy,
    record_refusal,
)
from kit.db import transaction
from kit.errors import DomainError
from kit.runtime import ServiceRuntime


@dataclass(frozen=True)
class IdPortenClient:
    """Our client at ID-porten, as configured (bootstrap.py puts it in the runtime's state)."""
    provider: IdPorten
    rules: TokenRules
    web_redirect_uri: str
    app_redirect_uris: tuple[str, ...]
    post_logout_redirect_uri: str


@dataclass(frozen=True)
class AuthorizationRequest:
    url: str
    state: str
    nonce: str
    code_verifier: str


def idporten(runtime: ServiceRuntime) -> IdPortenClient:
    client: IdPortenClient | None = runtime.state.get("idporten")
    if client is None:
        raise IdPortenOff()
    return client


async def authorization_request(runtime: ServiceRuntime) -> AuthorizationRequest:
    """A fresh authorization request for the web's callback: the URL, and the three secrets the gateway keeps
    bound to the browser until the callback (the state it compares, the nonce and verifier it hands back)."""
    client = idporten(runtime)
    state, nonce, verifier = secrets.token_urlsafe(32), secrets.token_urlsafe(32), secrets.token_urlsafe(48)
    url = await client.provider.authorization_url(redirect_uri=client.web_redirect_uri, state=state, nonce=nonce,
                                                  code_verifier=verifier)
    return AuthorizationRequest(url, state, nonce, verifier)


async def login_with_idporten(runtime: ServiceRuntime, *, code: str, code_verifier: str, nonce: str,
                              redirect_uri: str | None) -> SessionIssued:
    """Exchange the code, check the ID token, find the patient and complete the login. `redirect_uri` is the
    app's (one registered with the client); None is the web's callback. Every refusal is counted and logged
    (by its code only) as the SMS code's are."""
    try:
        return await _login_with_idporten(runtime, code=code, code_verifier=code_verifier, nonce=nonce,
                                          redirect_uri=redirect_uri)
    except DomainError as exc:
        if exc.status < 500:
            record_refusal("patient", exc.code)
        raise


async def _login_with_idporten(runtime: ServiceRuntime, *, code: str, code_verifier: str, nonce: str,
                               redirect_uri: str | None) -> SessionIssued:
    client = idporten(runtime)
    redirect = redirect_uri or client.web_redirect_uri
    if redirect not in (client.web_redirect_uri, *client.app_redirect_uris):
        raise IdPortenFailed()
    id_token = await client.provider.exchange_code(code=code, code_verifier=code_verifier, redirect_uri=redirect)
    claims, header = await client.provider.verified(id_token)
    login = login_from_claims(claims, header, rules=client.rules, nonce=nonce, now=runtime.clock.now())
    rules = policy(runtime)
    async with transaction(runtime.pool) as conn:
        person, _ = await login_person(conn, login.national_id.value)
        if person.patient_id is None and person.guardian_id is None:
            raise NotRegistered()
        return await complete_patient_login(conn, rules, runtime.clock.now(), person,
                                            LoginWay("idporten", login.acr, id_token))


async def end_session_url(runtime: ServiceRuntime, id_token_hint: str) -> str | None:
    """Where the browser goes to end its ID-porten session too (RP-initiated logout), or None if the provider
    has no such endpoint."""
    client = idporten(runtime)
    metadata = await client.provider.metadata()
    if not metadata.end_session_endpoint:
        return None
    url: str = add_params_to_uri(metadata.end_session_endpoint, [
        ("id_token_hint", id_token_hint), ("post_logout_redirect_uri", client.post_logout_redirect_uri)])
    return url
