"""A backup taken under load restores into a fresh PostgreSQL with every accepted command, and nothing is sent
twice after the restore (issue 21, item 3: `make backup` and `make restore`, deploy/local/backup.py).

The whole system runs as processes, its SMS going to a provider in this test (notify's own sink app, which,
like a real provider, keeps idempotency keys). Staff register patients and the patients start logins, each
accepted command recorded, while `backup` dumps every service's database. Then the services stop, `restore`
makes the databases in a new cluster and moves the consumer groups back before the backup, and the services
start on the restored databases with Kafka as it was. Every command accepted before the backup began must be
there, each database's state must agree with its outbox and inbox, every event since must reach its
consumers again, and the provider must have received each login code once: re-sent deliveries carry the key
they had, so the provider answers them from its record instead of sending a second SMS.
"""

from __future__ import annotations

import asyncio
import importlib.util
import secrets
import signal
import sys
import time
import uuid
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import pytest

from kit.demo import synthetic_national_id
from notify.adapters.sinks import SmsSink
from tests.support.eventually import eventually
from tests.support.infra import Infrastructure, stack
from tests.support.portal import Session, add_staff, log_in_staff
from tests.support.services import serving
from tests.support.system import SERVICES, System, free_port, start_system, stop_system

pytestmark = pytest.mark.stack

CODE_TEXT = "Engangskoden din til ePortalen"


def _backup_tool() -> Any:
    """deploy/local/backup.py, the code of make backup and make restore."""
    path = Path(stack.__file__).with_name("backup.py")
    spec = importlib.util.spec_from_file_location("eportal_backup", path)
    assert spec
    assert spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("stack", stack)  # backup.py imports its neighbour as `stack`
    spec.loader.exec_module(module)
    return module


@dataclass
class Accepted:
    """Commands the system accepted, with when (monotonic) the answer came."""
    patients: list[tuple[uuid.UUID, float]] = field(default_factory=list)
    logins: list[tuple[uuid.UUID, str, float]] = field(default_factory=list)  # challenge, mobile, when

    def count(self) -> int:
        return len(self.patients) + len(self.logins)


async def load(system: System, reception: Session, doctor_id: uuid.UUID, accepted: Accepted,
               stop: asyncio.Event) -> None:
    """One client: register a patient, then that patient starts a login; again until told to stop."""
    async with system.client() as http:
        while not stop.is_set():
            born = date(1950, 1, 1) + timedelta(days=secrets.randbelow(20_000))
            national_id = synthetic_national_id(born, secrets.randbelow(1000))
            mobile = f"+4797{secrets.randbelow(10**6):06d}"
            made = await http.post("/api/v1/staff/patients", headers=reception.headers, json={
                "national_id": national_id, "name": "Backup Pasient", "birth_date": born.isoformat(),
                "mobile": mobile, "gp_id": str(doctor_id), "first_contact_done": True})
            if made.status_code == 409:  # the same synthetic ID drawn twice
                continue
            assert made.status_code == 201, made.text
            accepted.patients.append((uuid.UUID(made.json()["id"]), time.monotonic()))
            started = await http.post("/api/v1/auth/login", json={"national_id": national_id})
            assert started.status_code == 202, started.text
            accepted.logins.append((uuid.UUID(started.json()["challenge_id"]), mobile, time.monotonic()))


async def fetch(dsn: str, sql: str, *args: Any) -> list[asyncpg.Record]:
    conn = await asyncpg.connect(dsn)
    try:
        return list(await conn.fetch(sql, *args))
    finally:
        await conn.close()


def codes_sent(sms: SmsSink) -> list[str]:
    return [m["text"] for m in sms.received if CODE_TEXT in (m["text"] or "")]


