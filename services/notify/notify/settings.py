"""notify's configuration: the SMS provider, the SMTP server, billing (for giro PDFs), delivery retries and
the development sinks. Read once at start from `EPORTAL_*` variables; keys and passwords are secrets."""

from __future__ import annotations

from pydantic import AnyHttpUrl, Field, SecretStr, model_validator

from kit.settings import ServiceSettings


class NotifySettings(ServiceSettings):
    service_name: str = "notify"
    http_port: int = 8106

    # The SMS provider's HTTP API (POST {url}/messages). None: the local SMS sink (development and tests).
    sms_provider_url: AnyHttpUrl | None = None
    sms_api_key: SecretStr = SecretStr("")
    sms_sender: str = Field(default="Legekontor", max_length=11, description="Alphanumeric sender id.")
    sms_timeout_seconds: float = Field(default=10.0, gt=0)

    # The SMTP server for e-mail. None: the local mail sink (development and tests).
    smtp_host: str | None = None
    smtp_port: int = 587
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    smtp_starttls: bool = True
    smtp_timeout_seconds: float = Field(default=30.0, gt=0)
    mail_from: str = "Legekontoret <ikke-svar@legekontoret.example>"

    # Where the giro PDF of an invoice e-mail comes from.
    billing_url: AnyHttpUrl = AnyHttpUrl("http://127.0.0.1:8105")
    billing_timeout_seconds: float = Field(default=10.0, gt=0)

    # Delivery: tries before `failed` (and a dead-letter record), and the exponential backoff between them.
    delivery_max_attempts: int = Field(default=5, ge=1)
    delivery_backoff_seconds: float = Field(default=5.0, gt=0)
    delivery_backoff_max_seconds: float = Field(default=900.0, gt=0)
    # The sender is woken at commit (LISTEN/NOTIFY); the poll finds retries that have come due.
    sender_poll_seconds: float = Field(default=1.0, gt=0)
    sender_batch: int = Field(default=50, ge=1)
    # A claimed delivery not recorded within the lease (the process died while sending) is tried again.
    sender_lease_seconds: float = Field(default=120.0, gt=0)

    # The local SMTP server and SMS sink, inside this process. None: on in dev and test, off in prod.
    dev_sinks: bool | None = None
    sinks_host: str = "127.0.0.1"
    smtp_sink_port: int = 0  # 0: any free port; notify itself is the only one that sends to them
    sms_sink_port: int = 0

    @property
    def runs_sinks(self) -> bool:
        return self.dev_sinks if self.dev_sinks is not None else self.env in ("dev", "test")

    @model_validator(mode="after")
    def _real_providers_in_prod(self) -> NotifySettings:
        if self.env == "prod":
            if self.runs_sinks:
                raise ValueError("the development sinks never run in production")
            if self.sms_provider_url is None or not self.sms_api_key.get_secret_value():
                raise ValueError("production needs EPORTAL_SMS_PROVIDER_URL and EPORTAL_SMS_API_KEY")
            if self.smtp_host is None:
                raise ValueError("production needs EPORTAL_SMTP_HOST")
        elif not self.runs_sinks and (self.sms_provider_url is None or self.smtp_host is None):
            raise ValueError("without the development sinks, the SMS provider and SMTP server must be configured")
        return self
