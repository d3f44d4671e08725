"""ID-porten, the OpenID provider, as identity talks to it: its metadata, its signing keys, its token endpoint.

Libraries do the protocol: Authlib writes the authorization request (PKCE S256), the token request and its
`private_key_jwt` client assertion; joserfc checks the ID token's signature against the provider's JWKS.
Nothing here writes or parses JOSE by hand. The HTTP is httpx's (Authlib's own httpx integration is on its
way to another package).

- The metadata (`/.well-known/openid-configuration`) is read on first use and kept for an hour; its `issuer`
  must be the configured one, character for character (OpenID Connect Discovery 4.3).
- The JWKS is kept until a token names a key (`kid`) it does not hold: then it is read again (ID-porten rolls
  its keys), at most once every `jwks_min_refresh_seconds`, so tokens with made-up key ids cannot make us
  hammer the provider. A key still unknown after that is a refused login.
- An unreachable provider is a 503 (`idporten.unavailable`); a provider that refuses the code (used, unknown,
  PKCE mismatch) is a refused login (`auth.idporten_failed`). No token, code or national ID is logged here.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from typing import Any

import httpx
from authlib.common.urls import url_decode
from authlib.oauth2.rfc6749.parameters import prepare_grant_uri, prepare_token_request
from authlib.oauth2.rfc7523.assertion import private_key_jwt_sign
from authlib.oauth2.rfc7636 import create_s256_code_challenge
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import ECKey, KeySet, RSAKey
from joserfc.jws import extract_compact

from identity.domain.idporten import IdPortenFailed, IdPortenUnavailable
from kit.logging import get_logger

log = get_logger(__name__)

# ID-porten signs with RS256 only; anything else in a token's header is refused.
ALGORITHMS = ["RS256"]
# ID-porten accepts client assertions that live at most 120 seconds.
ASSERTION_SECONDS = 60
JWT_BEARER = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"


@dataclass(frozen=True)
class ProviderConfig:
    issuer: str
    client_id: str
    client_key: RSAKey | ECKey  # the private key of private_key_jwt, with its kid
    scope: str
    acr_values: str
    ui_locales: str
    timeout_seconds: float
    metadata_seconds: float = 3600
    jwks_min_refresh_seconds: float = 30


@dataclass(frozen=True)
class Metadata:
    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    jwks_uri: str
    end_session_endpoint: str | None


def client_assertion(config: ProviderConfig) -> str:
    """private_key_jwt as ID-porten takes it: iss = sub = our client id, the audience is the issuer, the key's
    `kid` in the header, a short life and a fresh `jti` (Authlib makes one when the claims have none)."""
    key = config.client_key
    signed: str = private_key_jwt_sign(key, client_id=config.client_id, token_endpoint=config.issuer,
                                       alg="RS256" if isinstance(key, RSAKey) else "ES256", claims={},
                                       header={"kid": key.kid}, expires_in=ASSERTION_SECONDS)
    return signed


class IdPorten:
    def __init__(self, config: ProviderConfig, transport: httpx.AsyncBaseTransport | None = None) -> None:
        self.config = config
        self._transport = transport  # tests put a provider of their own here
        self._http: httpx.AsyncClient | None = None
        self._metadata: tuple[Metadata, float] | None = None
        self._keys: KeySet | None = None
        self._keys_read_at = float("-inf")
        self._lock = asyncio.Lock()

    def _client(self) -> httpx.AsyncClient:
        if self._http is None:
            self._http = httpx.AsyncClient(transport=self._transport, timeout=self.config.timeout_seconds)
        return self._http

    async def close(self) -> None:
        if self._http is not None:
            await self._http.aclose()

    async def _get_json(self, url: str) -> dict[str, Any]:
        try:
            response = await self._client().get(url, headers={"Accept": "application/json"})
        except httpx.HTTPError as exc:
            log.warning("idporten_unreachable", what="metadata or keys", error=type(exc).__name__)
            raise IdPortenUnavailable() from exc
        if response.status_code != 200:
            log.warning("idporten_unexpected_answer", status=response.status_code)
            raise IdPortenUnavailable()
        try:
            found = response.json()
        except ValueError as exc:
            raise IdPortenUnavailable() from exc
        if not isinstance(found, dict):
            raise IdPortenUnavailable()
        return found

    async def metadata(self) -> Metadata:
        kept = self._metadata
        if kept is not None and time.monotonic() - kept[1] < self.config.metadata_seconds:
            return kept[0]
        found = await self._get_json(f"{self.config.issuer.rstrip('/')}/.well-known/openid-configuration")
        if found.get("issuer") != self.config.issuer:
            log.error("idporten_issuer_mismatch")  # configuration, not an attack: someone must look
            raise IdPortenUnavailable()
        try:
            metadata = Metadata(issuer=found["issuer"], authorization_endpoint=found["authorization_endpoint"],
                                token_endpoint=found["token_endpoint"], jwks_uri=found["jwks_uri"],
                                end_session_endpoint=found.get("end_session_endpoint"))
        except KeyError as exc:
            raise IdPortenUnavailable() from exc
        self._metadata = (metadata, time.monotonic())
        return metadata

    async def authorization_url(self, *, redirect_uri: str, state: str, nonce: str, code_verifier: str) -> str:
        """Where the browser goes to log in: response_type=code, PKCE S256, state, nonce and the levels we take."""
        metadata = await self.metadata()
        url: str = prepare_grant_uri(
            metadata.authorization_endpoint, client_id=self.config.client_id, response_type="code",
            redirect_uri=redirect_uri, scope=self.config.scope, state=state, nonce=nonce,
            code_challenge=create_s256_code_challenge(code_verifier), code_challenge_method="S256",
            acr_values=self.config.acr_values, ui_locales=self.config.ui_locales)
        return url

    async def exchange_code(self, *, code: str, code_verifier: str, redirect_uri: str) -> str:
        """The ID token for an authorization code (one use only, bound to the PKCE verifier)."""
        metadata = await self.metadata()
        body = prepare_token_request("authorization_code", code=code, redirect_uri=redirect_uri,
                                     code_verifier=code_verifier, client_id=self.config.client_id,
                                     client_assertion_type=JWT_BEARER, client_assertion=client_assertion(self.config))
        try:
            response = await self._client().post(metadata.token_endpoint, data=dict(url_decode(body)),
                                                 headers={"Accept": "application/json"})
        except httpx.HTTPError as exc:
            log.warning("idporten_unreachable", what="token", error=type(exc).__name__)
            raise IdPortenUnavailable() from exc
        if response.status_code >= 500:
            log.warning("idporten_unexpected_answer", status=response.status_code)
            raise IdPortenUnavailable()
        try:
            token = response.json()
        except ValueError:
            token = {}
        if response.status_code != 200 or not isinstance(token, dict) or "error" in token:
            # invalid_grant: a used or unknown code, a verifier that does not match; invalid_client: our key.
            error = token.get("error") if isinstance(token, dict) else None
            log.info("idporten_code_refused", status=response.status_code, error=str(error)[:40])
            raise IdPortenFailed()
        id_token = token.get("id_token")
        if not isinstance(id_token, str) or not id_token:
            raise IdPortenFailed()
        return id_token

    async def _key_set(self, kid: str) -> KeySet:
        async with self._lock:
            held = self._keys is not None and any(k.kid == kid for k in self._keys.keys)
            due = time.monotonic() - self._keys_read_at >= self.config.jwks_min_refresh_seconds
            if not held and (self._keys is None or due):
                metadata = await self.metadata()
                found = await self._get_json(metadata.jwks_uri)
                try:
                    self._keys = KeySet.import_key_set(found)  # type: ignore[arg-type]
                except (JoseError, ValueError, KeyError, TypeError) as exc:
                    raise IdPortenUnavailable() from exc
                self._keys_read_at = time.monotonic()
            if self._keys is None or not any(k.kid == kid for k in self._keys.keys):
                raise IdPortenFailed()
            return self._keys

    async def verified(self, id_token: str) -> tuple[dict[str, Any], dict[str, Any]]:
        """The ID token's claims and header once its signature is the provider's; the claims are not yet judged
        (domain/idporten.py does that)."""
        try:
            header = extract_compact(id_token.encode()).headers()
        except (JoseError, ValueError) as exc:
            raise IdPortenFailed() from exc
        kid = header.get("kid")
        if not isinstance(kid, str) or header.get("alg") not in ALGORITHMS:
            raise IdPortenFailed()
        keys = await self._key_set(kid)
        try:
            decoded = jwt.decode(id_token, keys, algorithms=ALGORITHMS)
        except (JoseError, ValueError) as exc:
            raise IdPortenFailed() from exc
        return dict(decoded.claims), dict(decoded.header)