async def test_a_backup_under_load_restores_every_accepted_command_and_sends_nothing_twice(
        infra: Infrastructure, tmp_path: Path) -> None:
    tool = _backup_tool()
    sms, sms_port = SmsSink(), free_port()
    fresh = stack.Instance(f"restore-{secrets.token_hex(3)}", free_port(), 0, 0)
    (tmp_path / "system").mkdir()
    async with serving(sms.app(), sms_port):
        system = await asyncio.to_thread(start_system, infra, tmp_path / "system", {
            "notify": {"EPORTAL_SMS_PROVIDER_URL": f"http://127.0.0.1:{sms_port}"}})
        try:
            async with system.client() as http:
                reception = await log_in_staff(http, *await add_staff(system, "reception"))
                doctor = await log_in_staff(http, *await add_staff(system, "doctor"))
            accepted, stop = Accepted(), asyncio.Event()
            clients = [asyncio.create_task(load(system, reception, doctor.subject_id, accepted, stop))
                       for _ in range(3)]

            async def at_least(n: int) -> bool:
                for client in clients:
                    if client.done():
                        client.result()  # a client that failed fails the test with its own error
                return accepted.count() >= n

            await eventually(lambda: at_least(30), "30 accepted commands before the backup")
            began = time.monotonic()
            folder = await asyncio.to_thread(tool.backup, infra.instance, suffix=system.suffix,
                                             topic_prefix=system.topic_prefix, dest=tmp_path / "backup")
            after = accepted.count()
            await eventually(lambda: at_least(after + 20), "20 commands accepted after the backup")
            stop.set()
            await asyncio.gather(*clients)
            before_backup = [p for p, at in accepted.patients if at < began]
            logins_before = [c for c, _, at in accepted.logins if at < began]
            assert before_backup
            assert len(accepted.patients) > len(before_backup)  # the load went on during and after it

            # Settled before the restore: every login code reached the provider once.
            await eventually(lambda: _sent_all(sms, len(accepted.logins)), "every login code's SMS", timeout=120)
            assert len(codes_sent(sms)) == len(accepted.logins)
            for service in (*SERVICES, "gateway"):
                system.kill(service, signal.SIGTERM)

            await asyncio.to_thread(stack.pg_start, fresh)
            dsns = await asyncio.to_thread(tool.restore, folder, fresh, kafka_bootstrap=infra.kafka_bootstrap)

            # Every command accepted before the backup began is there, with the events it wrote.
            found = {r["id"] for r in await fetch(dsns["identity"], "SELECT id FROM patients WHERE id = ANY($1)",
                                                  before_backup)}
            assert found == set(before_backup)
            challenges = {r["id"] for r in await fetch(dsns["identity"],
                                                       "SELECT id FROM login_challenges WHERE id = ANY($1)",
                                                       logins_before)}
            assert challenges == set(logins_before)
            await assert_consistent(dsns)

            for service in (*SERVICES, "gateway"):
                system._env[service]["EPORTAL_DATABASE_URL"] = dsns[service]
                await asyncio.to_thread(system.start, service)

            # What the databases lost comes back from Kafka: every patient (also those registered after the
            # backup) reaches notify's directory again, and every outbox is published.
            everyone = [p for p, _ in accepted.patients]

            async def directory_complete() -> bool:
                rows = await fetch(dsns["notify"], "SELECT count(*) AS n FROM patient_directory "
                                                   "WHERE patient_id = ANY($1)", everyone)
                return bool(rows[0]["n"] == len(everyone))
            await eventually(directory_complete, "notify's directory with every accepted patient", timeout=120)
            await eventually(lambda: _all_published(dsns), "every restored outbox published", timeout=120)
            await eventually(lambda: _nothing_queued(dsns["notify"]), "notify's queue empty", timeout=120)
            delivered = await fetch(dsns["notify"], "SELECT count(*) AS n FROM deliveries "
                                                    "WHERE kind = 'login_code' AND state IN ('sent', 'failed')")
            assert delivered[0]["n"] >= len(accepted.logins)  # re-queued after the restore and gone out again
        finally:
            await asyncio.to_thread(stop_system, system, infra)
            await asyncio.to_thread(stack.reset, fresh)

    # Nothing sent twice: the provider received each code's message under one key only, and answered the
    # deliveries queued again after the restore from its record (their keys, made from the event, had not
    # changed).
    texts = codes_sent(sms)
    assert len(texts) == len(set(texts)) == len(accepted.logins)
    assert sms.requests > len(sms.received), "no delivery was queued again after the restore: not exercised"


async def _sent_all(sms: SmsSink, logins: int) -> bool:
    return len(codes_sent(sms)) >= logins


async def _all_published(dsns: dict[str, str]) -> bool:
    for dsn in dsns.values():
        if (await fetch(dsn, "SELECT count(*) AS n FROM outbox WHERE published_at IS NULL"))[0]["n"]:
            return False
    return True


async def _nothing_queued(dsn: str) -> bool:
    return not (await fetch(dsn, "SELECT count(*) AS n FROM deliveries WHERE state = 'queued'"))[0]["n"]


async def assert_consistent(dsns: dict[str, str]) -> None:
    """Within each restored database, the state and its outbox and inbox agree (the dump is one snapshot)."""
    # identity: every patient with its PatientRegistered, every event with its patient.
    lonely = await fetch(dsns["identity"], """
        SELECT p.id FROM patients p WHERE NOT EXISTS (
            SELECT 1 FROM outbox o WHERE o.message_key = p.id::text AND o.envelope->>'event_type' = 'PatientRegistered')
        UNION ALL
        SELECT o.id::text::uuid FROM outbox o WHERE o.envelope->>'event_type' = 'PatientRegistered'
            AND NOT EXISTS (SELECT 1 FROM patients p WHERE p.id::text = o.message_key)""")
    assert not lonely
    # notify: every login code it took in (inbox) has its delivery, and no delivery is without its event.
    unqueued = await fetch(dsns["notify"], """
        SELECT i.event_id FROM inbox i WHERE i.event_type = 'LoginCodeRequested'
            AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.event_id = i.event_id)
        UNION ALL
        SELECT d.event_id FROM deliveries d WHERE d.kind = 'login_code'
            AND NOT EXISTS (SELECT 1 FROM inbox i WHERE i.event_id = d.event_id)""")
    assert not unqueued
