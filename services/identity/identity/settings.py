from pydantic import SecretStr, model_validator

from kit.settings import ServiceSettings

DEV_LOGIN_SECRET = "eportal-dev-login-secret-not-for-production"  # noqa: S105 - refused in production below


class IdentitySettings(ServiceSettings):
    service_name: str = "identity"
    http_port: int = 8101

    # Key of the HMACs that stand in for login codes, national IDs and addresses in the database. Kept
    # outside the database, so a copy of the tables alone reveals no code and no ID.
    login_secret: SecretStr = SecretStr(DEV_LOGIN_SECRET)
    code_ttl_seconds: int = 300  # a code lives 5 minutes
    code_max_attempts: int = 5  # wrong tries that end a challenge
    codes_per_id_per_hour: int = 5  # paid SMS: at most this many codes for one national ID an hour
    # Login starts (and staff logins) from one address within the window. Generous enough for a clinic's
    # shared address, small enough that one machine cannot make us send floods of SMS.
    login_starts_per_address: int = 30
    login_address_window_seconds: int = 900
    # Staff logins: wrong passwords wait, by address, never the account (domain/login_throttle.py). Free tries for
    # one username from one address, then a wait from the first that doubles with each, up to the longest.
    staff_free_failures: int = 5
    staff_free_failures_per_address: int = 20  # across usernames: one address spraying many
    staff_attack_failures: int = 10  # wrong passwords from unknown addresses that put a username under attack
    staff_first_wait_seconds: float = 1.0
    staff_longest_wait_seconds: float = 900.0
    staff_failure_window_seconds: int = 3600  # how far back wrong passwords count
    staff_known_address_days: int = 90  # an address a username logged in from stays known this long
    # Every login start takes at least this long, whatever the ID, so the answer's timing says nothing
    # about whether the ID is known (the work is the same too; this covers the one extra outbox row).
    login_start_floor_seconds: float = 0.05

    session_idle_seconds: int = 30 * 60
    session_absolute_seconds: int = 12 * 60 * 60

    # Login with ID-porten (domain-rules.md, "Login with ID-porten"): off until an issuer is set. In production
    # the issuer is https://idporten.no and the client is registered in Digdir's self-service (docs/operations.md).
    idporten_issuer: str | None = None
    idporten_client_id: str = ""
    # The client's private key for private_key_jwt: a JWK (JSON, RSA or EC, with its kid). A Secret in
    # production; elsewhere an empty one is replaced by a key made at start (the local provider checks none).
    idporten_client_key: SecretStr = SecretStr("")
    # The redirect URIs registered with the client: the web's callback, and the apps' (a JSON list).
    idporten_web_redirect_uri: str = "http://127.0.0.1:8000/api/v1/auth/idporten/callback"
    idporten_app_redirect_uris: tuple[str, ...] = ()
    idporten_post_logout_redirect_uri: str = "http://127.0.0.1:8000/"
    idporten_scope: str = "openid profile"
    # Asked of ID-porten; the ID token's acr is checked against both accepted levels whatever is asked.
    idporten_acr_values: str = "idporten-loa-substantial"
    idporten_ui_locales: str = "nb"
    idporten_leeway_seconds: int = 30  # clock skew allowed on the ID token's exp, iat and nbf
    idporten_max_token_age_seconds: int = 300  # an ID token issued longer ago is not taken
    idporten_timeout_seconds: float = 10.0
    idporten_jwks_min_refresh_seconds: float = 30.0

    # argon2id for staff passwords: the OWASP Password Storage Cheat Sheet's configuration (19 MiB, 2 iterations,
    # 1 lane). RFC 9106's low-memory profile (64 MiB, 3 iterations, 4 lanes), used before, took identity to 160 MiB
    # resident with one check and would take two at once (argon2_slots) past 200, over each service's 150 MB
    # (issue 17); with this one two checks at once stay near 125. A hash keeps its own parameters, so the
    # passwords hashed before still verify.
    argon2_time_cost: int = 2
    argon2_memory_kib: int = 19456
    argon2_parallelism: int = 1
    # Password checks at once (each on a thread of its own), and how many may wait for one before a login is
    # refused as busy: argon2 takes CPU and memory the session checks of every patient's request need too.
    argon2_slots: int = 2
    argon2_queue: int = 32

    @model_validator(mode="after")
    def _real_secret_in_prod(self) -> "IdentitySettings":
        if self.env == "prod" and self.login_secret.get_secret_value() == DEV_LOGIN_SECRET:
            raise ValueError("set EPORTAL_LOGIN_SECRET: the development login secret is not allowed in production")
        if len(self.login_secret.get_secret_value()) < 32:
            raise ValueError("EPORTAL_LOGIN_SECRET must be at least 32 characters")
        if self.env == "prod" and self.idporten_issuer:
            if not self.idporten_client_id or not self.idporten_client_key.get_secret_value():
                raise ValueError("set EPORTAL_IDPORTEN_CLIENT_ID and EPORTAL_IDPORTEN_CLIENT_KEY for ID-porten")
            for url in (self.idporten_issuer, self.idporten_web_redirect_uri, self.idporten_post_logout_redirect_uri):
                if not url.startswith("https://"):
                    raise ValueError("ID-porten's issuer and our redirect URIs must be https:// in production")
        return self
