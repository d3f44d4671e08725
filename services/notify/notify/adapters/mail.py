"""E-mail over SMTP (aiosmtplib), to the configured server; in development and tests, notify's own sink.

SMTP has no idempotency key. The Message-ID is the delivery id, the same on every try, so a mail
client shows a message sent twice after a crash as one; the crash window is documented in the README.
"""

from __future__ import annotations

from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate

import aiosmtplib
from pydantic import SecretStr

from notify.adapters.errors import DeliveryFailed


@dataclass(frozen=True)
class Attachment:
    filename: str
    content: bytes
    maintype: str = "application"
    subtype: str = "pdf"


class SmtpMailer:
    def __init__(self, host: str, port: int, sender: str, *, username: str | None = None,
                 password: SecretStr | None = None, starttls: bool = False, timeout: float = 30.0) -> None:
        self._host = host
        self._port = port
        self._sender = sender
        self._username = username
        self._password = password
        self._starttls = starttls
        self._timeout = timeout

    def message(self, to: str, subject: str, body: str, delivery_id: str,
                attachments: tuple[Attachment, ...] = ()) -> EmailMessage:
        msg = EmailMessage()
        msg["From"] = self._sender
        msg["To"] = to
        msg["Subject"] = subject
        msg["Date"] = formatdate(localtime=False)
        # The delivery id alone, the same on every try (make_msgid would add a time and a random part).
        msg["Message-ID"] = f"<{delivery_id}@eportal.notify>"
        msg.set_content(body)
        for attachment in attachments:
            msg.add_attachment(attachment.content, maintype=attachment.maintype, subtype=attachment.subtype,
                               filename=attachment.filename)
        return msg

    async def send(self, to: str, subject: str, body: str, delivery_id: str,
                   attachments: tuple[Attachment, ...] = ()) -> str:
        msg = self.message(to, subject, body, delivery_id, attachments)
        try:
            await aiosmtplib.send(
                msg, hostname=self._host, port=self._port, username=self._username,
                password=self._password.get_secret_value() if self._password else None,
                start_tls=self._starttls, timeout=self._timeout)
        except aiosmtplib.SMTPRecipientsRefused as exc:
            raise DeliveryFailed("smtp: recipient refused", permanent=True) from exc
        except aiosmtplib.SMTPResponseException as exc:
            # 5xx is the server's final word on this message; 4xx is "try later".
            raise DeliveryFailed(f"smtp: {exc.code}", permanent=500 <= exc.code < 600) from exc
        except (aiosmtplib.SMTPException, OSError) as exc:
            raise DeliveryFailed(f"smtp: {type(exc).__name__}") from exc
        return str(msg["Message-ID"])
