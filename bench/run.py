"""`make bench`: the scenarios of issue 10 against a running system on a stack of its own, with the machine's
own limits measured in the same run, written to bench/results/<date>-<name>.{json,md,png}.

    python -m bench.run                 # the full run (BENCH_SCALE=1)
    BENCH_SCALE=0.1 python -m bench.run # a quick one: fewer patients, shorter steps

Scenarios: (1) patient traffic at rising concurrency, per endpoint; (2) event latency, decision -> SMS at the
provider and answer -> invoice, idle and under load; (3) the booking rush, N patients at M slots opening;
(4) pgbench with a booking's transaction shape and Kafka's own performance tools on the same database and
broker, each scenario as a ratio to them; (5) peak memory of every process and latency from 1,000 to
100,000 appointments; (6) a patient's /me alone and while anonymous clients send 3.5 MB login bodies.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import io
import json
import os
import random
import resource
import secrets
import signal
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import httpx

from bench import limits, report
from bench.load import Recorder, percentile, run_load
from kit.clock import OSLO
from kit.demo import synthetic_national_id
from kit.working_days import WorkingDays
from tests.support.infra import LocalProcesses, delete_topics, stack
from tests.support.portal import Session, add_staff, log_in_staff, sms_code
from tests.support.system import System, start_system, stop_system

SCALE = float(os.environ.get("BENCH_SCALE", "1"))
LIMITS = httpx.Limits(max_connections=200, max_keepalive_connections=200)
SESSION_CACHE_SECONDS = float(os.environ.get("BENCH_SESSION_CACHE_SECONDS", "2"))
RUSH_CONNECTIONS = 64  # requests in flight at once in the rush: more only queue in the gateway
BIG_BODY = json.dumps({f"k{n}": n for n in range(300_000)}).encode()  # the login body of issue 14


def scaled(n: int, least: int = 1) -> int:
    return max(least, int(n * SCALE))


class Bench:
    def __init__(self, system: System, infra: LocalProcesses) -> None:
        self.system, self.infra = system, infra
        self.http = httpx.AsyncClient(base_url=system.gateway_url, timeout=60, limits=LIMITS)
        self.rng = random.Random(20261128)
        self.registered: set[str] = set()  # national IDs of the patients made so far
        self.clock_offset = timedelta(0)  # how far the system's clock is moved from this machine's

    async def close(self) -> None:
        await self.http.aclose()

    async def reconnect(self) -> None:
        """A fresh client after the gateway restarted (its kept-alive connections are gone)."""
        await self.http.aclose()
        self.http = httpx.AsyncClient(base_url=self.system.gateway_url, timeout=60, limits=LIMITS)

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
                        started = await self.http.post("/api/v1/auth/login", json={"national_id": national_id})
                        if started.status_code != 202:  # no code is coming: say why, not wait for it
                            raise RuntimeError(f"login start: {started.status_code} {started.text[:300]}")
                        code = await sms_code(self.http, mobile, timeout=120)
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

    # --- 1. patient traffic -------------------------------------------------------------------------

    def traffic_user(self, sessions: list[Session]) -> Callable[[Recorder, int], Awaitable[None]]:
        """One patient of the traffic mix: each loop does one thing, as patients' visits do."""
        window = (date.today() + timedelta(days=3)).isoformat(), (date.today() + timedelta(days=30)).isoformat()

        async def user(rec: Recorder, n: int) -> None:
            me = sessions[n % len(sessions)]
            h = me.headers
            roll = self.rng.random()
            if roll < 0.25:
                await rec.call("GET /me", self.http.get("/api/v1/me", headers=h))
            elif roll < 0.55:
                slots = await rec.call("GET /slots", self.http.get("/api/v1/slots", headers=h,
                                                                  params={"from": window[0], "to": window[1]}))
                free = slots.json().get("slots", []) if slots is not None and slots.status_code == 200 else []
                if free:  # a booking, then cancelling it: the command of the comparison with pgbench
                    booked = await rec.call("POST /appointments", self.http.post(
                        "/api/v1/appointments", headers=h, json={"slot_id": self.rng.choice(free)["id"]}),
                        ok=(201, 409))
                    if booked is not None and booked.status_code == 201:
                        # 422 on a weekend or a holiday: patients cancel only on working days (the rule)
                        await rec.call("DELETE /appointments/{id}", self.http.delete(
                            f"/api/v1/appointments/{booked.json()['id']}", headers=h), ok=(204, 422))
            elif roll < 0.75:
                await rec.call("GET /medications", self.http.get("/api/v1/medications", headers=h))
            elif roll < 0.85:
                await rec.call("POST /econsultations", self.http.post("/api/v1/econsultations", headers=h, json={
                    "text": "Kan jeg ta paracet sammen med ibux?", "accepted_terms": True}), ok=(201,))
            elif roll < 0.95:
                await rec.call("GET /appointments", self.http.get("/api/v1/appointments", headers=h))
            else:
                await rec.call("POST /auth/login", self.http.post(
                    "/api/v1/auth/login", json={"national_id": synthetic_national_id(date(1901, 1, 1), n % 900)}),
                    ok=(202, 429))
        return user

    async def traffic(self, sessions: list[Session], steps: list[int], seconds: float) -> list[dict[str, Any]]:
        user = self.traffic_user(sessions)
        out = []
        for concurrency in steps:
            before = cpu_snapshot(self.system, self.infra)
            result = await run_load(user, concurrency, seconds)
            cpu = cpu_per_request(before, cpu_snapshot(self.system, self.infra), result.total_requests,
                                  result.seconds)
            out.append({**result.as_dict(), "cpu": cpu})
        return out

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
            for _ in range(600):
                sms = (await self.http.get("/dev/sms", params={"to": mobile})).json()["items"]
                ready = [m for m in sms if "Resepten din er klar" in m["text"]]
                if ready:
                    latencies.append((datetime.fromisoformat(ready[0]["received_at"]) - at).total_seconds() * 1000)
                    break
                await asyncio.sleep(0.02)
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
                for _ in range(3000):
                    issued = await conn.fetchval("SELECT created_at FROM invoices WHERE econsult_id = $1", econsult_id)
                    if issued is not None:
                        handled = await econsult.fetchval("SELECT handled_at FROM econsultations WHERE id = $1",
                                                          econsult_id)
                        latencies.append((issued - handled).total_seconds() * 1000)
                        break
                    await asyncio.sleep(0.005)
        finally:
            await conn.close()
            await econsult.close()
        return latencies

    # --- 3. the booking rush ------------------------------------------------------------------------

    async def rush(self, doctor: Session, sessions: list[Session], slots: int) -> dict[str, Any]:
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
        http = httpx.AsyncClient(base_url=self.system.gateway_url, timeout=120, limits=httpx.Limits(
            max_connections=RUSH_CONNECTIONS, max_keepalive_connections=RUSH_CONNECTIONS))
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
                    found = await rec.call("GET /slots", self.http.get("/api/v1/slots", headers=me.headers,
                                                                       params={"from": window[0], "to": window[1]}))
                    free = found.json().get("slots", []) if found is not None and found.status_code == 200 else []
                    if free:
                        booked = await rec.call("POST /appointments", self.http.post(
                            "/api/v1/appointments", headers=me.headers, json={"slot_id": free[0]["id"]}))
                        if booked is not None and booked.status_code == 201:
                            await self.http.delete(f"/api/v1/appointments/{booked.json()['id']}", headers=me.headers)
                summary = rec.summary(1.0)
                out.append({"appointments": await conn.fetchval("SELECT count(*) FROM appointments"),
                            **{k: {"p50_ms": v["p50_ms"], "p99_ms": v["p99_ms"]} for k, v in summary.items()}})
        finally:
            await conn.close()
        return out


