from datetime import time

from pydantic import AnyHttpUrl, BaseModel, Field, field_serializer

from kit.settings import ServiceSettings


class OpeningHours(BaseModel):
    """One line of the clinic's hours: these ISO weekdays (1 is Monday), from `opens` to `closes`."""
    weekdays: list[int] = Field(min_length=1, max_length=7)
    opens: time
    closes: time

    @field_serializer("opens", "closes")
    def _hours_and_minutes(self, value: time) -> str:
        return value.strftime("%H:%M")


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
    # the session's own end). A logout takes effect at once on the gateway that served it, and on every other
    # by identity's SessionEnded (entrypoints/sessions_ended.py: tens of milliseconds); with the broker away, at
    # the next refresh (below), and never later than this many seconds. Any other change to what a session may
    # do (claims settled, a guardian removed, a new GP) reaches it at the next refresh. 0: identity asked on
    # every request (2 ms of CPU and a statement each: docs/benchmarks.md).
    session_cache_seconds: float = 10.0
    # Every this many seconds the kept sessions are refreshed at identity in one call per 300
    # (entrypoints/kept_sessions.py): they stay trusted however long since their last request, and identity
    # counts their idle time from their last use here. Below session_cache_seconds, so a refresh or two may fail
    # before the kept answers run out.
    session_refresh_seconds: float = 3.0
    # How long a GP's eConsultation opening, as econsult said it, is shown on profiles without asking again;
    # econsult's EConsultAvailabilityChanged replaces it at once (adapters/econsult_availability.py). 0: asked on
    # every profile.
    econsult_availability_seconds: float = 30.0
    # Cookies: `__Host-` (Secure, Path=/, no Domain) for the session, HttpOnly and SameSite=Strict; the CSRF
    # token's cookie is readable by the web client, which echoes it in the X-CSRF-Token header.
    session_cookie: str = "__Host-eportal_session"
    csrf_cookie: str = "__Host-eportal_csrf"
    # A login through ID-porten under way: a random handle bound to this browser (SameSite=Lax, as ID-porten's
    # redirect back is a navigation from another site), good for this many seconds.
    idporten_cookie: str = "__Host-eportal_idporten"
    idporten_login_seconds: int = 600

    # The clinic's facts, shown on every page of the portal and beside every "ring oss" (GET /api/v1/clinic).
    # The defaults are the development clinic's; a deployment sets its own (EPORTAL_CLINIC_*; the hours as
    # JSON, e.g. [{"weekdays": [1,2,3,4,5], "opens": "08:00", "closes": "15:30"}]).
    clinic_name: str = "Legekontoret"
    clinic_address: str = "Storgata 1, 0155 Oslo"
    clinic_phone: str = Field(default="+4722000000", pattern=r"^\+47\d{8}$", description="E.164.")
    clinic_opening_hours: list[OpeningHours] = Field(default_factory=lambda: [
        OpeningHours(weekdays=[1, 2, 3, 4, 5], opens=time(8, 0), closes=time(15, 30))])
    clinic_web: AnyHttpUrl = AnyHttpUrl("https://legekontoret.example")

    @property
    def serves_dev_routes(self) -> bool:
        if self.env == "prod":
            return False
        return self.dev_routes if self.dev_routes is not None else True

    def service_urls(self) -> dict[str, str]:
        return {name: str(getattr(self, f"{name}_url")).rstrip("/") for name in
                ("identity", "booking", "prescription", "econsult", "billing", "notify")}
