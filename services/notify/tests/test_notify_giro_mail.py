"""The invoice e-mail carries the giro PDF from billing; while billing cannot give it, the e-mail waits
(without using up its tries) and is never sent without it."""

from __future__ import annotations

import uuid
from datetime import date
from email import message_from_bytes, policy
from email.message import EmailMessage

import pytest
from fastapi import FastAPI, Response

from contracts.events import InvoiceIssued
from notify.adapters.sinks import HttpServer, MailSink
from services.notify.tests.notify_support import notify_service
from tests.support.eventually import eventually
from tests.support.services import StackEnv

pytestmark = pytest.mark.stack

PDF = b"%PDF-1.4\n% the giro\n"


class FakeBilling:
    def __init__(self) -> None:
        self.up = False
        self.asked: list[str] = []
        self.app = FastAPI()

        @self.app.get("/internal/invoices/{invoice_id}/pdf")
        async def pdf(invoice_id: uuid.UUID) -> Response:
            self.asked.append(str(invoice_id))
            if not self.up:
                return Response(status_code=503)
            return Response(PDF, media_type="application/pdf",
                            headers={"Content-Disposition": 'inline; filename="faktura-0000000018.pdf"'})


async def test_the_invoice_email_waits_for_billing_and_carries_the_giro(stack_env: StackEnv, scratch_db: str) -> None:
    billing = FakeBilling()
    server = HttpServer(billing.app, "127.0.0.1", 0)
    await server.start()
    try:
        async with notify_service(stack_env, scratch_db, billing_url=server.url, delivery_max_attempts=2) as notify:
            patient = await notify.register(mobile="+4791330001", email="kari.giro@example.no")
            invoice_id = uuid.uuid4()
            issued = await notify.publish(InvoiceIssued(
                invoice_id=invoice_id, patient_id=patient, kid="0000000018", econsult_id=uuid.uuid4(),
                account_number="15030540007", copayment_ore=20400, fee_ore=5500, amount_ore=25900,
                issued_on=date(2026, 3, 3), due_date=date(2026, 3, 17)))
            [sms] = await eventually(lambda: notify.sms.to("+4791330001"), what="the invoice SMS")
            assert sms["text"] == ("Du har fått en faktura fra legekontoret på 259,00 kr med forfall 17.03.2026. "
                                   "Giroen finner du i ePortalen.")
            await eventually(lambda: len(billing.asked) >= 4, what="notify asking billing again and again")
            assert notify.mail.to("kari.giro@example.no") == []
            [email] = [r for r in await notify.deliveries(issued.event_id) if r["channel"] == "email"]
            assert (email["state"], email["attempts"]) == ("queued", 0)  # waiting is not a failed try
            assert email["deferrals"] >= 3

            billing.up = True
            [mail] = await eventually(lambda: notify.mail.to("kari.giro@example.no"), what="the invoice e-mail")
            assert mail["subject"] == "Faktura fra legekontoret"
            assert mail["attachments"] == [{"filename": "faktura-0000000018.pdf", "content_type": "application/pdf",
                                            "size": len(PDF)}]
            assert "259,00 kr" in mail["text"]
            assert "KID 0000000018" in mail["text"]
            assert set(billing.asked) == {str(invoice_id)}
            [email] = [r for r in await notify.deliveries(issued.event_id) if r["channel"] == "email"]
            assert (email["state"], email["attempts"]) == ("sent", 1)
    finally:
        await server.stop()


def test_the_giro_rides_as_a_pdf_attachment_with_a_stable_message_id() -> None:
    from notify.adapters.mail import Attachment, SmtpMailer
    mailer = SmtpMailer("127.0.0.1", 25, "Legekontoret <ikke-svar@legekontoret.example>")
    delivery = str(uuid.uuid4())
    msg = mailer.message("kari@example.no", "Faktura", "Hei!", delivery, (Attachment("faktura.pdf", PDF),))
    parsed = message_from_bytes(msg.as_bytes(), policy=policy.default)
    assert isinstance(parsed, EmailMessage)
    [part] = list(parsed.iter_attachments())
    assert (part.get_filename(), part.get_content_type(), part.get_payload(decode=True)) == (
        "faktura.pdf", "application/pdf", PDF)
    assert str(parsed["Message-ID"]) == f"<{delivery}@eportal.notify>"
    # Every try of one delivery carries the same Message-ID, so a mail client shows a repeat once.
    assert mailer.message("kari@example.no", "Faktura", "Hei!", delivery)["Message-ID"] == parsed["Message-ID"]


async def test_the_mail_sink_speaks_smtp() -> None:
    import aiosmtplib

    from notify.adapters.sinks import SmtpServer
    sink = MailSink()
    server = SmtpServer(sink, "127.0.0.1", 0)
    await server.start()
    try:
        msg = EmailMessage()
        msg["From"], msg["To"], msg["Subject"] = "a@example.no", "b@example.no", "Hei"
        msg.set_content("Hallo")
        await aiosmtplib.send(msg, hostname="127.0.0.1", port=server.port)
        [got] = sink.to("B@example.no")
        assert (got["subject"], got["text"].strip(), got["attachments"]) == ("Hei", "Hallo", [])
    finally:
        await server.stop()
