"""The scenarios of `make bench`, as one patient population's visits: set-up through the API (a doctor, patients
in bulk through identity's import, their log-ins, a weekly schedule), then (1) the patient traffic mix, (2) event
latency, (3) the booking rush, (5) latency as the appointments table grows and (6) a patient's /me while
anonymous clients send big bodies. What each costs is read by bench/probes.py; bench/run.py runs them in order.
"""

from __future__ import annotations

import asyncio
import csv
import io
import json
import os
import random
import secrets
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import httpx

from bench.client import Client
from bench.load import LoadResult, MixPlan, Recorder, percentile, run_load, run_paced
from bench.probes import cpu_per_request, cpu_snapshot
from kit.clock import OSLO
from kit.demo import synthetic_national_id
from kit.working_days import WorkingDays
from tests.support.infra import LocalProcesses
from tests.support.portal import Session, add_staff, log_in_staff, seen_codes, sms_code
from tests.support.system import System, in_flight, start_system, stop_system

SCALE = float(os.environ.get("BENCH_SCALE", "1"))
LIMITS = httpx.Limits(max_connections=200, max_keepalive_connections=200)
# The second traffic pass: the gateway asking identity at every request (0), against its default of 10 s.
SESSION_CACHE_SECONDS = float(os.environ.get("BENCH_SESSION_CACHE_SECONDS", "0"))
# How often the event latency probes look for the SMS or the invoice (both are timed by recorded times).
PROBE_POLL_SECONDS = 0.1
RUSH_CONNECTIONS = 64  # requests in flight at once in the rush: more only queue in the gateway
BIG_BODY = json.dumps({f"k{n}": n for n in range(300_000)}).encode()  # the login body of issue 14


# The patient traffic mix: what one visit to the portal does, and how often, out of 1. A booking is followed by its
# cancellation (the mix would otherwise run out of slots and of patients without one).
VISITS: tuple[tuple[str, float], ...] = (("me", 0.25), ("book_and_cancel", 0.30), ("medications", 0.20),
                                         ("econsultation", 0.10), ("appointments", 0.10), ("login", 0.05))


def search_window() -> tuple[str, str]:
    """The slot search's window in the mix: from three days ahead (a booking there may be cancelled the next working
    days) to a month."""
    return (date.today() + timedelta(days=3)).isoformat(), (date.today() + timedelta(days=30)).isoformat()


# The national IDs the mix's log-in visits start with (a visit's number picks one): synthetic, never a real person's.
LOGIN_IDS = tuple(synthetic_national_id(date(1901, 1, 1), n) for n in range(900))


def scaled(n: int, least: int = 1) -> int:
    return max(least, int(n * SCALE))

