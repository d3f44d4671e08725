"""The one place notify is wired together: SMS and e-mail to patients, exactly once per event and channel.

- Consumer (handlers.py): each notifying event becomes at most one queued delivery per channel, written
  in the transaction of the event's inbox row, so a redelivered event sends nothing new.
- Sender (sender.py): sends queued deliveries after commit over the real protocols (the SMS provider's
  HTTP API, SMTP), retries with exponential backoff, and keeps queued / sent / failed (after
  `delivery_max_attempts` tries, with a dead-letter record in `undeliverable`) and every try.
- Crash window: between the provider's acceptance and the 'sent' record. It is one short transaction
  long; a delivery caught in it is tried again when its lease expires. The SMS provider gets the
  delivery id as idempotency key and absorbs that; an e-mail may come twice, with the same Message-ID.
- Development and tests: a local SMTP server and SMS sink run inside this process (`dev_sinks`), and
  the adapters send to them unless a real provider is configured.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from contracts.events import GuardianRegistered, GuardianRemoved
from kit.clock import Clock
from kit.http import create_app
from kit.logging import get_logger
from kit.patient_directory import keep_patient_directory
from kit.runtime import ServiceRuntime
from notify.adapters.billing import GiroPdfs
from notify.adapters.mail import SmtpMailer
from notify.adapters.sinks import HttpServer, MailSink, SmsSink, SmtpServer
from notify.adapters.sms import HttpSmsProvider
from notify.domain.rules import NOTIFYING_EVENTS
from notify.entrypoints.http import router
from notify.handlers import keeping_guardians, notifying
from notify.sender import Sender
from notify.settings import NotifySettings

MIGRATIONS = Path(__file__).parent / "migrations"

log = get_logger(__name__)


def build(settings: NotifySettings | None = None, clock: Clock | None = None, *,
          sms_sink: SmsSink | None = None, mail_sink: MailSink | None = None) -> FastAPI:
    """`sms_sink`/`mail_sink`: tests may hand in the sinks (to make them fail, or to read them)."""
    settings = settings or NotifySettings()
    runtime = ServiceRuntime(settings, MIGRATIONS, clock=clock)
    keep_patient_directory(runtime)  # the directory, then what waited for this patient
    guardians = keeping_guardians(runtime)
    runtime.on(GuardianRegistered)(guardians)
    runtime.on(GuardianRemoved)(guardians)

    def running_sender() -> Sender | None:
        sender = runtime.state.get("sender")
        return sender if isinstance(sender, Sender) and sender.running else None
    queue = notifying(runtime.clock, running_sender)
    for event in NOTIFYING_EVENTS:
        runtime.on(event)(queue)

    @runtime.on_start
    async def start_sending(rt: ServiceRuntime) -> None:
        sms_url = str(settings.sms_provider_url) if settings.sms_provider_url else None
        smtp = (settings.smtp_host, settings.smtp_port) if settings.smtp_host else None
        if settings.runs_sinks:
            sms = sms_sink or SmsSink()
            mail = mail_sink or MailSink()
            sms_server = HttpServer(sms.app(), settings.sinks_host, settings.sms_sink_port)
            smtp_server = SmtpServer(mail, settings.sinks_host, settings.smtp_sink_port)
            await sms_server.start()
            await smtp_server.start()
            rt.state.update(sms_sink=sms, mail_sink=mail, sink_servers=[sms_server, smtp_server])
            sms_url = sms_url or sms_server.url
            smtp = smtp or (settings.sinks_host, smtp_server.port)
            log.info("development sinks running", sms_port=sms_server.port, smtp_port=smtp_server.port)
        assert sms_url is not None
        assert smtp is not None
        sms_provider = HttpSmsProvider(sms_url, settings.sms_api_key, settings.sms_sender,
                                       settings.sms_timeout_seconds)
        local = smtp[0] == settings.sinks_host and settings.runs_sinks and settings.smtp_host is None
        mailer = SmtpMailer(smtp[0], smtp[1], settings.mail_from, username=settings.smtp_username,
                            password=settings.smtp_password, starttls=settings.smtp_starttls and not local,
                            timeout=settings.smtp_timeout_seconds)
        giros = GiroPdfs(str(settings.billing_url), settings.billing_timeout_seconds)
        sender = Sender(rt.pool, rt.clock, settings, sms_provider, mailer, giros, rt.tracer)
        rt.state.update(sender=sender, clients=[sms_provider, giros])
        await sender.start()

    @runtime.on_stop
    async def stop_sending(rt: ServiceRuntime) -> None:
        if "sender" in rt.state:
            await rt.state["sender"].stop()
        for client in rt.state.get("clients", []):
            await client.close()
        for server in rt.state.get("sink_servers", []):
            await server.stop()

    return create_app(runtime, title="eportal notify", routers=[router])
