"""Through the running system: every trigger of the notification rules reaches the SMS sink (and the mail
sink, the patient having an e-mail address) exactly once, with no health detail, the invoice e-mail with
billing's real giro PDF, and staff see every delivery as sent.

Triggers come from the real services where they are built: identity's registry (and its login, once it
answers), booking (booked, cancelled by the patient and by the clinic, the reminder when the clock
reaches the morning before), econsult (answered, declined) and billing (the invoice on the answer, and
overdue when the clock passes the due date). Events whose producers are not built yet (the login code
before identity's login, the prescription decisions) are put on their topics as those producers would.
"""

from __future__ import annotations

import re
import secrets
import uuid
from collections import Counter
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import httpx
import pytest

from contracts.envelope import Envelope, Event
from contracts.events import LoginCodeRequested, PrescriptionSent, RenewalRejected
from kit.clock import OSLO
from kit.demo import synthetic_national_id
from kit.working_days import WorkingDays
from notify.domain.templates import TEMPLATES
from notify.settings import NotifySettings
from tests.support.eventually import eventually
from tests.support.infra import Infrastructure
from tests.support.kafka import produce
from tests.support.system import System

pytestmark = pytest.mark.stack

QUESTION = "Kan jeg ta Paracet sammen med Ibux mot vondt i kneet?"
ANSWER = "Ja, Paracet og Ibux kan tas sammen i kort tid."
REASON = "Vondt i ryggen etter fall"
# Words of the question, the answer, the decline reason and the reason for the visit: never in a message.
FORBIDDEN = re.compile(r"\b(paracet|ibux|kneet|ryggen|fall|ja, paracet|bestill time hos meg)\b", re.IGNORECASE)


def next_quiet_week() -> datetime:
    """Monday 10:00 of a week whose Monday to Thursday are working days."""
    today = datetime.now(OSLO).date()
    monday = today + timedelta(days=7 - today.weekday())
    while not all(WorkingDays().is_working_day(monday + timedelta(days=n)) for n in range(4)):
        monday += timedelta(days=7)
    return datetime.combine(monday, time(10, 0), tzinfo=OSLO)


def kind_of(text: str, channel: str) -> str:
    """Which template a received text came from: the one whose fixed words, in order around its facts, begin the
    text (two templates may begin alike: a reminder that may still be cancelled online and one that may not); the
    one with the most fixed words where two match."""
    def words(kind: str) -> list[str]:
        template = TEMPLATES[kind]
        return re.split(r"\{[^}]+\}", template.sms if channel == "sms" else template.email)
    text = text.replace("\r\n", "\n")  # SMTP's line ends
    matches = [k for k in TEMPLATES if "".join(words(k))
               and re.match(".+?".join(re.escape(w) for w in words(k)), text, re.DOTALL)]
    assert matches, text
    return max(matches, key=lambda k: len("".join(words(k))))


class Clinic:
    def __init__(self, system: System, infra: Infrastructure, gateway: httpx.AsyncClient,
                 internal: httpx.AsyncClient) -> None:
        self.system = system
        self.gw = gateway
        self.http = internal
        self.kafka = NotifySettings(env="test", database_url="postgresql://unused@127.0.0.1:1/x",
                                    kafka_bootstrap=infra.kafka_bootstrap, topic_prefix=system.topic_prefix)

    def url(self, service: str, path: str) -> str:
        return f"{self.system.service_urls[service]}{path}"

    async def call(self, method: str, service: str, path: str, expect: int = 200, **kwargs: Any) -> Any:
        response = await self.http.request(method, self.url(service, path), **kwargs)
        assert response.status_code == expect, response.text
        return response.json()

    async def publish(self, event: Event) -> None:
        """As the event's producer's outbox relay would."""
        envelope = Envelope.wrap(event, occurred_at=datetime.now(UTC), correlation_id="e2e-notify")
        await produce(self.kafka, envelope.model_dump_json().encode(), key=envelope.aggregate_id.encode(),
                      topic=event.topic)

    async def sms(self, mobile: str) -> list[dict[str, Any]]:
        response = await self.gw.get("/dev/sms", params={"to": mobile})
        assert response.status_code == 200, response.text
        items: list[dict[str, Any]] = response.json()["items"]
        return items

    async def mail(self, address: str) -> list[dict[str, Any]]:
        response = await self.gw.get("/dev/mail", params={"to": address})
        assert response.status_code == 200, response.text
        items: list[dict[str, Any]] = response.json()["items"]
        return items