class Bench:
    def __init__(self, system: System, infra: LocalProcesses) -> None:
        self.system, self.infra = system, infra
        self.http = httpx.AsyncClient(base_url=system.gateway_url, timeout=60, limits=LIMITS)  # set-up
        self._load: Client | None = None
        self.rng = random.Random(20261128)
        self.registered: set[str] = set()  # national IDs of the patients made so far
        self.clock_offset = timedelta(0)  # how far the system's clock is moved from this machine's

    @property
    def load(self) -> Client:
        """The client of the measured traffic (bench/client.py), made in the running loop at first use."""
        if self._load is None:
            self._load = Client(self.system.gateway_url, connections=LIMITS.max_connections or 200)
        return self._load

    async def close(self) -> None:
        await self.http.aclose()
        if self._load is not None:
            await self._load.aclose()

    async def reconnect(self) -> None:
        """Fresh clients after the gateway restarted (their kept-alive connections are gone)."""
        await self.close()
        self.http = httpx.AsyncClient(base_url=self.system.gateway_url, timeout=60, limits=LIMITS)
        self._load = None

    # --- set-up through the API (patients in bulk through identity's own CSV import) --------------------

    async def doctor(self, name: str) -> Session:
        username, password = await add_staff(self.system, "doctor", name=name)
        doctor = await log_in_staff(self.http, username, password)
        await self.http.put("/api/v1/staff/econsult-availability", headers=doctor.headers, json={"open": True})
        return doctor

    async def patients(self, doctor: Session, count: int) -> list[tuple[str, str]]:
        """`count` patients on the doctor's list, registered in one import: (national ID, mobile)."""
        rows, people = io.StringIO(), list[tuple[str, str]]()
        writer = csv.writer(rows, delimiter=";")
        writer.writerow(["fodselsnummer", "navn", "fodselsdato", "mobil", "fastlege", "forste_kontakt"])
        while len(people) < count:
            born = date(1940, 1, 1) + timedelta(days=self.rng.randrange(25_000))
            national_id = synthetic_national_id(born, self.rng.randrange(1000))
            # Never one registered by an earlier call: identity would refuse the row, keep the first mobile, and
            # this patient's login code would go there (the rush's log-ins waited for it in vain).
            if national_id in self.registered:
                continue
            self.registered.add(national_id)
            mobile = f"+479{secrets.randbelow(10**7):07d}"
            writer.writerow([national_id, "Bench Pasient", born.isoformat(), mobile, str(doctor.subject_id), "ja"])
            people.append((national_id, mobile))
        made = await self.http.post(f"{self.system.service_urls['identity']}/internal/patients/import",
                                    content=rows.getvalue().encode(), headers={"Content-Type": "text/csv"})
        made.raise_for_status()
        refused = made.json()["refused"]
        if refused or made.json()["imported"] != len(people):  # every one of them must be able to log in
            raise RuntimeError(f"the import refused {refused[:5]}")
        return people

    async def log_in(self, people: list[tuple[str, str]], parallel: int = 40) -> list[Session]:
        gate = asyncio.Semaphore(parallel)

        async def one(national_id: str, mobile: str) -> Session:
            async with gate:
                for attempt in range(3):  # set-up, not measured: a dropped connection is tried again
                    try:
                        # A try after a dropped connection sent a second code: wait for the new one, not the first.
                        before = await seen_codes(self.http, mobile)
                        started = await self.http.post("/api/v1/auth/login", json={"national_id": national_id})
                        if started.status_code != 202:  # no code is coming: say why, not wait for it
                            raise RuntimeError(f"login start: {started.status_code} {started.text[:300]}")
                        code = await sms_code(self.http, mobile, after=before, timeout=120)
                        verified = await self.http.post("/api/v1/auth/verify", json={
                            "challenge_id": started.json()["challenge_id"], "code": code})
                        verified.raise_for_status()
                        break
                    except httpx.TransportError:
                        if attempt == 2:
                            raise
                body = verified.json()
                return Session(body["token"], uuid.UUID(body["patient"]["id"]), body["csrf_token"], body)
        return list(await asyncio.gather(*(one(n, m) for n, m in people)))

    async def weekly_slots(self, doctor: Session, minutes: int = 10) -> None:
        answer = await self.http.post("/api/v1/staff/slots", headers=doctor.headers, json={"weekly": {
            "weekdays": [1, 2, 3, 4, 5], "day_starts": "08:00", "day_ends": "16:00", "slot_minutes": minutes,
            "valid_from": (date.today() + timedelta(days=3)).isoformat()}})
        answer.raise_for_status()

    async def wait_known(self, doctor: Session, sessions: list[Session]) -> None:
        """Until booking has every patient in its directory (identity's events are on their way)."""
        conn = await asyncpg.connect(self.system.dsns["booking"])
        try:
            for _ in range(600):
                n = await conn.fetchval("SELECT count(*) FROM patient_directory WHERE gp_id = $1", doctor.subject_id)
                if n >= len(sessions):
                    return
                await asyncio.sleep(0.2)
        finally:
            await conn.close()

    async def mix_population(self, doctor_name: str, concurrency: int) -> list[Session]:
        """A GP with a weekly schedule and a hundred of their patients logged in, known to booking, the mix run once
        briefly at `concurrency` to warm pools, caches and the first imports: what make profile and bench.visits
        measure the mix on."""
        doctor = await self.doctor(doctor_name)
        await self.weekly_slots(doctor)
        sessions = await self.log_in(await self.patients(doctor, scaled(100, 20)))
        await self.wait_known(doctor, sessions)
        await self.traffic(sessions, [concurrency], 3)
        return sessions

    # --- 1. patient traffic -------------------------------------------------------------------------

    def mix_plan(self, sessions: list[Session], only: str | None = None) -> MixPlan:
        """The patients of the traffic mix, as the generator (bench/generator) runs them: each visit is the next
        patient's, round the whole population, of a kind drawn by its weight (`VISITS`), as patients' visits are;
        `only`: every visit of that kind (bench/visits.py: what each kind costs). A closed-loop client is not one
        patient for the whole run: it was until the ninth run, and the busiest patients then booked and cancelled
        hundreds of times, each GET /appointments listing up to 200 of them.

        What a visit does (bench/generator/main.go): "me" GET /api/v1/me; "book_and_cancel" the slot search over the
        window, a booking of one of its slots chosen at random (409 when another patient was first) and its
        cancellation (422 on a weekend or a holiday: patients cancel on working days only); "medications" and
        "appointments" the patient's lists; "econsultation" a question to the GP; "login" the start of a log-in
        (202, or 429 when that national ID has asked too often)."""
        assert only is None or only in {kind for kind, _ in VISITS}
        return MixPlan(base_url=self.system.gateway_url, tokens=tuple(s.token for s in sessions), visits=VISITS,
                       window=search_window(), login_ids=LOGIN_IDS, only=only, seed=self.rng.randrange(2**63),
                       connections=LIMITS.max_connections or 200)

    async def commands_alone(self, sessions: list[Session], clients: int, seconds: float) -> dict[str, Any]:
        """The booking command alone, as pgbench runs its transaction alone (the like-for-like of the comparison):
        `clients` patients, each booking a free slot of their own and cancelling it, over and over, in the closed
        loop; no search before it (the slots are found once, in the set-up) and no race for a slot. The issue's
        reading stays the mix's (`commands_vs_pgbench`): this one says what the command's own path costs. Give it
        patients the mix does not use: each leaves hundreds of cancelled bookings in its list."""
        window = search_window()
        found = await self.http.get("/api/v1/slots", headers=sessions[0].headers,
                                    params={"from": window[0], "to": window[1]})
        found.raise_for_status()
        free = [slot["id"] for slot in found.json()["slots"]]
        clients = min(clients, len(free), len(sessions))
        plan = MixPlan(base_url=self.system.gateway_url, tokens=tuple(s.token for s in sessions[:clients]),
                       visits=VISITS, window=window, login_ids=LOGIN_IDS, only="commands",
                       slots=tuple(free[:clients]), connections=LIMITS.max_connections or 200)
        before = cpu_snapshot(self.system, self.infra)
        result = await run_load(plan, clients, seconds)
        # The commands' SMS may still be on their way when the step ends (notify behind the commands): the rate
        # that counts is the one the whole system keeps up with, so the step lasts until they are sent, and so
        # does its CPU. Nothing left behind for the scenarios after it either.
        draining = await self.settled()
        lasted = result.seconds + draining
        cpu = cpu_per_request(before, cpu_snapshot(self.system, self.infra), result.total_requests, lasted)
        return {**result.as_dict(), "cpu": cpu, "drain_s": round(draining, 2),
                "sustained_rps": result.total_requests / lasted}

    async def settled(self, most_seconds: float = 180) -> float:
        """Seconds until the system has nothing on its way (tests/support/system.in_flight: outbox rows, consumers
        behind, deliveries due and not sent; a reminder queued for a later day is not on its way)."""
        started = time.monotonic()
        notify = await asyncpg.connect(self.system.dsns["notify"])
        try:
            while time.monotonic() - started < most_seconds:
                pending = await in_flight(self.system)
                pending.pop("notify queued", None)
                due = await notify.fetchval("SELECT count(*) FROM deliveries WHERE state = 'queued' "
                                            "AND next_attempt_at <= $1", datetime.now(UTC) + self.clock_offset)
                if not any(pending.values()) and not due:
                    return time.monotonic() - started
                await asyncio.sleep(0.2)
        finally:
            await notify.close()
        raise RuntimeError(f"the system still had work on its way after {most_seconds} s: {pending}, {due} SMS due")

    async def traffic(self, sessions: list[Session], steps: list[int], seconds: float) -> list[dict[str, Any]]:
        out = []
        for concurrency in steps:
            before = cpu_snapshot(self.system, self.infra)
            result = await run_load(self.mix_plan(sessions), concurrency, seconds)  # each step its own draws
            cpu = cpu_per_request(before, cpu_snapshot(self.system, self.infra), result.total_requests,
                                  result.seconds)
            out.append({**result.as_dict(), "cpu": cpu})
        return out

    async def paced(self, sessions: list[Session], requests_per_s: float, requests_per_visit: float,
                    seconds: float) -> LoadResult:
        """The traffic mix at a steady rate (open loop), e.g. 80 % of the maximum the steps found."""
        return await run_paced(self.mix_plan(sessions), requests_per_s / requests_per_visit, seconds)

    # --- 2. event latency --------------------------------------------------------------------------

    async def decision_to_sms(self, doctor: Session, people: list[tuple[str, str]], sessions: list[Session],
                              samples: int) -> list[float]:
        """From the doctor's approval (its HTTP 200) to the SMS at the provider's sink."""
        latencies = []
        for (_, mobile), me in list(zip(people, sessions, strict=True))[:samples]:
            medicine = await self.http.post(f"/api/v1/staff/patients/{me.subject_id}/medications",
                                            headers=doctor.headers, json={
                                                "name": "Metformin", "strength": "500 mg", "atc_code": "A10BA02",
                                                "reseptgruppe": "C", "fixed": True, "prescribed_by": "here"})
            if medicine.status_code != 201:
                continue
            asked = await self.http.post("/api/v1/renewals", headers=me.headers,
                                         json={"medication_ids": [medicine.json()["id"]]})
            if asked.status_code != 201:
                continue
            decided = await self.http.post(f"/api/v1/staff/renewals/{asked.json()['id']}/decision",
                                           headers=doctor.headers,
                                           json={"items": [{"medication_id": medicine.json()["id"], "approve": True}]})
            if decided.status_code != 200:
                continue
            # From the decision as prescription recorded it, not from when the 200 reached us: under load the
            # answer can arrive after the SMS. Its clock is the system's (moved by clock_offset, see bench()); the
            # sink's is this machine's own.
            at = datetime.fromisoformat(decided.json()["decided_at"]) - self.clock_offset
            # Measured from the two recorded times, so how often we look changes nothing but our own load: every
            # 20 ms through the gateway was 50 requests/s more than the 80 % the run offers.
            for _ in range(120):
                sms = (await self.http.get("/dev/sms", params={"to": mobile})).json()["items"]
                ready = [m for m in sms if "Resepten din er klar" in m["text"]]
                if ready:
                    latencies.append((datetime.fromisoformat(ready[0]["received_at"]) - at).total_seconds() * 1000)
                    break
                await asyncio.sleep(PROBE_POLL_SECONDS)
        return latencies

    async def answer_to_invoice(self, doctor: Session, sessions: list[Session], samples: int) -> list[float]:
        """From the doctor's answer (as econsult recorded it) to the invoice issued (as billing recorded it)."""
        latencies = []
        conn = await asyncpg.connect(self.system.dsns["billing"])
        econsult = await asyncpg.connect(self.system.dsns["econsult"])
        try:
            for me in sessions[:samples]:
                asked = await self.http.post("/api/v1/econsultations", headers=me.headers, json={
                    "text": "Hvor lenge bør jeg vente før jeg trener etter influensa?", "accepted_terms": True})
                if asked.status_code != 201:
                    continue
                answered = await self.http.post(f"/api/v1/staff/econsultations/{asked.json()['id']}/answer",
                                                headers=doctor.headers, json={"text": "En uke uten feber."})
                if answered.status_code != 200:
                    continue
                econsult_id = uuid.UUID(asked.json()["id"])
                for _ in range(150):  # recorded times again: looking every 5 ms was 200 queries/s more
                    issued = await conn.fetchval("SELECT created_at FROM invoices WHERE econsult_id = $1", econsult_id)
                    if issued is not None:
                        handled = await econsult.fetchval("SELECT handled_at FROM econsultations WHERE id = $1",
                                                          econsult_id)
                        latencies.append((issued - handled).total_seconds() * 1000)
                        break
                    await asyncio.sleep(PROBE_POLL_SECONDS)
        finally:
            await conn.close()
            await econsult.close()
        return latencies

    # --- 3. the booking rush ------------------------------------------------------------------------

    async def rush(self, doctor: Session, sessions: list[Session], slots: int,
                   on_start: Callable[[], Awaitable[None]] | None = None) -> dict[str, Any]:
        """`on_start`: awaited just before the signal goes (make profile starts its samplers there)."""
        days, day = list[date](), date.today() + timedelta(days=14)
        while len(days) * 96 < slots:  # 96 five-minute slots a working day, 07:00 to 15:00
            if WorkingDays().is_working_day(day):
                days.append(day)
            day += timedelta(days=1)
        for n in range(slots):  # made closed to online booking; opened all at once when the rush starts
            start = datetime.combine(days[n // 96], datetime.min.time(), tzinfo=OSLO).replace(hour=7) + timedelta(
                minutes=5 * (n % 96))
            made = await self.http.post("/api/v1/staff/slots", headers=doctor.headers, json={
                "start": start.isoformat(), "minutes": 5, "online": False})
            made.raise_for_status()
        day, last = days[0], days[-1]
        conn = await asyncpg.connect(self.system.dsns["booking"])
        attempts, booked, filled = 0, 0, list[float]()
        # The patients' requests wait their turn here, not in httpcore's pool: the pool looks over every queued
        # request at each step, so 2,000 waiting there cost the generator more CPU than the system under test.
        inflight = asyncio.Semaphore(RUSH_CONNECTIONS)
        http = Client(self.system.gateway_url, connections=RUSH_CONNECTIONS, timeout=120)
        try:
            gate = asyncio.Event()

            async def patient(me: Session) -> None:
                nonlocal attempts, booked
                await gate.wait()
                for _ in range(20):
                    async with inflight:
                        found = await http.get("/api/v1/slots", headers=me.headers, params={
                            "from": day.isoformat(), "to": last.isoformat()})
                    free = found.json().get("slots", []) if found.status_code == 200 else []
                    if not free:
                        return
                    attempts += 1
                    async with inflight:
                        answer = await http.post("/api/v1/appointments", headers=me.headers,
                                                 json={"slot_id": self.rng.choice(free)["id"]})
                    if answer.status_code == 201:
                        booked += 1
                        if booked == slots:
                            filled.append(time.perf_counter())
                        return
                    if answer.status_code != 409 or answer.json().get("code") != "booking.slot_taken":
                        return

            tasks = [asyncio.create_task(patient(me)) for me in sessions]
            await conn.execute("UPDATE slots SET online = true WHERE doctor_id = $1", doctor.subject_id)
            if on_start is not None:
                await on_start()
            before = cpu_snapshot(self.system, self.infra)
            started = time.perf_counter()
            gate.set()
            await asyncio.gather(*tasks)
            answered = time.perf_counter() - started
            took = (filled[0] if filled else time.perf_counter()) - started
            cpu = cpu_per_request(before, cpu_snapshot(self.system, self.infra), attempts, answered)
            doubles = await conn.fetchval("""SELECT count(*) FROM (SELECT slot_id FROM appointments
                WHERE cancelled_at IS NULL AND doctor_id = $1 GROUP BY slot_id HAVING count(*) > 1) d""",
                                          doctor.subject_id)
            twice = await conn.fetchval("""SELECT count(*) FROM (SELECT patient_id FROM appointments
                WHERE cancelled_at IS NULL AND starts_at > now() GROUP BY patient_id HAVING count(*) > 1) d""")
            taken = await conn.fetchval("""SELECT count(*) FROM appointments WHERE cancelled_at IS NULL
                                           AND doctor_id = $1""", doctor.subject_id)
        finally:
            await conn.close()
            await http.aclose()
        return {"patients": len(sessions), "slots": slots, "taken": taken, "booked_answers": booked,
                "attempts": attempts, "seconds_until_all_taken": round(took, 2),
                "seconds_until_every_patient_answered": round(answered, 2),
                "bookings_per_s": round(taken / took, 1) if took else None,
                "attempts_per_s": round(attempts / answered, 1) if answered else None,
                "double_bookings": doubles, "patients_with_two": twice, "cpu_per_attempt": cpu}

    # --- 6. hostile bodies --------------------------------------------------------------------------

    async def me_while_big_bodies(self, me: Session, samples: int, senders: int = 4) -> dict[str, Any]:
        """A logged-in patient's GET /me, one after another, alone and then while anonymous clients send the login
        body of issue 14 (300,000 unknown keys, 3.5 MB and more) over and over on connections of their own. It was
        5.3 s against 11 ms before the body limit; refused unread, what is left is the cost of the connections."""
        async def read_me() -> list[float]:
            took = []
            for _ in range(samples):
                started = time.perf_counter()
                (await self.http.get("/api/v1/me", headers=me.headers)).raise_for_status()
                took.append((time.perf_counter() - started) * 1000)
            return took

        answers: dict[int, int] = {}
        sending, stop = asyncio.Event(), asyncio.Event()

        async def outsider() -> None:
            async with httpx.AsyncClient(base_url=self.system.gateway_url, timeout=60) as http:
                while not stop.is_set():
                    sending.set()
                    sent = await http.post("/api/v1/auth/login", content=BIG_BODY,
                                           headers={"content-type": "application/json"})
                    answers[sent.status_code] = answers.get(sent.status_code, 0) + 1

        idle = await read_me()
        outsiders = [asyncio.create_task(outsider()) for _ in range(senders)]
        await sending.wait()
        try:
            busy = await read_me()
        finally:
            stop.set()
            await asyncio.gather(*outsiders)

        def stats(values: list[float]) -> dict[str, Any]:
            return {"samples": len(values), "p50_ms": round(percentile(values, 50), 1),
                    "p99_ms": round(percentile(values, 99), 1)}
        return {"body_bytes": len(BIG_BODY), "senders": senders, "big_body_answers": answers,
                "me_idle": stats(idle), "me_while_big_bodies": stats(busy)}

    # --- 5. cost -----------------------------------------------------------------------------------

    async def growth(self, doctor: Session, me: Session, sizes: list[int]) -> list[dict[str, Any]]:
        """Latency of a slot search and a booking as the appointments table grows (filled in bulk for
        other doctors' past weeks, as years of use would)."""
        out = []
        conn = await asyncpg.connect(self.system.dsns["booking"])
        window = (date.today() + timedelta(days=3)).isoformat(), (date.today() + timedelta(days=30)).isoformat()
        try:
            for size in sizes:
                have = await conn.fetchval("SELECT count(*) FROM appointments")
                if have < size:
                    await conn.execute(
                        """WITH s AS (
                               INSERT INTO slots (id, doctor_id, starts_at, ends_at, online)
                               SELECT gen_random_uuid(), gen_random_uuid(),
                                      now() - interval '400 days' + g * interval '10 minutes',
                                      now() - interval '400 days' + g * interval '10 minutes' + interval '10 minutes',
                                      true
                               FROM generate_series(1, $1) g RETURNING id, doctor_id, starts_at, ends_at)
                           INSERT INTO appointments (id, slot_id, patient_id, doctor_id, starts_at, ends_at, booked_at)
                           SELECT gen_random_uuid(), id, gen_random_uuid(), doctor_id, starts_at, ends_at,
                                  starts_at - interval '3 days' FROM s""", size - have)
                    await conn.execute("ANALYZE slots; ANALYZE appointments")
                rec = Recorder()
                for _ in range(scaled(60, 10)):
                    found = await rec.call("GET /slots", self.load.get("/api/v1/slots", headers=me.headers,
                                                                       params={"from": window[0], "to": window[1]}))
                    free = found.json().get("slots", []) if found is not None and found.status_code == 200 else []
                    if free:
                        booked = await rec.call("POST /appointments", self.load.post(
                            "/api/v1/appointments", headers=me.headers, json={"slot_id": free[0]["id"]}))
                        if booked is not None and booked.status_code == 201:
                            await self.load.delete(f"/api/v1/appointments/{booked.json()['id']}", headers=me.headers)
                summary = rec.summary(1.0)
                out.append({"appointments": await conn.fetchval("SELECT count(*) FROM appointments"),
                            **{k: {"p50_ms": v["p50_ms"], "p99_ms": v["p99_ms"]} for k, v in summary.items()}})
        finally:
            await conn.close()
        return out

def to_working_day(now: datetime) -> timedelta:
    """How far to move the clock so that it is a working day (09:00 on the next one, if today is not)."""
    day, working = now.date(), WorkingDays()
    if working.is_working_day(day):
        return timedelta(0)
    while not working.is_working_day(day):
        day += timedelta(days=1)
    return datetime.combine(day, datetime.min.time(), tzinfo=OSLO).replace(hour=9) - now


@asynccontextmanager
async def mix_system(instance: str, workdir: Path, doctor_name: str, concurrency: int,
                     extra_env: dict[str, dict[str, str]] | None = None) -> AsyncIterator[tuple[Bench, list[Session]]]:
    """The whole system on a stack instance, its clock on a working day, and the mix's population ready
    (`Bench.mix_population`): what make profile, bench.visits and bench.load_curve measure the mix on. Patients cancel
    on working days only: on a weekend a booking's cancellation would be refused and the next booking with it (one
    at a time), so the clock moves to the next working morning, as make bench's does."""
    infra = LocalProcesses(instance)
    system = await asyncio.to_thread(start_system, infra, workdir, extra_env)
    bench = Bench(system, infra)
    try:
        moved = to_working_day(datetime.now(OSLO))
        system.move_clock(moved)
        bench.clock_offset = moved
        yield bench, await bench.mix_population(doctor_name, concurrency)
    finally:
        await bench.close()
        await asyncio.to_thread(stop_system, system, infra)
