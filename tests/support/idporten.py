"""An OpenID provider of the tests' own, shaped like ID-porten, for the ID tokens the local mock-oauth2-server
cannot be made to issue: signed by a key not in the JWKS, for another audience, expired, issued by another
issuer, with a rolled key. Served in-process (httpx.ASGITransport) to identity's ID-porten client.

The tokens and the JWKS are made with joserfc, as the real provider's are made with its own JOSE library; the
test decides, per login, what the ID token will say (`Provider.log_in(url, **claims)`).
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from joserfc import jwt
from joserfc.jwk import KeySet, RSAKey

from kit.clock import Clock

ISSUER = "https://idporten.test"
CLIENT_ID = "eportal-test-client"
WEB_REDIRECT = "https://portal.test/api/v1/auth/idporten/callback"
APP_REDIRECT = "no.eportal.app:/oauth2redirect"
POST_LOGOUT = "https://portal.test/"
SUBSTANTIAL, HIGH = "idporten-loa-substantial", "idporten-loa-high"


def new_key(kid: str | None = None) -> RSAKey:
    return RSAKey.generate_key(2048, parameters={"kid": kid or secrets.token_hex(6), "use": "sig"}, private=True)


# Made once: RSA key generation is slow, and these tests only need a client key that is stable across builds.
CLIENT_KEY = new_key("eportal-test-client-key")


@dataclass
class Pending:
    """A code issued at the (simulated) login page, with what the ID token will say."""
    client_id: str
    redirect_uri: str
    code_challenge: str
    nonce: str
    claims: dict[str, Any]
    signed_by: RSAKey | None  # None: the provider's current key
    used: bool = False


@dataclass
class Provider:
    clock: Clock
    key: RSAKey = field(default_factory=new_key)
    published: list[RSAKey] = field(default_factory=list)
    codes: dict[str, Pending] = field(default_factory=dict)
    assertions: list[dict[str, Any]] = field(default_factory=list)  # the client assertions the token endpoint saw
    jwks_reads: int = 0
    down: bool = False

    def __post_init__(self) -> None:
        self.published = [self.key]

    def roll_key(self) -> RSAKey:
        """ID-porten's key roll: a new signing key, published beside the old one."""
        self.key = new_key()
        self.published.append(self.key)
        return self.key

    def log_in(self, authorization_url: str, *, pid: str, acr: str = HIGH, signed_by: RSAKey | None = None,
               **claims: Any) -> tuple[str, dict[str, str]]:
        """What the login page does: a code for the authorization request at `authorization_url`, with the ID
        token to say `pid`, `acr` and any other `claims` (None removes one). Returns (code, the request's params)."""
        params = {k: v[0] for k, v in parse_qs(urlsplit(authorization_url).query).items()}
        code = secrets.token_urlsafe(24)
        self.codes[code] = Pending(params["client_id"], params["redirect_uri"], params["code_challenge"],
                                   params["nonce"], {"pid": pid, "acr": acr, "amr": ["BankID"], **claims}, signed_by)
        return code, params

    def id_token(self, pending: Pending) -> str:
        now = int(self.clock.now().timestamp())
        claims: dict[str, Any] = {"iss": ISSUER, "aud": pending.client_id, "sub": secrets.token_urlsafe(16),
                                  "iat": now, "exp": now + 120, "nonce": pending.nonce, "locale": "nb",
                                  "sid": secrets.token_urlsafe(8), "jti": secrets.token_urlsafe(8)}
        claims.update(pending.claims)
        claims = {k: v for k, v in claims.items() if v is not None}
        key = pending.signed_by or self.key
        return jwt.encode({"alg": "RS256", "kid": key.kid, "typ": "JWT"}, claims, key)

    def app(self) -> FastAPI:
        app = FastAPI()

        @app.get("/.well-known/openid-configuration")
        async def metadata() -> Any:
            if self.down:
                return JSONResponse({"error": "down"}, status_code=503)
            return {"issuer": ISSUER, "authorization_endpoint": f"{ISSUER}/authorize",
                    "token_endpoint": f"{ISSUER}/token", "jwks_uri": f"{ISSUER}/jwks.json",
                    "end_session_endpoint": f"{ISSUER}/logout", "code_challenge_methods_supported": ["S256"],
                    "token_endpoint_auth_methods_supported": ["private_key_jwt"]}

        @app.get("/jwks.json")
        async def jwks() -> Any:
            self.jwks_reads += 1
            return KeySet(list(self.published)).as_dict(private=False)

        @app.post("/token")
        async def token(request: Request) -> Any:
            form = {k: str(v) for k, v in (await request.form()).items()}
            refused = self._check_client(form)
            if refused:
                return JSONResponse({"error": "invalid_client", "error_description": refused}, status_code=401)
            pending = self.codes.get(form.get("code", ""))
            if form.get("grant_type") != "authorization_code" or pending is None or pending.used:
                return JSONResponse({"error": "invalid_grant"}, status_code=400)
            pending.used = True  # a code is good once, also when the verifier was wrong
            verifier = form.get("code_verifier", "")
            challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
            if challenge != pending.code_challenge or form.get("redirect_uri") != pending.redirect_uri:
                return JSONResponse({"error": "invalid_grant"}, status_code=400)
            return {"access_token": secrets.token_urlsafe(16), "token_type": "Bearer", "expires_in": 120,
                    "id_token": self.id_token(pending)}

        return app

    def _check_client(self, form: dict[str, str]) -> str | None:
        """private_key_jwt as ID-porten checks it: our client's key, iss = sub = client_id, aud = the issuer, a
        short life and a jti never seen before."""
        if form.get("client_assertion_type") != "urn:ietf:params:oauth:client-assertion-type:jwt-bearer":
            return "no client assertion"
        try:
            claims = jwt.decode(form.get("client_assertion", ""), CLIENT_KEY, algorithms=["RS256"]).claims
        except Exception:  # any JOSE error: not signed by our client
            return "bad client assertion"
        self.assertions.append(claims)
        if claims.get("iss") != CLIENT_ID or claims.get("sub") != CLIENT_ID or claims.get("aud") != ISSUER:
            return "wrong iss, sub or aud"
        if claims["exp"] - claims["iat"] > 120 or [a["jti"] for a in self.assertions].count(claims["jti"]) > 1:
            return "too long a life, or a jti used before"
        return None