def _cpu_s(pid: int) -> float:
    """User + system CPU seconds of one process (0 if it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _children(pid: int) -> list[int]:
    out = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1]) == pid:
                    out.append(int(entry.name))
            except (OSError, IndexError, ValueError):
                pass
    return out


def cpu_snapshot(system: System, infra: LocalProcesses) -> dict[str, float]:
    """CPU seconds so far of every process of the system, PostgreSQL (its backends), Kafka, this generator, and
    the whole machine (busy time of all CPUs), so a step's CPU per request can be read apart from what other
    work on the shared machine took."""
    out = {name: _cpu_s(proc.pid) for name, proc in system.procs.items()}
    home = infra.instance.home
    try:
        kafka = int((home / "kafka" / "kafka.pid").read_text().split()[0])
        out["kafka"] = _cpu_s(kafka)
    except (OSError, ValueError):
        out["kafka"] = 0.0
    try:
        postmaster = int((home / "pg" / "postmaster.pid").read_text().split()[0])
        out["postgres"] = _cpu_s(postmaster) + sum(_cpu_s(c) for c in _children(postmaster))
    except (OSError, ValueError):
        out["postgres"] = 0.0
    me = resource.getrusage(resource.RUSAGE_SELF)
    out["load_generator"] = me.ru_utime + me.ru_stime
    ticks = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    out["machine_busy"] = (sum(ticks[:8]) - ticks[3] - ticks[4]) / os.sysconf("SC_CLK_TCK")  # all but idle, iowait
    return out


def cpu_per_request(before: dict[str, float], after: dict[str, float], requests: int, seconds: float
                    ) -> dict[str, Any]:
    """CPU milliseconds per request of each process in a step, and how busy the machine was and with what."""
    used = {k: after[k] - before[k] for k in before}
    ours = sum(v for k, v in used.items() if k != "machine_busy")
    return {"ms_per_request": {k: round(v * 1000 / requests, 2) for k, v in used.items()
                               if k not in ("machine_busy",) and requests},
            "system_ms_per_request": round((ours - used["load_generator"]) * 1000 / requests, 2) if requests else None,
            "machine_busy_cpus": round(used["machine_busy"] / seconds, 2),
            "others_busy_cpus": round(max(0.0, used["machine_busy"] - ours) / seconds, 2)}


def peak_memory(system: System, infra: LocalProcesses) -> dict[str, float]:
    """Each process's peak resident memory (VmHWM), in MiB."""
    def hwm(pid: int) -> float:
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
        except OSError:
            pass
        return 0.0
    out = {name: hwm(proc.pid) for name, proc in system.procs.items()}
    home = infra.instance.home
    for name, pidfile in (("kafka", home / "kafka" / "kafka.pid"), ("postgres", home / "pg" / "postmaster.pid")):
        try:
            out[name] = hwm(int(pidfile.read_text().split()[0]))
        except (OSError, ValueError):
            out[name] = 0.0
    out["load_generator"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {k: round(v, 1) for k, v in out.items()}


async def bench(seconds: float, steps: list[int], workdir: Path, instance: str = "bench") -> dict[str, Any]:
    infra = LocalProcesses(instance)
    system = await asyncio.to_thread(start_system, infra, workdir)
    results: dict[str, Any] = {"scale": SCALE, "at": datetime.now(OSLO).isoformat(timespec="seconds"),
                               "machine": {"cpus": os.cpu_count()}}
    bench = Bench(system, infra)
    cpu0 = resource.getrusage(resource.RUSAGE_SELF)
    try:
        # Limits first, on a quiet machine, then the same database cluster and broker for the scenarios.
        pg_db = "bench_limits"
        stack.psql(infra.instance, f"DROP DATABASE IF EXISTS {pg_db}")
        stack.psql(infra.instance, f"CREATE DATABASE {pg_db}")
        pg = await asyncio.to_thread(limits.pgbench, infra.instance, pg_db, 8, scaled(10, 5))
        topic = f"bench-perf-{secrets.token_hex(3)}"
        await asyncio.to_thread(limits.create_topic, infra.instance, topic)
        produced = await asyncio.to_thread(limits.kafka_producer_perf, infra.instance, topic, scaled(100_000, 10_000))
        consumed = await asyncio.to_thread(limits.kafka_consumer_perf, infra.instance, topic, scaled(100_000, 10_000))
        results["limits"] = {"pgbench_booking_shape": pg.as_dict(), "kafka_producer": produced,
                             "kafka_consumer": consumed}

        # Patients cancel on working days only: on a weekend or a holiday every book-then-cancel of the traffic
        # mix would leave its booking, each patient's next booking would be refused (one at a time), and the mix
        # would measure refusals. The system's clock moves to the next working morning instead.
        moved = to_working_day(datetime.now(OSLO))
        system.move_clock(moved)
        bench.clock_offset = moved
        results["clock_moved_hours"] = round(moved.total_seconds() / 3600, 1)

        doctor = await bench.doctor("Dr. Last")
        await bench.weekly_slots(doctor)
        people = await bench.patients(doctor, scaled(300, 20))
        sessions = await bench.log_in(people)
        await bench.wait_known(doctor, sessions)

        traffic = await bench.traffic(sessions, steps, seconds)
        results["traffic"] = traffic
        commands = [(r["concurrency"], sum(r["endpoints"].get(k, {}).get("rps", 0) for k in (
            "POST /appointments", "DELETE /appointments/{id}"))) for r in traffic]
        results["commands_vs_pgbench"] = {"best_command_rps": max(c for _, c in commands),
                                          "pgbench_tps": pg.tps,
                                          "ratio": round(max(c for _, c in commands) / pg.tps, 3)}
        results["at_80pct_of_max"] = at_80pct_of_max(traffic)
        results["p99_at_80pct_of_max_ms"] = results["at_80pct_of_max"]["p99_ms"]

        # The same steps with the gateway trusting identity's answer for a session for 2 s (off by default): the
        # trade the setting asks to be measured. Everything after this runs with it on, as the summary says.
        await asyncio.to_thread(system.kill, "gateway", signal.SIGTERM)
        system._env["gateway"]["EPORTAL_SESSION_CACHE_SECONDS"] = str(SESSION_CACHE_SECONDS)
        await asyncio.to_thread(system.start, "gateway")
        await bench.reconnect()
        results["session_cache_seconds"] = SESSION_CACHE_SECONDS
        results["traffic_session_cache"] = await bench.traffic(sessions, steps, seconds)

        idle_sms = await bench.decision_to_sms(doctor, people, sessions, scaled(20, 5))
        idle_invoice = await bench.answer_to_invoice(doctor, sessions[scaled(20, 5):], scaled(20, 5))
        load_task = asyncio.create_task(bench.traffic(sessions[scaled(60, 12):], [max(steps[-1] // 2, 1)],
                                                      seconds * 2))
        await asyncio.sleep(1)
        busy_sms = await bench.decision_to_sms(doctor, people[scaled(40, 10):], sessions[scaled(40, 10):],
                                               scaled(20, 5))
        busy_invoice = await bench.answer_to_invoice(doctor, sessions[scaled(60, 15):], scaled(20, 5))
        await load_task

        def stats(values: list[float]) -> dict[str, Any]:
            return {"samples": len(values), "p50_ms": round(percentile(values, 50), 1),
                    "p99_ms": round(percentile(values, 99), 1)}
        results["event_latency"] = {"decision_to_sms": {"idle": stats(idle_sms), "under_load": stats(busy_sms)},
                                    "answer_to_invoice": {"idle": stats(idle_invoice),
                                                          "under_load": stats(busy_invoice)}}

        rush_doctor = await bench.doctor("Dr. Rush")
        rush_people = await bench.patients(rush_doctor, scaled(2000, 50))
        rush_sessions = await bench.log_in(rush_people)
        await bench.wait_known(rush_doctor, rush_sessions)
        results["rush"] = await bench.rush(rush_doctor, rush_sessions, scaled(200, 10))
        rush = results["rush"]
        results["rush"]["bookings_vs_pgbench"] = round(rush["bookings_per_s"] / pg.tps, 3) \
            if rush.get("bookings_per_s") else None

        results["big_bodies"] = await bench.me_while_big_bodies(sessions[0], scaled(200, 20))
        results["growth"] = await bench.growth(doctor, sessions[-1], [1_000, 10_000, scaled(100_000, 20_000)])
        results["peak_memory_mib"] = peak_memory(system, infra)
        cpu1 = resource.getrusage(resource.RUSAGE_SELF)
        results["load_generator_cpu_s"] = round((cpu1.ru_utime + cpu1.ru_stime) - (cpu0.ru_utime + cpu0.ru_stime), 1)
        return results
    finally:
        await bench.close()
        await asyncio.to_thread(stop_system, system, infra)
        await asyncio.to_thread(delete_topics, infra.kafka_bootstrap, system.topic_prefix)


def to_working_day(now: datetime) -> timedelta:
    """How far to move the clock so that it is a working day (09:00 on the next one, if today is not)."""
    day, working = now.date(), WorkingDays()
    if working.is_working_day(day):
        return timedelta(0)
    while not working.is_working_day(day):
        day += timedelta(days=1)
    return datetime.combine(day, datetime.min.time(), tzinfo=OSLO).replace(hour=9) - now


def best_step(traffic: list[dict[str, Any]]) -> dict[str, Any]:
    return max(traffic, key=lambda r: r["throughput_rps"])


def at_80pct_of_max(traffic: list[dict[str, Any]]) -> dict[str, Any]:
    """The load of 80% of the maximum throughput: the first step, on the way up to the maximum, that carries
    that much. A closed-loop generator's steps past the maximum carry less while their clients only queue (their
    latency is the queue's), so they are not a load of 80% however little they carry."""
    best = best_step(traffic)
    rising = sorted((r for r in traffic if r["concurrency"] <= best["concurrency"]), key=lambda r: r["concurrency"])
    step = next(r for r in rising if r["throughput_rps"] >= 0.8 * best["throughput_rps"])
    return {"concurrency": step["concurrency"], "throughput_rps": step["throughput_rps"],
            "pct_of_max": round(100 * step["throughput_rps"] / best["throughput_rps"]), "p99_ms": step["p99_ms"]}


def markdown(r: dict[str, Any]) -> str:
    lim = r["limits"]
    lines = [f"# eportal benchmark {r['at']} (scale {r['scale']}, {r['machine']['cpus']} CPUs)", "",
             "## The machine's limits (same run, same database cluster and broker)",
             f"- pgbench, booking shape (state row + outbox row + NOTIFY): **{lim['pgbench_booking_shape']['tps']:.0f} "
             f"tps** at {lim['pgbench_booking_shape']['clients']} clients",
             f"- Kafka ProducerPerformance (acks=all, idempotent): {lim['kafka_producer']['records_per_s']:.0f} rec/s; "
             f"ConsumerPerformance: {lim['kafka_consumer']['records_per_s']:.0f} rec/s", "",
             "## 1. Patient traffic through the gateway", "",
             *([f"The system's clock was moved {r['clock_moved_hours']} hours ahead, to a working day (patients "
                "cancel on working days only).", ""] if r.get("clock_moved_hours") else []),
             report.table([{k: (round(v, 1) if isinstance(v, float) else v) for k, v in t.items() if k != "endpoints"}
                           for t in r["traffic"]],
                          ["concurrency", "throughput_rps", "p50_ms", "p95_ms", "p99_ms", "errors",
                           "generator_cpu_s"]), "",
             f"Booking commands (book + cancel) at best {r['commands_vs_pgbench']['best_command_rps']:.1f}/s = "
             f"**{r['commands_vs_pgbench']['ratio']:.1%} of pgbench** (goal 25%); p99 at 80% of the maximum "
             f"throughput (the first step on the way up to reach it: concurrency {r['at_80pct_of_max']['concurrency']},"
             f" {r['at_80pct_of_max']['pct_of_max']}% of the maximum): **{r['p99_at_80pct_of_max_ms']:.1f} ms** "
             "(goal under 100 ms).", "",
             "CPU per request (ms, every process of the system; the generator apart) and how busy the shared "
             "machine was (CPUs, of which taken by work that is not ours):", "",
             report.table([{"concurrency": t["concurrency"], "system": t["cpu"]["system_ms_per_request"],
                            **{k: t["cpu"]["ms_per_request"].get(k) for k in ("gateway", "identity", "booking",
                                                                             "postgres", "kafka", "load_generator")},
                            "machine_busy_cpus": t["cpu"]["machine_busy_cpus"],
                            "others_busy_cpus": t["cpu"]["others_busy_cpus"]} for t in r["traffic"]],
                          ["concurrency", "system", "gateway", "identity", "booking", "postgres", "kafka",
                           "load_generator", "machine_busy_cpus", "others_busy_cpus"]), "",
             f"At {min(t['cpu']['system_ms_per_request'] or 1e9 for t in r['traffic']):.1f} ms of CPU a request, "
             f"the {r['machine']['cpus']} CPUs alone would carry at most "
             f"{r['machine']['cpus'] * 1000 / min(t['cpu']['system_ms_per_request'] or 1e9 for t in r['traffic']):.0f}"
             " requests/s of this mix.", "",
             f"The same steps with the gateway's session cache at {r['session_cache_seconds']} s (everything below "
             "runs with it on):", "",
             report.table([{"concurrency": t["concurrency"], "throughput_rps": round(t["throughput_rps"], 1),
                            "p50_ms": round(t["p50_ms"], 1), "p99_ms": round(t["p99_ms"], 1), "errors": t["errors"],
                            "system_ms": t["cpu"]["system_ms_per_request"],
                            "identity_ms": t["cpu"]["ms_per_request"].get("identity"),
                            "others_busy_cpus": t["cpu"]["others_busy_cpus"]}
                           for t in r["traffic_session_cache"]],
                          ["concurrency", "throughput_rps", "p50_ms", "p99_ms", "errors", "system_ms", "identity_ms",
                           "others_busy_cpus"]), "",
             f"Per endpoint at the step of maximum throughput (concurrency {best_step(r['traffic'])['concurrency']}, "
             "cache off):", "",
             report.table([{"endpoint": k, **{m: (round(v[m], 1) if isinstance(v[m], float) else v[m])
                                              for m in ("requests", "rps", "p50_ms", "p95_ms", "p99_ms", "errors")}}
                           for k, v in best_step(r["traffic"])["endpoints"].items()],
                          ["endpoint", "requests", "rps", "p50_ms", "p95_ms", "p99_ms", "errors"]), "",
             "## 2. Event latency", ""]
    for name, v in r["event_latency"].items():
        lines.append(f"- {name}: idle p50 {v['idle']['p50_ms']} ms / p99 {v['idle']['p99_ms']} ms "
                     f"({v['idle']['samples']} samples); under load p50 {v['under_load']['p50_ms']} ms / "
                     f"p99 {v['under_load']['p99_ms']} ms ({v['under_load']['samples']} samples)")
    rush = r["rush"]
    lines += ["", "## 3. Booking rush", "",
              f"{rush['patients']} logged-in patients, {rush['slots']} slots opening at once: "
              f"all {rush['taken']} taken "
              f"in **{rush['seconds_until_all_taken']} s** ({rush['bookings_per_s']} bookings/s; every patient "
              f"had an answer after {rush['seconds_until_every_patient_answered']} s, "
              f"{rush['attempts_per_s']} attempts/s, {rush['bookings_vs_pgbench']} of pgbench); "
              f"double bookings: **{rush['double_bookings']}**, patients with two: **{rush['patients_with_two']}**. "
              f"CPU per attempt (a search and a booking): {rush['cpu_per_attempt']['system_ms_per_request']} ms "
              f"(gateway {rush['cpu_per_attempt']['ms_per_request'].get('gateway')}, booking "
              f"{rush['cpu_per_attempt']['ms_per_request'].get('booking')}); the machine was "
              f"{rush['cpu_per_attempt']['machine_busy_cpus']} CPUs busy, "
              f"{rush['cpu_per_attempt']['others_busy_cpus']} of them with work not ours.",
              "", "## 5. Cost", "", "Latency as the appointments table grows:", "",
              report.table([{"appointments": g["appointments"],
                             **{f"{k} {m}": round(v[m], 1) for k, v in g.items() if k != "appointments"
                                for m in ("p50_ms", "p99_ms")}} for g in r["growth"]],
                           ["appointments", *[f"{k} {m}" for k in ("GET /slots", "POST /appointments")
                                              for m in ("p50_ms", "p99_ms")]]), "",
              "Peak memory (MiB): " + ", ".join(f"{k} {v}" for k, v in r["peak_memory_mib"].items()), "",
              f"Load generator CPU: {r['load_generator_cpu_s']} s over the run.", ""]
    big = r["big_bodies"]
    lines += ["## 6. Big bodies", "",
              f"A patient's GET /me one after another ({big['me_idle']['samples']} samples), alone: "
              f"p50 {big['me_idle']['p50_ms']} ms / p99 {big['me_idle']['p99_ms']} ms; while {big['senders']} "
              f"anonymous clients sent login bodies of {big['body_bytes'] / 1e6:.1f} MB over and over: "
              f"p50 {big['me_while_big_bodies']['p50_ms']} ms / p99 {big['me_while_big_bodies']['p99_ms']} ms. "
              "The bodies were answered " + ", ".join(f"{n}× {status}" for status, n in
                                                     sorted(big["big_body_answers"].items()))
              + " (413: refused before they were read).", ""]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=max(4.0, 12 * SCALE), help="per concurrency step")
    parser.add_argument("--steps", default="1,4,16,32,64")
    parser.add_argument("--name", default="bench")
    args = parser.parse_args()
    workdir = Path(f".local/bench-run-{secrets.token_hex(3)}")
    workdir.mkdir(parents=True, exist_ok=True)
    results = asyncio.run(bench(args.seconds, [int(s) for s in args.steps.split(",")], workdir))
    text = markdown(results)
    chart: dict[str, list[tuple[float, float]]] = {
        "p99": [(t["throughput_rps"], t["p99_ms"]) for t in results["traffic"]],
        "p50": [(t["throughput_rps"], t["p50_ms"]) for t in results["traffic"]]}
    paths = report.write(args.name, results, text, chart)
    print(text)
    print("written:", ", ".join(str(p) for p in paths.values()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
