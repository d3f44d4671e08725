"""The machine's own limits, measured in the same run as the scenarios so they can be read as ratios.

- PostgreSQL: pgbench running the same transaction shape as a booking (one state row plus one outbox
  row, committed together) on the same cluster.
- Kafka: the broker's own ProducerPerformance (acks=all, idempotent, as our relay sends) and
  ConsumerPerformance tools, from the jars the local stack runs.
"""

from __future__ import annotations

import re
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.support.infra import stack

BOOKING_SHAPE = """\\set slot random(1, 100000000)
BEGIN;
INSERT INTO bench_appointments (id, slot_id, patient_id, created_at)
     VALUES (gen_random_uuid(), :slot, gen_random_uuid(), now()) ON CONFLICT DO NOTHING;
INSERT INTO bench_outbox (event_id, topic, message_key, envelope, correlation_id)
     VALUES (gen_random_uuid(), 'appointments', :slot::text,
             '{"event_type": "AppointmentBooked", "payload": {"slot": 1}}'::jsonb, 'bench');
SELECT pg_notify('eportal_outbox', '');
COMMIT;
"""

SCHEMA = """
DROP TABLE IF EXISTS bench_appointments, bench_outbox;
CREATE TABLE bench_appointments (id uuid PRIMARY KEY, slot_id bigint NOT NULL UNIQUE, patient_id uuid NOT NULL,
                                 created_at timestamptz NOT NULL);
CREATE TABLE bench_outbox (id bigserial PRIMARY KEY, event_id uuid NOT NULL UNIQUE, topic text NOT NULL,
                           message_key text NOT NULL, envelope jsonb NOT NULL, correlation_id text NOT NULL,
                           created_at timestamptz NOT NULL DEFAULT now(), published_at timestamptz);
CREATE INDEX bench_outbox_unpublished ON bench_outbox (id) WHERE published_at IS NULL;
"""


@dataclass
class PgbenchResult:
    clients: int
    tps: float
    latency_ms: float

    def as_dict(self) -> dict[str, Any]:
        return {"clients": self.clients, "tps": self.tps, "latency_avg_ms": self.latency_ms}


def pgbench(inst: Any, database: str, clients: int = 8, seconds: int = 10) -> PgbenchResult:
    stack.psql(inst, SCHEMA, database)
    with tempfile.NamedTemporaryFile("w", suffix=".sql", delete=False) as f:
        f.write(BOOKING_SHAPE)
        script = f.name
    env = {"PGPASSWORD": stack.DEV_PASSWORD, "PATH": "/usr/bin:/bin"}
    out = subprocess.run([stack.pg_bin("pgbench"), "-n", "-h", "127.0.0.1", "-p", str(inst.pg_port), "-U", "postgres",
                          "-c", str(clients), "-j", "2", "-T", str(seconds), "-f", script, database],
                         capture_output=True, text=True, env=env, check=True).stdout
    Path(script).unlink()
    tps = float(re.search(r"tps = ([\d.]+)", out).group(1))  # type: ignore[union-attr]
    latency = float(re.search(r"latency average = ([\d.]+) ms", out).group(1))  # type: ignore[union-attr]
    return PgbenchResult(clients, tps, latency)


def kafka_producer_perf(inst: Any, topic: str, records: int = 100_000, size: int = 600) -> dict[str, Any]:
    cmd = stack._kafka_cmd(inst, "org.apache.kafka.tools.ProducerPerformance", "--topic", topic,
                           "--num-records", str(records), "--record-size", str(size), "--throughput", "-1",
                           "--producer-props", f"bootstrap.servers={inst.kafka_bootstrap}", "acks=all",
                           "enable.idempotence=true", "linger.ms=5")
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout.strip().splitlines()[-1]
    m = re.search(r"([\d.]+) records/sec .*?([\d.]+) ms avg latency, ([\d.]+) ms max latency.*?"
                  r"(\d+) ms 50th, (\d+) ms 95th, (\d+) ms 99th", out)
    if not m:
        raise RuntimeError(f"unexpected ProducerPerformance output: {out}")
    return {"records_per_s": float(m.group(1)), "avg_ms": float(m.group(2)), "max_ms": float(m.group(3)),
            "p50_ms": int(m.group(4)), "p95_ms": int(m.group(5)), "p99_ms": int(m.group(6)), "record_bytes": size}


def kafka_consumer_perf(inst: Any, topic: str, records: int = 100_000) -> dict[str, Any]:
    cmd = stack._kafka_cmd(inst, "org.apache.kafka.tools.ConsumerPerformance", "--bootstrap-server",
                           inst.kafka_bootstrap, "--topic", topic, "--messages", str(records), "--timeout", "60000")
    lines = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout.strip().splitlines()
    header = [h.strip() for h in lines[0].split(",")]
    values = [v.strip() for v in lines[-1].split(",")]
    row = dict(zip(header, values, strict=False))
    return {"records_per_s": float(row.get("nMsg.sec", 0)), "mb_per_s": float(row.get("MB.sec", 0))}


def create_topic(inst: Any, topic: str, partitions: int = 3) -> None:
    subprocess.run(stack._kafka_cmd(inst, "org.apache.kafka.tools.TopicCommand", "--bootstrap-server",
                                    inst.kafka_bootstrap, "--create", "--if-not-exists", "--topic", topic,
                                    "--partitions", str(partitions), "--replication-factor", "1"),
                   capture_output=True, text=True, check=True)
