"""The one place identity is wired together."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import httpx
from argon2 import PasswordHasher
from fastapi import FastAPI
from joserfc.jwk import ECKey, RSAKey, import_key

from contracts.events import ClaimsStatusChanged
from contracts.topics import LOGIN_CODES
from identity import handlers
from identity.adapters.hashing import HashingPool
from identity.adapters.idporten import IdPorten, ProviderConfig
from identity.domain.idporten import TokenRules
from identity.domain.login import Secret
from identity.domain.login_throttle import ThrottleRules
from identity.domain.session import Lifetimes
from identity.domain.staff import Passwords
from identity.entrypoints.http import router
from identity.handlers.idporten import IdPortenClient
from identity.handlers.login import LoginPolicy, policy
from identity.settings import IdentitySettings
from kit.clock import Clock
from kit.http import create_app
from kit.runtime import ServiceRuntime

MIGRATIONS = Path(__file__).parent / "migrations"

# How long the traces of logging in are kept: long enough to count the rate limits (an hour) and to
# look into an incident the next morning; sessions a month after they end, for the audit's sake.
CHALLENGES_KEPT = timedelta(days=2)
SESSIONS_KEPT = timedelta(days=30)


def login_policy(settings: IdentitySettings) -> LoginPolicy:
    hasher = PasswordHasher(time_cost=settings.argon2_time_cost, memory_cost=settings.argon2_memory_kib,
                            parallelism=settings.argon2_parallelism)
    passwords = Passwords(hasher)
    return LoginPolicy(
        secret=Secret(settings.login_secret.get_secret_value()), passwords=passwords,
        code_ttl=timedelta(seconds=settings.code_ttl_seconds), max_attempts=settings.code_max_attempts,
        codes_per_id_per_hour=settings.codes_per_id_per_hour, starts_per_address=settings.login_starts_per_address,
        address_window=timedelta(seconds=settings.login_address_window_seconds),
        staff_throttle=ThrottleRules(
            free_per_username_and_address=settings.staff_free_failures,
            free_per_address=settings.staff_free_failures_per_address,
            attack_per_username=settings.staff_attack_failures,
            first_wait=timedelta(seconds=settings.staff_first_wait_seconds),
            longest_wait=timedelta(seconds=settings.staff_longest_wait_seconds)),
        staff_failure_window=timedelta(seconds=settings.staff_failure_window_seconds),
        known_address_kept=timedelta(days=settings.staff_known_address_days),
        start_floor_seconds=settings.login_start_floor_seconds,
        lifetimes=Lifetimes(idle=timedelta(seconds=settings.session_idle_seconds),
                            absolute=timedelta(seconds=settings.session_absolute_seconds)),
        hashing=HashingPool(passwords, slots=settings.argon2_slots, queue=settings.argon2_queue))


def _client_key(settings: IdentitySettings) -> RSAKey | ECKey:
    """The private key of our private_key_jwt client. Outside production, without one configured, a key made
    now: the local provider (NAV's mock-oauth2-server) checks no client's signature."""
    raw = settings.idporten_client_key.get_secret_value()
    if not raw:
        if settings.env == "prod":
            raise ValueError("EPORTAL_IDPORTEN_CLIENT_KEY is required in production")
        return RSAKey.generate_key(2048, parameters={"kid": "eportal-local"}, private=True)
    key = import_key(json.loads(raw))
    if not isinstance(key, RSAKey | ECKey) or not key.is_private or not key.kid:
        raise ValueError("EPORTAL_IDPORTEN_CLIENT_KEY must be a private RSA or EC JWK with a kid")
    return key


def idporten_client(settings: IdentitySettings, transport: httpx.AsyncBaseTransport | None = None
                    ) -> IdPortenClient | None:
    """Our client at ID-porten, or None while no issuer is configured (then its routes answer 404)."""
    if not settings.idporten_issuer:
        return None
    provider = IdPorten(ProviderConfig(
        issuer=settings.idporten_issuer, client_id=settings.idporten_client_id, client_key=_client_key(settings),
        scope=settings.idporten_scope, acr_values=settings.idporten_acr_values,
        ui_locales=settings.idporten_ui_locales, timeout_seconds=settings.idporten_timeout_seconds,
        jwks_min_refresh_seconds=settings.idporten_jwks_min_refresh_seconds), transport)
    rules = TokenRules(issuer=settings.idporten_issuer, client_id=settings.idporten_client_id,
                       leeway_seconds=settings.idporten_leeway_seconds,
                       max_age_seconds=settings.idporten_max_token_age_seconds,
                       allow_test_identities=settings.allows_test_identities)
    return IdPortenClient(provider, rules, settings.idporten_web_redirect_uri,
                          settings.idporten_app_redirect_uris, settings.idporten_post_logout_redirect_uri)


def wire(runtime: ServiceRuntime, settings: IdentitySettings) -> None:
    """What the service and its demo seeder share: the login policy in the runtime's state."""
    runtime.state["login"] = login_policy(settings)


def build(settings: IdentitySettings | None = None, clock: Clock | None = None,
          idporten_transport: httpx.AsyncBaseTransport | None = None) -> FastAPI:
    """`idporten_transport`: where identity's calls to ID-porten go instead of the network (tests)."""
    settings = settings or IdentitySettings()
    runtime = ServiceRuntime(settings, MIGRATIONS, clock=clock)
    wire(runtime, settings)
    client = idporten_client(settings, idporten_transport)
    if client is not None:
        runtime.state["idporten"] = client

        @runtime.on_stop
        async def close_idporten(rt: ServiceRuntime) -> None:
            await client.provider.close()

    runtime.on(ClaimsStatusChanged)(handlers.apply_claims_status)

    async def forget_old_logins(rt: ServiceRuntime) -> None:
        now = rt.clock.now()
        async with rt.pool.acquire() as conn:
            await conn.execute("DELETE FROM login_challenges WHERE created_at < $1", now - CHALLENGES_KEPT)
            await conn.execute("DELETE FROM staff_login_attempts WHERE at < $1", now - CHALLENGES_KEPT)
            await conn.execute("DELETE FROM staff_known_addresses WHERE last_login_at < $1",
                               now - timedelta(days=settings.staff_known_address_days))
            await conn.execute("DELETE FROM sessions WHERE expires_at < $1", now - SESSIONS_KEPT)
            # ID-porten's ID token is kept only for the logout of a live session.
            await conn.execute("""UPDATE sessions SET id_token_hint = NULL WHERE id_token_hint IS NOT NULL
                                  AND (ended_at IS NOT NULL OR expires_at < $1)""", now)

    async def scrub_sent_codes(rt: ServiceRuntime) -> None:
        """A login code is in clear text in the outbox only until the relay has published it (or it has
        expired unsent): then the row goes, so the database holds no usable code."""
        async with rt.pool.acquire() as conn:
            await conn.execute(
                """DELETE FROM outbox WHERE topic = $1
                   AND (published_at IS NOT NULL OR created_at < now() - make_interval(secs => $2))""",
                LOGIN_CODES.name, float(settings.code_ttl_seconds))

    @runtime.on_stop
    async def stop_hashing(rt: ServiceRuntime) -> None:
        policy(rt).hashing.close()

    runtime.every(3600, forget_old_logins, name="forget_old_logins")
    runtime.every(5, scrub_sent_codes, name="scrub_sent_codes")
    return create_app(runtime, title="eportal identity", routers=[router])
