"""The chaos run (issue 11): mixed patient and doctor commands through the gateway of a running system while
a driver SIGKILLs, at random moments, the Kafka broker, every service (each holds its outbox relay and its
consumers) and the gateway, several times each, and restarts PostgreSQL once. Afterwards every invariant is
checked in the databases and the report gives the counts.

    python -m tests.chaos.run --commands 10000 --kills 3      # make chaos
    (tests/chaos/test_chaos_short.py runs a few hundred commands, each kill once, in make test)

It uses a stack instance of its own (`chaos`: PostgreSQL 55436, Kafka 59492), never the test instance.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import secrets
import signal
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import httpx

from billing.domain.invoice import status_after
from billing.domain.kid import is_valid_kid
from kit.clock import OSLO
from tests.support.eventually import eventually
from tests.support.infra import LocalProcesses, delete_topics
from tests.support.portal import Session, add_staff, log_in_patient, log_in_staff, register_patient
from tests.support.system import SERVICES, System, in_flight, quiet, start_system, stop_system

TARGETS = ("kafka", *SERVICES, "gateway")
MEDICINES = (("Metformin", "500 mg", "A10BA02"), ("Levaxin", "50 mikrog", "H03AA01"))


@dataclass
class Accepted:
    """What the system said yes to (2xx): each must have exactly its events afterwards."""
    booked: set[str] = field(default_factory=set)
    cancelled: set[str] = field(default_factory=set)
    renewals: set[str] = field(default_factory=set)
    decided: set[str] = field(default_factory=set)
    asked: set[str] = field(default_factory=set)
    answered: set[str] = field(default_factory=set)
    paid: set[str] = field(default_factory=set)  # payment ids the billing office registered


@dataclass
class Clinic:
    doctors: list[Session]
    patients: list[tuple[Session, list[str]]]  # session, medication ids
    reception: Session | None = None  # cancels appointments at any time (a patient may not at weekends)
    office: Session | None = None  # the billing office: registers payments
    appointments: dict[str, Session] = field(default_factory=dict)


class Chaos:
    def __init__(self, system: System, infra: LocalProcesses, rng: random.Random) -> None:
        self.system, self.infra, self.rng = system, infra, rng
        self.accepted = Accepted()
        self.outcomes: Counter[str] = Counter()
        self.kills: Counter[str] = Counter()
        self.pg_restarts = 0
        self.server_errors: list[str] = []

    # --- set-up, through the public API ---------------------------------------------------------------

    async def clinic(self, http: httpx.AsyncClient, doctors: int, patients_each: int) -> Clinic:
        clinic = Clinic([], [])
        clinic.reception = await log_in_staff(http, *await add_staff(self.system, "reception"))
        clinic.office = await log_in_staff(http, *await add_staff(self.system, "billing"))
        for n in range(doctors):
            doctor = await log_in_staff(http, *await add_staff(self.system, "doctor", name=f"Dr. Kaos {n}"))
            clinic.doctors.append(doctor)
            await _ok(http.put("/api/v1/staff/econsult-availability", headers=doctor.headers, json={"open": True}))
            # The set-up goes to the services' own APIs, as the other set-up helpers do: making weeks of slots is
            # a while on a loaded machine, and the gateway's upstream timeout would refuse a set-up that is slow.
            async with httpx.AsyncClient(timeout=120) as internal:
                await _ok(internal.post(f"{self.system.service_urls['booking']}/internal/templates", json={
                    "doctor_id": str(doctor.subject_id), "weekdays": [1, 2, 3, 4, 5], "day_starts": "08:00",
                    "day_ends": "15:00", "slot_minutes": 10,
                    "valid_from": (date.today() + timedelta(days=3)).isoformat()}))
            for _ in range(patients_each):
                patient = await register_patient(self.system, doctor.subject_id)
                ids = [await self._medicine(http, doctor, patient.id, m) for m in MEDICINES]
                clinic.patients.append((await log_in_patient(http, patient.national_id, patient.mobile), ids))
        return clinic

    async def _medicine(self, http: httpx.AsyncClient, doctor: Session, patient_id: Any,
                        medicine: tuple[str, str, str]) -> str:
        name, strength, atc = medicine

        async def made() -> str | None:  # prescription hears of the new patient from identity's event
            async with httpx.AsyncClient(timeout=120) as internal:
                answer = await internal.post(
                    f"{self.system.service_urls['prescription']}/internal/patients/{patient_id}/medications",
                    json={"doctor_id": str(doctor.subject_id), "name": name, "strength": strength, "atc_code": atc,
                          "reseptgruppe": "C", "fixed": True, "prescribed_by": "here"})
            return str(answer.json()["id"]) if answer.status_code == 201 else None
        return await eventually(made, "prescription to know the new patient")

    # --- the commands -----------------------------------------------------------------------------------

    async def command(self, http: httpx.AsyncClient, clinic: Clinic) -> None:
        roll = self.rng.random()
        me, medicines = self.rng.choice(clinic.patients)
        try:
            if roll < 0.27:
                await self._book(http, clinic, me)
            elif roll < 0.34:
                await self._cancel(http, clinic)
            elif roll < 0.39:
                await self._staff_cancel(http, clinic)
            elif roll < 0.52:
                await self._renew(http, me, medicines)
            elif roll < 0.65:
                await self._ask(http, me)
            elif roll < 0.77:
                await self._answer(http, self.rng.choice(clinic.doctors))
            elif roll < 0.88:
                await self._decide(http, self.rng.choice(clinic.doctors))
            elif roll < 0.94:
                await self._pay(http, clinic)
            else:
                await self._read(http, me)
        except (httpx.HTTPError, ValueError, KeyError) as exc:  # a killed process mid-answer: ambiguous
            self.outcomes[f"no answer:{type(exc).__name__}"] += 1
            await asyncio.sleep(0.3)  # the gateway itself is down: a client would wait before trying again

    def _count(self, what: str, response: httpx.Response) -> bool:
        self.outcomes[f"{what}:{response.status_code}"] += 1
        if response.status_code == 500:  # never: an outage is a 503 (or 502 from the gateway), a refusal a 4xx
            self.server_errors.append(f"{response.request.method} {response.request.url.path}: {response.text[:300]}")
        return response.is_success

    async def _book(self, http: httpx.AsyncClient, clinic: Clinic, me: Session) -> None:
        start = date.today() + timedelta(days=3)
        slots = await http.get("/api/v1/slots", headers=me.headers, params={
            "from": start.isoformat(), "to": (start + timedelta(days=40)).isoformat()})
        if not self._count("slots", slots) or not slots.json().get("slots"):
            return
        slot = self.rng.choice(slots.json()["slots"])
        booked = await http.post("/api/v1/appointments", headers=me.headers, json={"slot_id": slot["id"]})
        if self._count("book", booked):
            self.accepted.booked.add(booked.json()["id"])
            clinic.appointments[booked.json()["id"]] = me

    async def _cancel(self, http: httpx.AsyncClient, clinic: Clinic) -> None:
        if not clinic.appointments:
            return
        appointment = self.rng.choice(sorted(clinic.appointments))
        me = clinic.appointments.pop(appointment)
        cancelled = await http.delete(f"/api/v1/appointments/{appointment}", headers=me.headers)
        if self._count("cancel", cancelled):
            self.accepted.cancelled.add(appointment)

    async def _staff_cancel(self, http: httpx.AsyncClient, clinic: Clinic) -> None:
        if not clinic.appointments or clinic.reception is None:
            return
        appointment = self.rng.choice(sorted(clinic.appointments))
        clinic.appointments.pop(appointment)
        cancelled = await http.delete(f"/api/v1/staff/appointments/{appointment}", headers=clinic.reception.headers)
        if self._count("staff_cancel", cancelled):
            self.accepted.cancelled.add(appointment)

    async def _pay(self, http: httpx.AsyncClient, clinic: Clinic) -> None:
        """The billing office registers a payment of an open invoice: the outstanding amount, or a part of it."""
        if clinic.office is None:
            return
        found = await http.get("/api/v1/staff/invoices", headers=clinic.office.headers,
                               params={"status": self.rng.choice(["open", "part_paid"]), "limit": 50})
        if not self._count("invoices", found) or not found.json()["items"]:
            return
        invoice = self.rng.choice(found.json()["items"])
        outstanding = max(1, int(invoice["outstanding_ore"]))
        paid = await http.post("/api/v1/staff/payments", headers=clinic.office.headers, json={
            "kid": invoice["kid"], "amount_ore": self.rng.choice([outstanding, max(1, outstanding // 2)]),
            "paid_on": date.today().isoformat()})
        if self._count("pay", paid):
            self.accepted.paid.add(paid.json()["payment_id"])

    async def _renew(self, http: httpx.AsyncClient, me: Session, medicines: list[str]) -> None:
        asked = await http.post("/api/v1/renewals", headers=me.headers,
                                json={"medication_ids": self.rng.sample(medicines, self.rng.randint(1, 2))})
        if self._count("renew", asked):
            self.accepted.renewals.add(asked.json()["id"])

    async def _ask(self, http: httpx.AsyncClient, me: Session) -> None:
        asked = await http.post("/api/v1/econsultations", headers=me.headers,
                                json={"text": "Kan jeg ta paracet sammen med ibux?", "accepted_terms": True})
        if self._count("ask", asked):
            self.accepted.asked.add(asked.json()["id"])

    async def _inbox(self, http: httpx.AsyncClient, doctor: Session, kind: str) -> list[dict[str, Any]]:
        inbox = await http.get("/api/v1/staff/inbox", headers=doctor.headers)
        if not self._count("inbox", inbox):
            return []
        return [i for i in inbox.json()["items"] if i["kind"] == kind]

    async def _answer(self, http: httpx.AsyncClient, doctor: Session) -> None:
        open_ = await self._inbox(http, doctor, "econsult")
        if open_:
            item = self.rng.choice(open_)
            answered = await http.post(f"/api/v1/staff/econsultations/{item['id']}/answer", headers=doctor.headers,
                                       json={"text": "Ja, det går fint i vanlige doser."})
            if self._count("answer", answered):
                self.accepted.answered.add(item["id"])

    async def _decide(self, http: httpx.AsyncClient, doctor: Session) -> None:
        open_ = await self._inbox(http, doctor, "renewal")
        if open_:
            item = self.rng.choice(open_)
            found = await http.get(f"/api/v1/staff/renewals/{item['id']}", headers=doctor.headers)
            if not self._count("renewal", found):
                return
            decided = await http.post(f"/api/v1/staff/renewals/{item['id']}/decision", headers=doctor.headers, json={
                "items": [{"medication_id": i["medication_id"], "approve": True} for i in found.json()["items"]]})
            if self._count("decide", decided):
                self.accepted.decided.add(item["id"])

    async def _read(self, http: httpx.AsyncClient, me: Session) -> None:
        for path in ("/api/v1/appointments", "/api/v1/renewals", "/api/v1/econsultations", "/api/v1/invoices"):
            self._count("read", await http.get(path, headers=me.headers))

    # --- the killer -------------------------------------------------------------------------------------

    async def killer(self, kills_each: int, pause: float, stop: asyncio.Event) -> None:
        plan = [t for t in TARGETS for _ in range(kills_each)]
        self.rng.shuffle(plan)
        restart_pg_at = len(plan) // 2
        for n, target in enumerate(plan):
            await asyncio.sleep(self.rng.uniform(pause * 0.5, pause * 1.5))
            if n == restart_pg_at:
                await asyncio.to_thread(self.infra.restart_postgres)
                self.pg_restarts += 1
            if target == "kafka":
                await asyncio.to_thread(self.infra.kill_kafka)
                await asyncio.sleep(self.rng.uniform(0.5, 3))
                await asyncio.to_thread(self.infra.start_kafka)
            else:
                self.system.kill(target, signal.SIGKILL)
                await asyncio.sleep(self.rng.uniform(0.2, 2))
                await asyncio.to_thread(self.system.start, target)
            self.kills[target] += 1
        stop.set()

    async def run(self, commands: int, workers: int, kills_each: int, pause: float, clinic: Clinic) -> float:
        done = asyncio.Event()
        started = time.monotonic()
        issued = 0

        async def worker() -> None:
            nonlocal issued
            async with httpx.AsyncClient(base_url=self.system.gateway_url, timeout=15) as http:
                while issued < commands or not done.is_set():
                    issued += 1
                    await self.command(http, clinic)

        await asyncio.gather(self.killer(kills_each, pause, done), *(worker() for _ in range(workers)))
        self.outcomes["commands"] = issued
        return time.monotonic() - started


async def _ok(call: Any) -> httpx.Response:
    response: httpx.Response = await call
    assert response.is_success, response.text
    return response


# --- afterwards: quiet, then the invariants -----------------------------------------------------------------


async def _db(system: System, service: str) -> asyncpg.Connection:
    return await asyncpg.connect(system.dsns[service])


async def quiesce(system: System, accepted: Accepted, timeout: float = 240) -> float:
    """Drain to a known point: nothing in flight (every outbox published, every consumer at the end of what it
    reads, nothing queued to send) and every answered eConsultation billed. -1: not within `timeout`."""
    started = time.monotonic()

    async def drained() -> bool:
        conn = await _db(system, "billing")
        try:
            billed = await conn.fetchval("SELECT count(*) FROM econsult_charges WHERE econsult_id = ANY($1)",
                                         [*map(_uuid, accepted.answered)])
        finally:
            await conn.close()
        return billed == len(accepted.answered) and await quiet(system)
    try:
        await eventually(drained, "the system to quiesce", timeout=timeout, pause=0.5)
    except AssertionError:
        return -1.0
    return time.monotonic() - started


def _uuid(value: str) -> Any:
    import uuid
    return uuid.UUID(value)


# What names the accepted object in its event: the Kafka key (the aggregate), or a field of the payload.
EVENT_KEYS = {"message_key": "message_key", "payment_id": "envelope->'payload'->>'payment_id'"}


async def events_of(system: System, service: str, event_type: str, ids: set[str],
                    by: str = "message_key") -> Counter[str]:
    key = EVENT_KEYS[by]
    conn = await _db(system, service)
    try:
        rows = await conn.fetch(f"""SELECT {key} AS message_key, count(*) AS n FROM outbox
                                    WHERE envelope->>'event_type' = $1 AND {key} = ANY($2::text[])
                                    GROUP BY 1""", event_type, sorted(ids))
    finally:
        await conn.close()
    return Counter({r["message_key"]: r["n"] for r in rows})


async def check(system: System, accepted: Accepted) -> dict[str, Any]:
    """Every invariant, with counts; `ok` is false if any fails."""
    report: dict[str, Any] = {}
    failures: list[str] = []

    async def exactly_once(name: str, service: str, event_type: str, ids: set[str], by: str = "message_key") -> None:
        counts = await events_of(system, service, event_type, ids, by)
        wrong = {i: counts.get(i, 0) for i in ids if counts.get(i, 0) != 1}
        report[name] = {"accepted": len(ids), "with_exactly_one_event": len(ids) - len(wrong)}
        if wrong:
            failures.append(f"{name}: {len(wrong)} accepted without exactly one {event_type}: "
                            f"{dict(list(wrong.items())[:5])}")

    await exactly_once("bookings", "booking", "AppointmentBooked", accepted.booked)
    await exactly_once("cancellations", "booking", "AppointmentCancelled", accepted.cancelled)
    await exactly_once("renewals", "prescription", "RenewalRequested", accepted.renewals)
    await exactly_once("approvals", "prescription", "PrescriptionSent", accepted.decided)
    await exactly_once("econsultations", "econsult", "EConsultSubmitted", accepted.asked)
    await exactly_once("answers", "econsult", "EConsultAnswered", accepted.answered)
    await exactly_once("payments", "billing", "InvoicePaid", accepted.paid, by="payment_id")

    conn = await _db(system, "booking")
    try:
        doubles = await conn.fetchval("""SELECT count(*) FROM (SELECT slot_id FROM appointments
                                         WHERE cancelled_at IS NULL GROUP BY slot_id HAVING count(*) > 1) d""")
        report["patients_booking"] = await conn.fetchval("SELECT count(DISTINCT patient_id) FROM appointments")
        twice = await conn.fetchval("""SELECT count(*) FROM (SELECT patient_id FROM appointments
                                       WHERE cancelled_at IS NULL AND starts_at > now()
                                       GROUP BY patient_id HAVING count(*) > 1) d""")
    finally:
        await conn.close()
    report["double_bookings"], report["patients_with_two"] = doubles, twice
    if doubles or twice:
        failures.append(f"double bookings {doubles}, patients with two future appointments {twice}")

    conn = await _db(system, "billing")
    try:
        answered = [*map(_uuid, accepted.answered)]
        decisions = await conn.fetchval("SELECT count(*) FROM econsult_charges WHERE econsult_id = ANY($1)", answered)
        invoices = await conn.fetch("""SELECT econsult_id, count(*) AS n FROM invoices WHERE econsult_id = ANY($1)
                                       GROUP BY econsult_id""", answered)
        exempt = await conn.fetchval("""SELECT count(*) FROM econsult_charges WHERE econsult_id = ANY($1)
                                        AND exempt_reason IS NOT NULL""", answered)
        books = await conn.fetch("""SELECT i.kid, i.amount_ore, i.paid_ore, i.status,
                                           coalesce((SELECT sum(p.amount_ore) FROM payments p
                                                     WHERE p.invoice_id = i.id), 0) AS payments
                                    FROM invoices i""")
    finally:
        await conn.close()
    report["invoices"] = {"answered": len(answered), "decided": decisions, "invoiced": len(invoices),
                          "exempt": exempt, "more_than_one": sum(1 for r in invoices if r["n"] > 1)}
    if decisions != len(answered) or len(invoices) + exempt != len(answered) or any(r["n"] > 1 for r in invoices):
        failures.append(f"invoices: {report['invoices']}")
    unbalanced = [r["kid"] for r in books if r["paid_ore"] != r["payments"]
                  or r["status"] != status_after(r["amount_ore"], r["paid_ore"])]
    bad_kids = [r["kid"] for r in books if not is_valid_kid(r["kid"])]
    report["ledger"] = {"invoices": len(books), "kids_unique": len({r["kid"] for r in books}) == len(books),
                        "kids_invalid": len(bad_kids), "balance_or_status_wrong": len(unbalanced)}
    if unbalanced or bad_kids or not report["ledger"]["kids_unique"]:
        failures.append(f"ledger: {report['ledger']}: {(unbalanced + bad_kids)[:5]}")

    conn = await _db(system, "notify")
    try:
        per_channel = await conn.fetchval("""SELECT count(*) FROM (SELECT event_id, channel FROM deliveries
                                             GROUP BY 1, 2 HAVING count(*) > 1) d""")
        states = {r["state"]: r["n"] for r in await conn.fetch(
            "SELECT state, count(*) AS n FROM deliveries GROUP BY state")}
    finally:
        await conn.close()
    report["notifications"] = {"by_state": states, "events_with_two_messages_on_a_channel": per_channel}
    if per_channel:
        failures.append(f"{per_channel} events with more than one message on a channel")

    unpublished, inbox_twice, dead = {}, {}, {}
    for service in SERVICES:
        conn = await _db(system, service)
        try:
            unpublished[service] = await conn.fetchval("SELECT count(*) FROM outbox WHERE published_at IS NULL")
            inbox_twice[service] = await conn.fetchval("""SELECT count(*) FROM (SELECT consumer, event_id FROM inbox
                                                          GROUP BY 1, 2 HAVING count(*) > 1) d""")
            dead[service] = [dict(r) for r in await conn.fetch(
                "SELECT consumer, topic, event_type, error FROM dead_letters ORDER BY id LIMIT 20")]
        finally:
            await conn.close()
    report["unpublished_outbox_rows"], report["inbox_duplicates"] = unpublished, inbox_twice
    report["dead_letters"] = {s: len(d) for s, d in dead.items()}
    report["dead_letter_entries"] = {s: d for s, d in dead.items() if d}
    if any(unpublished.values()):
        failures.append(f"unpublished outbox rows: {unpublished}")
    if any(inbox_twice.values()):
        failures.append(f"inbox duplicates: {inbox_twice}")
    if any(dead.values()):  # each entry must be explained: none is expected from well-formed commands
        failures.append(f"dead letters: {report['dead_letter_entries']}")
    report["failures"], report["ok"] = failures, not failures
    return report


async def chaos(commands: int, kills_each: int, workers: int, doctors: int, patients_each: int, pause: float,
                seed: int, workdir: Path) -> dict[str, Any]:
    infra = LocalProcesses("chaos")
    system = await asyncio.to_thread(start_system, infra, workdir)
    try:
        driver = Chaos(system, infra, random.Random(seed))  # chaos timing, not security
        async with system.client() as http:
            clinic = await driver.clinic(http, doctors, patients_each)
        took = await driver.run(commands, workers, kills_each, pause, clinic)
        quiet = await quiesce(system, driver.accepted)
        report = await check(system, driver.accepted)
        report["server_errors"] = len(driver.server_errors)
        if driver.server_errors:
            report["ok"] = False
            report["failures"].append(f"{len(driver.server_errors)} answers were 500: {driver.server_errors[:5]}")
        report.update({"commands": driver.outcomes.pop("commands"), "seconds": round(took, 1),
                       "quiesced_in_seconds": round(quiet, 1), "kills": dict(driver.kills),
                       "postgres_restarts": driver.pg_restarts, "outcomes": dict(sorted(driver.outcomes.items())),
                       "seed": seed, "at": datetime.now(OSLO).isoformat(timespec="seconds")})
        if quiet < 0:
            report["ok"] = False
            report["failures"].append(f"the system did not quiesce: {await in_flight(system)}")
        return report
    finally:
        await asyncio.to_thread(stop_system, system, infra)
        await asyncio.to_thread(delete_topics, infra.kafka_bootstrap, system.topic_prefix)


def table(report: dict[str, Any]) -> str:
    """The invariant table: what was checked, how many, how many broke it."""
    rows: list[tuple[str, int, int]] = []
    for name, what in (("bookings", "bookings"), ("cancellations", "cancellations"), ("renewals", "renewal requests"),
                       ("approvals", "approvals (PrescriptionSent)"), ("econsultations", "eConsultations"),
                       ("answers", "answers"), ("payments", "payments (InvoicePaid)")):
        counts = report[name]
        rows.append((f"accepted {what} with exactly one event", counts["accepted"],
                     counts["accepted"] - counts["with_exactly_one_event"]))
    rows.append(("slots with two appointments", report["bookings"]["accepted"], report["double_bookings"]))
    rows.append(("patients with two future appointments", report["patients_booking"], report["patients_with_two"]))
    inv = report["invoices"]
    rows.append(("answers with exactly one billing decision", inv["answered"], abs(inv["answered"] - inv["decided"])))
    rows.append(("answers invoiced once unless exempt", inv["answered"],
                 abs(inv["answered"] - inv["invoiced"] - inv["exempt"]) + inv["more_than_one"]))
    ledger = report["ledger"]
    rows.append(("invoices with a valid, unique KID and balance and status that agree", ledger["invoices"],
                 ledger["kids_invalid"] + ledger["balance_or_status_wrong"] + (0 if ledger["kids_unique"] else 1)))
    notes = report["notifications"]
    rows.append(("notifications: events with two messages on a channel", sum(notes["by_state"].values()),
                 notes["events_with_two_messages_on_a_channel"]))
    services = len(report["unpublished_outbox_rows"])
    rows.append(("unpublished outbox rows (services)", services, sum(report["unpublished_outbox_rows"].values())))
    rows.append(("duplicate inbox entries (services)", services, sum(report["inbox_duplicates"].values())))
    rows.append(("dead letters (services)", services, sum(report["dead_letters"].values())))
    rows.append(("answers that were a 500 (commands)", report["commands"], report["server_errors"]))
    width = max(len(r[0]) for r in rows)
    lines = [f"{'invariant':<{width}}  {'checked':>8}  {'broken':>6}", "-" * (width + 18)]
    lines += [f"{name:<{width}}  {checked:>8}  {broken:>6}" for name, checked, broken in rows]
    lines.append("-" * (width + 18))
    lines.append(f"{report['commands']} commands in {report['seconds']} s, quiet after "
                 f"{report['quiesced_in_seconds']} s;"
                 f" SIGKILLs: {', '.join(f'{t} {n}' for t, n in report['kills'].items())};"
                 f" PostgreSQL restarts: {report['postgres_restarts']}; seed {report['seed']}")
    lines.append("every invariant held" if report["ok"] else "BROKEN: " + "; ".join(report["failures"]))
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--commands", type=int, default=10_000)
    parser.add_argument("--kills", type=int, default=3, help="SIGKILLs of each target")
    parser.add_argument("--workers", type=int, default=8)
    parser.add_argument("--doctors", type=int, default=3)
    parser.add_argument("--patients", type=int, default=25, help="patients per doctor")
    parser.add_argument("--pause", type=float, default=6.0, help="mean seconds between kills")
    parser.add_argument("--seed", type=int, default=secrets.randbelow(10**6))
    parser.add_argument("--out", type=Path, default=Path("tests/chaos/results"))
    args = parser.parse_args()
    workdir = Path(f".local/chaos-run-{args.seed}")
    workdir.mkdir(parents=True, exist_ok=True)
    report = asyncio.run(chaos(args.commands, args.kills, args.workers, args.doctors, args.patients, args.pause,
                               args.seed, workdir))
    args.out.mkdir(parents=True, exist_ok=True)
    path = args.out / f"{date.today().isoformat()}-chaos-{args.seed}.json"
    path.write_text(json.dumps(report, indent=2, default=str, ensure_ascii=False))
    print(json.dumps(report["outcomes"], indent=2, ensure_ascii=False))
    print(table(report))
    print(f"report: {path}")
    return 0 if report["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
