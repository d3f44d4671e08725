from pydantic import AnyHttpUrl

from kit.settings import ServiceSettings


class GatewaySettings(ServiceSettings):
    service_name: str = "gateway"
    http_host: str = "127.0.0.1"
    http_port: int = 8000
    # The services' own HTTP APIs, reached only from here.
    identity_url: AnyHttpUrl = AnyHttpUrl("http://127.0.0.1:8101")
    booking_url: AnyHttpUrl = AnyHttpUrl("http://127.0.0.1:8102")
    prescription_url: AnyHttpUrl = AnyHttpUrl("http://127.0.0.1:8103")
    econsult_url: AnyHttpUrl = AnyHttpUrl("http://127.0.0.1:8104")
    billing_url: AnyHttpUrl = AnyHttpUrl("http://127.0.0.1:8105")
    notify_url: AnyHttpUrl = AnyHttpUrl("http://127.0.0.1:8106")
    upstream_timeout_seconds: float = 10.0
    # The development routes (/dev/sms, /dev/mail: what notify's sinks received). None: on in dev and
    # test (the running system in tests is env=test), never in production.
    dev_routes: bool | None = None
    # How many reverse proxies (an ingress) stand in front of the gateway and append to X-Forwarded-For.
    # The client's address (for identity's per-address login limit) is the entry that many hops from the
    # right; 0 (direct, as in make run) uses the connection's address and ignores the header, which any
    # client could otherwise forge to escape the limit.
    trusted_proxy_hops: int = 0
    # How long this gateway may trust identity's answer for a session token before asking again (never past
    # the session's own end). A logout through this gateway takes effect at once; a logout through another
    # replica, or a restriction lifted or imposed by an event, reach it within this many seconds. Off (0,
    # identity asked on every request) until the trade is measured and chosen: see docs/benchmarks.md.
    session_cache_seconds: float = 0.0
    # Cookies: `__Host-` (Secure, Path=/, no Domain) for the session, HttpOnly and SameSite=Strict; the CSRF
    # token's cookie is readable by the web client, which echoes it in the X-CSRF-Token header.
    session_cookie: str = "__Host-eportal_session"
    csrf_cookie: str = "__Host-eportal_csrf"
    # A login through ID-porten under way: a random handle bound to this browser (SameSite=Lax, as ID-porten's
    # redirect back is a navigation from another site), good for this many seconds.
    idporten_cookie: str = "__Host-eportal_idporten"
    idporten_login_seconds: int = 600

    @property
    def serves_dev_routes(self) -> bool:
        if self.env == "prod":
            return False
        return self.dev_routes if self.dev_routes is not None else True

    def service_urls(self) -> dict[str, str]:
        return {name: str(getattr(self, f"{name}_url")).rstrip("/") for name in
                ("identity", "booking", "prescription", "econsult", "billing", "notify")}
