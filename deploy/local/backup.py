"""`make backup` and `make restore`: the local stack's databases, saved and brought back.

    python deploy/local/backup.py backup [run]             -> .local/backups/<instance>-<UTC time>/
    python deploy/local/backup.py restore [run] [FOLDER]   (the newest backup of the instance if none is named)

A backup is one `pg_dump` per service database (custom format), taken while the system runs. Each dump is
one consistent snapshot of its database (pg_dump reads in a single repeatable-read transaction), so within
a service the state, its outbox and its inbox always agree: an accepted command is there with its events,
or not at all. `manifest.json` records the databases and the moment the backup began.

A restore makes each database again from its dump, in the same PostgreSQL or a fresh one (the services must
be stopped: `make stop`), then moves every service's consumer group back to a minute before the backup
began. Kafka is not restored and still holds every event since, so each service applies again what its
database lost: its inbox skips what the dump already had, and notify's deliveries keep their ids (made from
the event's id), so the SMS provider's idempotency absorbs a message that went out before the restore and is
queued again. Events the services published after the backup are in Kafka already; the relays publish only
what was unpublished in the dumps, and the consumers' inboxes absorb any of those that went out before.
(tests/reliability/test_backup_restore.py restores a backup taken under load into a fresh cluster.)
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import stack

BACKUPS = stack.ROOT / ".local" / "backups"
# Consumers are seldom further behind than this when a backup begins; moving back further only costs
# redeliveries, which the inboxes absorb.
REWIND_SECONDS = 60


def say(msg: str) -> None:
    print(f"[backup] {msg}", flush=True)


def _pg_env() -> dict[str, str]:
    return {**os.environ, "PGPASSWORD": stack.DEV_PASSWORD}


def backup(inst: stack.Instance, *, suffix: str = "", topic_prefix: str = "", dest: Path | None = None) -> Path:
    """Dump every service database of `inst` (named eportal_<service><suffix>) into a new folder."""
    started = datetime.now(UTC)
    folder = dest or BACKUPS / f"{inst.name}-{started.strftime('%Y%m%dT%H%M%S%fZ')}"
    folder.mkdir(parents=True, exist_ok=False)
    databases = {service: f"eportal_{service}{suffix}" for service in stack.SERVICES}
    for service, database in databases.items():
        began = time.monotonic()
        done = subprocess.run([stack.pg_bin("pg_dump"), "-h", "127.0.0.1", "-p", str(inst.pg_port), "-U", "postgres",
                               "-Fc", "-f", str(folder / f"{service}.dump"), database],
                              env=_pg_env(), capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise SystemExit(f"pg_dump of {database} failed:\n{done.stderr}")
        say(f"{service:13} {database} in {time.monotonic() - began:.1f} s")
    manifest = {"instance": inst.name, "suffix": suffix, "topic_prefix": topic_prefix, "databases": databases,
                "started_at": started.isoformat(), "finished_at": datetime.now(UTC).isoformat()}
    (folder / "manifest.json").write_text(json.dumps(manifest, indent=2))
    say(f"backup in {folder}")
    return folder


def restore(folder: Path, inst: stack.Instance, *, kafka_bootstrap: str | None = None,
            rewind_seconds: float = REWIND_SECONDS) -> dict[str, str]:
    """Make the backup's databases in `inst` again (dropping any of the same name), and move the consumer
    groups on `kafka_bootstrap` back to before the backup. Returns each service's DSN."""
    manifest = json.loads((folder / "manifest.json").read_text())
    for database in manifest["databases"].values():
        stack.psql(inst, f"DROP DATABASE IF EXISTS {database} WITH (FORCE)")
    dsns: dict[str, str] = stack.create_service_databases(inst, manifest["suffix"])
    for service, database in manifest["databases"].items():
        # As the superuser, keeping each object's owner (the service's role) from the dump.
        done = subprocess.run([stack.pg_bin("pg_restore"), "-h", "127.0.0.1", "-p", str(inst.pg_port), "-U",
                               "postgres", "-d", database, "--exit-on-error", "--single-transaction",
                               str(folder / f"{service}.dump")], env=_pg_env(), capture_output=True, text=True,
                              check=False)
        if done.returncode != 0:
            raise SystemExit(f"pg_restore of {database} failed:\n{done.stderr}")
        say(f"{service:13} {database} restored")
    if kafka_bootstrap:
        began = datetime.fromisoformat(manifest["started_at"])
        moved = asyncio.run(rewind_consumer_groups(kafka_bootstrap, manifest["topic_prefix"],
                                                   began.timestamp() - rewind_seconds))
        say(f"consumer groups moved back to {rewind_seconds:.0f} s before the backup: {moved}")
    return dsns


async def rewind_consumer_groups(bootstrap: str, topic_prefix: str, to_epoch: float) -> dict[str, int]:
    """Each service's consumer groups (one a topic: `notify.appointments`; and the service's one group of every
    topic before them, `notify`) back to the first event at or after `to_epoch` (never forward). The groups'
    consumers must be stopped. Returns how many partitions each group moved."""
    from aiokafka import AIOKafkaConsumer
    from aiokafka.admin import AIOKafkaAdminClient
    from aiokafka.structs import OffsetAndMetadata

    moved: dict[str, int] = {}
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        known = [group for group, *_ in await admin.list_consumer_groups()]
        for group in sorted(g for g in known for service in stack.SERVICES
                            if g == f"{topic_prefix}{service}" or g.startswith(f"{topic_prefix}{service}.")):
            committed = await admin.list_consumer_group_offsets(group)
            if not committed:
                continue
            consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=group, enable_auto_commit=False)
            await consumer.start()
            try:
                partitions = list(committed)
                consumer.assign(partitions)
                at = await consumer.offsets_for_times({tp: int(to_epoch * 1000) for tp in partitions})
                ends = await consumer.end_offsets(partitions)
                target = {tp: min(committed[tp].offset, (at[tp].offset if at[tp] else ends[tp]))
                          for tp in partitions}
                changes = {tp: OffsetAndMetadata(offset, "") for tp, offset in target.items()
                           if offset < committed[tp].offset}
                if changes:
                    await consumer.commit(changes)
                moved[group.removeprefix(topic_prefix)] = len(changes)
            finally:
                await consumer.stop()
    finally:
        await admin.close()
    return moved


def _refuse_while_running(inst: stack.Instance) -> None:
    state = inst.home / "services.json"
    if state.exists():
        pid = json.loads(state.read_text()).get("supervisor")
        try:
            if pid:
                os.kill(pid, 0)
                raise SystemExit("make run is up: stop it first (make stop), then restore")
        except ProcessLookupError:
            pass


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("action", choices=["backup", "restore"])
    parser.add_argument("instance", nargs="?", default="run", choices=sorted(stack.INSTANCES))
    parser.add_argument("folder", nargs="?", type=Path, help="the backup to restore (default: the newest)")
    args = parser.parse_args(argv)
    inst = stack.INSTANCES[args.instance]
    if args.action == "backup":
        stack.pg_start(inst)
        backup(inst)
        return 0
    folder = args.folder or max(BACKUPS.glob(f"{inst.name}-*"), default=None)
    if folder is None or not (folder / "manifest.json").is_file():
        raise SystemExit(f"no backup of {inst.name} in {BACKUPS} (make backup makes one)")
    _refuse_while_running(inst)
    stack.start(inst)
    restore(folder, inst, kafka_bootstrap=inst.kafka_bootstrap)
    say(f"restored {folder.name}; make run starts the services on it")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