async def test_every_trigger_reaches_the_sinks_once_without_health_details(
        live_system: System, infra: Infrastructure) -> None:
    monday = next_quiet_week()
    live_system.move_clock(monday - datetime.now(UTC))
    try:
        async with live_system.client() as gw, httpx.AsyncClient(timeout=30) as internal:
            clinic = Clinic(live_system, infra, gw, internal)
            await run_the_week(clinic, monday)
    finally:
        live_system.reset_clock()


async def run_the_week(clinic: Clinic, monday: datetime) -> None:
    gp = uuid.uuid4()
    born = date(1950, 1, 1) + timedelta(days=secrets.randbelow(20_000))
    national_id = synthetic_national_id(born, secrets.randbelow(1000))
    mobile = f"+4798{secrets.randbelow(10**6):06d}"
    email = f"kari.{secrets.token_hex(4)}@example.no"
    patient = (await clinic.call("POST", "identity", "/internal/patients", expect=201, json={
        "national_id": national_id, "name": "Kari Nordmann", "birth_date": born.isoformat(), "mobile": mobile,
        "email": email, "gp_id": str(gp), "first_contact_done": True}))["id"]

    # The login code at once, within milliseconds of the registration: identity's event says whose login it is, so it
    # is in the patient's list though the registration reaches notify's directory on another topic a moment later.
    # The login code: through identity's login where it answers, else as identity would send it.
    login = await clinic.gw.post("/api/v1/auth/login", json={"national_id": national_id})
    if login.status_code in (404, 405, 500, 501):
        await clinic.publish(LoginCodeRequested(challenge_id=uuid.uuid4(), mobile=mobile, code="537104",
                                                expires_at=datetime.now(UTC) + timedelta(days=30),
                                                patient_id=uuid.UUID(patient)))
    else:
        assert login.status_code == 202, login.text

    # Booking: booked and cancelled by the patient, booked and cancelled by the clinic, booked and reminded.
    thursday = monday.date() + timedelta(days=3)
    slots = []
    for minute in (0, 20, 40):
        start = datetime.combine(thursday, time(9, minute), tzinfo=OSLO)
        slots.append((await clinic.call("POST", "booking", "/internal/slots", expect=201, json={
            "doctor_id": str(gp), "start": start.isoformat(), "minutes": 20}))["id"])

    async def bookable() -> bool:
        response = await clinic.http.get(clinic.url("booking", "/internal/slots"), params={
            "patient_id": patient, "from": thursday.isoformat(), "to": thursday.isoformat()})
        return response.status_code == 200 and len(response.json()["slots"]) == 3
    await eventually(bookable, "the patient in booking's directory", timeout=120)

    async def book(slot: str) -> str:
        booked = await clinic.call("POST", "booking", "/internal/appointments", expect=201,
                                   json={"patient_id": patient, "slot_id": slot, "reason": REASON})
        return str(booked["id"])

    first = await book(slots[0])
    await clinic.call("POST", "booking", f"/internal/appointments/{first}/cancel",
                      json={"by": "patient", "patient_id": patient})
    second = await book(slots[1])
    await clinic.call("POST", "booking", f"/internal/appointments/{second}/cancel", json={"by": "staff"})
    await book(slots[2])

    async def kinds_on_sms() -> Counter[str]:
        return Counter(kind_of(m["text"], "sms") for m in await clinic.sms(mobile))

    # Confirmed on Monday, while Thursday 09:00 may still be cancelled online (until Wednesday 09:00): each
    # confirmation says until when. Wait for them before the clock moves past that deadline.
    async def confirmed() -> bool:
        return (await kinds_on_sms())["appointment_booked"] == 3
    await eventually(confirmed, "the three confirmations", timeout=120)

    # The morning of the day before: booking's reminder job finds it. The online cancel closed at 09:00, so the
    # reminder says to phone instead.
    clinic.system.move_clock(datetime.combine(thursday - timedelta(days=1), time(10, 5), tzinfo=OSLO) - monday)

    async def reminded() -> bool:
        return (await kinds_on_sms())["appointment_reminder_too_late_to_cancel_online"] == 1
    await eventually(reminded, "the reminder SMS", timeout=120)

    # eConsultation: one answered (and so invoiced by billing), one declined.
    await clinic.call("PUT", "econsult", f"/internal/availability/{gp}", json={"open": True})

    async def ask() -> str:
        asked = await clinic.http.post(clinic.url("econsult", "/internal/econsultations"),
                                       json={"patient_id": patient, "text": QUESTION, "accepted_terms": True})
        return str(asked.json()["id"]) if asked.status_code == 201 else ""
    answered = await eventually(ask, "econsult to know the patient", timeout=120)
    await clinic.call("POST", "econsult", f"/internal/econsultations/{answered}/answer",
                      json={"doctor_id": str(gp), "text": ANSWER})
    declined = await eventually(ask, "a second eConsultation", timeout=120)
    await clinic.call("POST", "econsult", f"/internal/econsultations/{declined}/decline",
                      json={"doctor_id": str(gp), "reason": "Bestill time hos meg, så ser vi på kneet."})

    # Prescriptions: the doctor's decisions, as prescription would publish them.
    renewal_at = datetime.now(UTC)
    await clinic.publish(PrescriptionSent(renewal_id=uuid.uuid4(), patient_id=uuid.UUID(patient), doctor_id=gp,
                                          medication_ids=[uuid.uuid4()], sent_at=renewal_at))
    await clinic.publish(RenewalRejected(renewal_id=uuid.uuid4(), patient_id=uuid.UUID(patient), doctor_id=gp,
                                         medication_ids=[uuid.uuid4()]))

    async def invoiced() -> list[dict[str, Any]]:
        found = await clinic.call("GET", "billing", "/internal/invoices", params={"patient_id": patient})
        items: list[dict[str, Any]] = found["items"]
        return items
    [invoice] = await eventually(invoiced, "billing's invoice for the answer", timeout=120)

    # Past the due date: billing's overdue job.
    due = date.fromisoformat(invoice["due_date"])
    clinic.system.move_clock(datetime.combine(due + timedelta(days=1), time(12, 0), tzinfo=OSLO) - monday)

    expected = Counter({"login_code": 1, "appointment_booked": 3, "appointment_cancelled_by_patient": 1,
                        "appointment_cancelled_by_clinic": 1, "appointment_reminder_too_late_to_cancel_online": 1,
                        "econsult_answered": 1,
                        "econsult_declined": 1, "prescription_sent": 1, "renewal_rejected": 1, "invoice_issued": 1,
                        "invoice_overdue": 1})

    async def all_sms() -> bool:
        return await kinds_on_sms() == expected
    try:
        await eventually(all_sms, "every SMS", timeout=120)
    except AssertionError:
        raise AssertionError(f"SMS kinds: {await kinds_on_sms()}, expected {expected}") from None

    mail_expected = expected - Counter({"login_code": 1})

    async def kinds_by_mail() -> Counter[str]:
        return Counter(kind_of(m["text"], "email") for m in await clinic.mail(email))

    async def all_mail() -> bool:
        return await kinds_by_mail() == mail_expected
    try:
        await eventually(all_mail, "every e-mail", timeout=120)
    except AssertionError:
        raise AssertionError(f"mail kinds: {await kinds_by_mail()}, expected {mail_expected}") from None

    messages = [m["text"] for m in await clinic.sms(mobile)] + [
        f"{m['subject']}\n{m['text']}" for m in await clinic.mail(email)]
    for text in messages:
        assert not FORBIDDEN.search(text), text
    [giro_mail] = [m for m in await clinic.mail(email) if kind_of(m["text"], "email") == "invoice_issued"]
    [attachment] = giro_mail["attachments"]
    assert attachment["content_type"] == "application/pdf"
    assert attachment["filename"] == f"faktura-{invoice['kid']}.pdf"
    assert attachment["size"] > 1000
    assert f"KID {invoice['kid']}" in giro_mail["text"]

    # Staff's view: every delivery sent once, no text.
    deliveries = await clinic.call("GET", "notify", f"/internal/patients/{patient}/deliveries")
    states = Counter((d["kind"], d["channel"], d["state"]) for d in deliveries["items"])
    assert states == Counter({(k, "sms", "sent"): n for k, n in expected.items()}) + Counter(
        {(k, "email", "sent"): n for k, n in mail_expected.items()})
    assert "537104" not in str(deliveries)
