"""The idempotent consumer on real Kafka and PostgreSQL: a kill after the effect and before the ack
applies nothing twice; a poison message goes to the dead-letter topic and the next one is consumed."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition

from contracts.envelope import Envelope
from contracts.events import StaffMemberRegistered
from kit.messaging import after_commit, carry_over_offsets, current_batch, ensure_topics
from kit.runtime import ServiceRuntime
from kit.settings import ServiceSettings
from tests.support.eventually import eventually
from tests.support.kafka import committed_everything, patient_event, produce, read_topic, record_effect

pytestmark = pytest.mark.stack
ROOT = Path(__file__).resolve().parents[2]


def envelope_bytes() -> tuple[Envelope, bytes]:
    env = Envelope.wrap(patient_event(), occurred_at=datetime.now(UTC), correlation_id="test")
    return env, env.model_dump_json().encode()


async def test_a_poison_message_is_dead_lettered_and_the_next_is_consumed(
        make_runtime: Callable[..., ServiceRuntime], kit_db: asyncpg.Connection) -> None:
    runtime = make_runtime()
    await runtime.start()
    try:
        s = runtime.settings
        await produce(s, b"\x00not json at all")
        await produce(s, b'{"event_id": "8d8a2c3e-0000-4000-8000-000000000000", "event_type": "Nonsense"}')
        good, raw = envelope_bytes()
        await produce(s, raw)

        async def applied() -> bool:
            return await kit_db.fetchval("SELECT count(*) FROM effects") == 1
        await eventually(applied, what="the good message after the poison ones")
        assert await kit_db.fetchval("SELECT event_id FROM effects") == good.event_id
        dead = await read_topic(s.kafka_bootstrap, s.topic("dlq.kittest"))
        assert len(dead) == 2
        headers = dict(dead[0].headers)
        assert headers["x-original-topic"].decode() == s.topic("patients")
        assert headers["x-error"]
        assert await kit_db.fetchval("SELECT count(*) FROM dead_letters") == 2
    finally:
        await runtime.stop()


async def test_a_handler_that_always_fails_is_retried_then_dead_lettered_without_blocking(
        make_runtime: Callable[..., ServiceRuntime], kit_db: asyncpg.Connection) -> None:
    attempts: dict[uuid.UUID, int] = {}
    bad_patient: list[uuid.UUID] = []

    async def fussy(conn: asyncpg.Connection, envelope: Envelope, event: object) -> None:
        pid = event.patient_id  # type: ignore[attr-defined]
        attempts[pid] = attempts.get(pid, 0) + 1
        if pid in bad_patient:
            await conn.execute("INSERT INTO effects (event_id, patient_id) VALUES ($1, $2)", envelope.event_id, pid)
            raise ValueError("this event cannot be applied")
        await conn.execute("INSERT INTO effects (event_id, patient_id) VALUES ($1, $2)", envelope.event_id, pid)

    runtime = make_runtime(handler=fussy)
    await runtime.start()
    try:
        bad, bad_raw = envelope_bytes()
        bad_patient.append(uuid.UUID(str(bad.payload["patient_id"])))
        good, good_raw = envelope_bytes()
        await produce(runtime.settings, bad_raw, key=b"same")
        await produce(runtime.settings, good_raw, key=b"same")  # same partition: behind the bad one

        async def good_applied() -> bool:
            return await kit_db.fetchval("SELECT count(*) FROM effects WHERE event_id = $1", good.event_id) == 1
        await eventually(good_applied, what="the message behind the failing one")
        assert attempts[bad_patient[0]] == runtime.settings.consumer_max_attempts
        # The failed attempts were rolled back: no partial effect, no inbox row.
        assert await kit_db.fetchval("SELECT count(*) FROM effects WHERE event_id = $1", bad.event_id) == 0
        assert await kit_db.fetchval("SELECT count(*) FROM inbox WHERE event_id = $1", bad.event_id) == 0
        row = await kit_db.fetchrow("SELECT event_id, attempts FROM dead_letters")
        assert row["event_id"] == bad.event_id
        assert row["attempts"] == runtime.settings.consumer_max_attempts
    finally:
        await runtime.stop()


CRASHING_CONSUMER = ROOT / "kit" / "tests" / "crashing_consumer.py"


def _run_consumer(settings: ServiceSettings, migrations: Path, crash: bool) -> subprocess.Popen[bytes]:
    env = {**os.environ, "EPORTAL_DATABASE_URL": settings.database_url.get_secret_value(),
           "EPORTAL_KAFKA_BOOTSTRAP": settings.kafka_bootstrap, "EPORTAL_TOPIC_PREFIX": settings.topic_prefix,
           "EPORTAL_SERVICE_NAME": settings.service_name, "EPORTAL_ENV": "test",
           "KIT_TEST_MIGRATIONS": str(migrations), "KIT_TEST_CRASH_AFTER_EFFECT": "1" if crash else ""}
    return subprocess.Popen([sys.executable, str(CRASHING_CONSUMER)], env=env, cwd=ROOT)


async def test_a_consumer_killed_after_its_effect_but_before_its_ack_applies_nothing_twice(
        kit_settings: ServiceSettings, migrations: Path, kit_db: asyncpg.Connection) -> None:
    env, raw = envelope_bytes()
    first = _run_consumer(kit_settings, migrations, crash=True)
    try:
        await eventually(lambda: _table_exists(kit_db), what="the consumer's migrations")
        await produce(kit_settings, raw)
        await eventually(lambda: first.poll() is not None, "the consumer to die right after its effect")
        assert first.returncode == -signal.SIGKILL, "the consumer should have died right after its effect"
    finally:
        if first.poll() is None:
            first.kill()
    assert await kit_db.fetchval("SELECT count(*) FROM effects") == 1
    assert not await committed_everything(kit_settings, kit_settings.topic("patients")), \
        "the offset must not have been committed before the crash"

    second = _run_consumer(kit_settings, migrations, crash=False)
    try:
        await eventually(lambda: committed_everything(kit_settings, kit_settings.topic("patients")), timeout=60,
                       what="the restarted consumer to take the redelivery")
    finally:
        second.send_signal(signal.SIGTERM)
        second.wait(timeout=30)
    assert await kit_db.fetchval("SELECT count(*) FROM effects") == 1
    assert await kit_db.fetchval("SELECT count(*) FROM inbox WHERE event_id = $1", env.event_id) == 1


async def _table_exists(conn: asyncpg.Connection) -> bool:
    return bool(await conn.fetchval("SELECT to_regclass('effects') IS NOT NULL"))


async def test_a_burst_is_applied_with_fewer_commits_than_events_and_all_committed_at_stop(
        make_runtime: Callable[..., ServiceRuntime], kit_db: asyncpg.Connection,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """An offset commit waits for the group coordinator's batching (5 ms): one per event held a consumer to about
    170 events a second. The events applied while one commit is on its way go together in the next; a stop commits
    the rest, so a restart reads none of them again."""
    commits: list[int] = []
    original = AIOKafkaConsumer.commit

    async def counted(self: AIOKafkaConsumer, offsets: Any = None) -> None:
        commits.append(len(offsets or {}))
        await original(self, offsets)
    monkeypatch.setattr(AIOKafkaConsumer, "commit", counted)
    runtime = make_runtime()
    await runtime.start()
    s = runtime.settings
    try:
        producer = AIOKafkaProducer(bootstrap_servers=s.kafka_bootstrap)
        await producer.start()
        try:  # sent together: they arrive faster than each is applied
            for _ in range(60):
                await producer.send(s.topic("patients"), envelope_bytes()[1], key=b"k")
            await producer.flush()
        finally:
            await producer.stop()

        async def applied() -> bool:
            return await kit_db.fetchval("SELECT count(*) FROM effects") == 60
        await eventually(applied, what="the burst applied")
    finally:
        await runtime.stop()
    assert await committed_everything(s, s.topic("patients")), "a stop commits what was applied"
    assert 1 <= len(commits) < 60, commits


async def _effects(kit_db: asyncpg.Connection, n: int, what: str) -> None:
    async def reached() -> bool:
        return await kit_db.fetchval("SELECT count(*) FROM effects") == n
    await eventually(reached, what=what)


async def test_a_backlog_on_one_topic_does_not_hold_up_an_event_on_another(
        make_runtime: Callable[..., ServiceRuntime], kit_db: asyncpg.Connection) -> None:
    """Every booking is an SMS: a backlog on the appointments topic must not keep a prescription's SMS waiting.
    The patients topic's handler here waits until the staff topic's event is applied; with one subscriber over
    both topics the staff event could only come after it (it gives up after a while, and the test fails)."""
    started = asyncio.Event()
    other_applied = asyncio.Event()
    held_up: list[bool] = []

    async def waits_for_the_other_topic(conn: asyncpg.Connection, envelope: Envelope, event: Any) -> None:
        started.set()
        try:
            async with asyncio.timeout(15 if not held_up else 0):  # only so the old design fails, not hangs
                await other_applied.wait()
        except TimeoutError:
            held_up.append(True)
        await record_effect(conn, envelope, event)

    async def staff_registered(conn: asyncpg.Connection, envelope: Envelope, event: Any) -> None:
        await conn.execute("INSERT INTO effects (event_id, patient_id) VALUES ($1, $2)", envelope.event_id,
                           event.staff_id)
        other_applied.set()  # in the transaction: set before its commit, which the handler above does not need

    runtime = make_runtime(handler=waits_for_the_other_topic)
    runtime.on(StaffMemberRegistered)(staff_registered)
    await runtime.start()
    try:
        s = runtime.settings
        await produce(s, envelope_bytes()[1])
        for _ in range(5):  # a backlog behind it on the same topic
            await produce(s, envelope_bytes()[1])
        await eventually(started.is_set, what="the patients topic's handler to start waiting")
        staff = Envelope.wrap(StaffMemberRegistered(staff_id=uuid.uuid4(), role="doctor", name="Dr. Test"),
                              occurred_at=datetime.now(UTC), correlation_id="test")
        await produce(s, staff.model_dump_json().encode(), topic="staff")

        await _effects(kit_db, 7, "both topics' events applied")
        assert held_up == [], "the staff topic's event waited behind the patients topic's backlog"
        assert await kit_db.fetchval("SELECT count(*) FROM effects WHERE event_id = $1", staff.event_id) == 1
    finally:
        await runtime.stop()


async def _on_the_log_before_start(runtime: ServiceRuntime, raws: list[bytes]) -> None:
    """Messages already on the topic when the consumer starts: its first fetch takes them all, one batch."""
    await ensure_topics(runtime.settings)
    producer = AIOKafkaProducer(bootstrap_servers=runtime.settings.kafka_bootstrap)
    await producer.start()
    try:
        for raw in raws:
            await producer.send(runtime.settings.topic("patients"), raw, key=b"same")
        await producer.flush()
    finally:
        await producer.stop()


def _recording_transactions(transactions: list[int], fails_for: set[uuid.UUID] | None = None) -> Any:
    async def handler(conn: asyncpg.Connection, envelope: Envelope, event: Any) -> None:
        transactions.append(await conn.fetchval("SELECT txid_current()"))
        await record_effect(conn, envelope, event)
        if fails_for and event.patient_id in fails_for:
            raise ValueError("this event cannot be applied")
    return handler


async def test_events_fetched_together_are_applied_in_one_transaction(
        make_runtime: Callable[..., ServiceRuntime], kit_db: asyncpg.Connection) -> None:
    transactions: list[int] = []
    runtime = make_runtime(handler=_recording_transactions(transactions))
    await _on_the_log_before_start(runtime, [envelope_bytes()[1] for _ in range(20)])
    await runtime.start()
    try:
        await _effects(kit_db, 20, "the 20 events applied")
    finally:
        await runtime.stop()
    assert len(transactions) == 20
    assert len(set(transactions)) == 1, "one transaction, one commit, for the events fetched together"
    assert await kit_db.fetchval("SELECT count(*) FROM inbox") == 20
    assert await committed_everything(runtime.settings, runtime.settings.topic("patients"))


async def test_what_a_batchs_events_need_is_read_once_for_the_events_it_applies(
        make_runtime: Callable[..., ServiceRuntime], kit_db: asyncpg.Connection) -> None:
    """A handler may read ahead for its batch (`ConsumerBatch.read_ahead`): once for the batch, from the events it
    applies, each once (a redelivery in the same batch is not one of them), and the batch ends with its transaction."""
    events = [envelope_bytes() for _ in range(10)]
    reads: list[list[uuid.UUID]] = []
    given: list[int] = []

    async def read(batch_events: list[Any]) -> int:
        reads.append([e.patient_id for e in batch_events])
        return len(reads)

    async def handler(conn: asyncpg.Connection, envelope: Envelope, event: Any) -> None:
        batch = current_batch()
        assert batch is not None
        given.append(await batch.read_ahead("patients", read))
        await record_effect(conn, envelope, event)

    runtime = make_runtime(handler=handler)
    await _on_the_log_before_start(runtime, [raw for _, raw in events] * 2)
    await runtime.start()
    try:
        await eventually(lambda: committed_everything(runtime.settings, runtime.settings.topic("patients")),
                         what="the batch consumed")
    finally:
        await runtime.stop()
    assert reads == [[uuid.UUID(str(env.payload["patient_id"])) for env, _ in events]]
    assert given == [1] * 10
    assert current_batch() is None


async def _one_dead_lettered_and_the_others_applied(kit_db: asyncpg.Connection, others: int) -> None:
    async def dead_lettered() -> bool:
        return await kit_db.fetchval("SELECT count(*) FROM dead_letters") == 1
    await eventually(dead_lettered, what="the failing event dead-lettered")
    await _effects(kit_db, others, "the others applied")


async def test_a_failing_event_in_a_batch_is_dead_lettered_alone_and_the_others_applied_once(
        make_runtime: Callable[..., ServiceRuntime], kit_db: asyncpg.Connection) -> None:
    transactions: list[int] = []
    bad, bad_raw = envelope_bytes()
    goods = [envelope_bytes() for _ in range(10)]
    runtime = make_runtime(handler=_recording_transactions(transactions, {uuid.UUID(str(bad.payload["patient_id"]))}))
    await _on_the_log_before_start(runtime, [raw for _, raw in goods[:5]] + [bad_raw] + [raw for _, raw in goods[5:]])
    await runtime.start()
    try:
        await _one_dead_lettered_and_the_others_applied(kit_db, 10)
    finally:
        await runtime.stop()
    assert transactions[:6] == [transactions[0]] * 6, "the batch was tried first, in one transaction"
    rows = await kit_db.fetch("SELECT event_id, count(*) AS n FROM effects GROUP BY event_id")
    assert {r["event_id"]: r["n"] for r in rows} == {env.event_id: 1 for env, _ in goods}
    assert await kit_db.fetchval("SELECT count(*) FROM inbox WHERE event_id = $1", bad.event_id) == 0
    row = await kit_db.fetchrow("SELECT event_id, attempts FROM dead_letters")
    assert (row["event_id"], row["attempts"]) == (bad.event_id, runtime.settings.consumer_max_attempts)
    assert len(await read_topic(runtime.settings.kafka_bootstrap, runtime.settings.topic("dlq.kittest"))) == 1


async def test_work_after_the_commit_runs_once_for_each_event_committed_and_never_for_one_rolled_back(
        make_runtime: Callable[..., ServiceRuntime], kit_db: asyncpg.Connection) -> None:
    """A handler's `after_commit` work runs when its event's transaction has committed: the batch tried first (one
    of its events fails, so it is rolled back) runs none of it; each event applied again on its own runs its own,
    once; the failing one, never committed, none."""
    bad, bad_raw = envelope_bytes()
    goods = [envelope_bytes() for _ in range(6)]
    failing = uuid.UUID(str(bad.payload["patient_id"]))
    after: list[uuid.UUID] = []
    tries: list[uuid.UUID] = []

    async def handler(conn: asyncpg.Connection, envelope: Envelope, event: Any) -> None:
        tries.append(envelope.event_id)
        await record_effect(conn, envelope, event)
        after_commit(lambda: after.append(envelope.event_id))
        if event.patient_id == failing:
            raise ValueError("this event cannot be applied")

    runtime = make_runtime(handler=handler)
    await _on_the_log_before_start(runtime, [raw for _, raw in goods[:3]] + [bad_raw] + [raw for _, raw in goods[3:]])
    await runtime.start()
    try:
        await _one_dead_lettered_and_the_others_applied(kit_db, 6)
    finally:
        await runtime.stop()
    assert tries.count(goods[0][0].event_id) == 2, "tried in the batch, then on its own"
    assert sorted(map(str, after)) == sorted(str(env.event_id) for env, _ in goods)  # once each, none for the bad
    with pytest.raises(RuntimeError):
        after_commit(lambda: None)  # no consumer transaction here


async def test_a_batch_delivered_again_applies_nothing_twice(
        make_runtime: Callable[..., ServiceRuntime], kit_db: asyncpg.Connection) -> None:
    """The relay may publish an event twice (it died before marking it sent) and a consumer may read a batch
    twice (it died before the offsets were committed): the inbox, written for the whole batch in one statement,
    lets each event through once, even twice in one batch."""
    events = [envelope_bytes() for _ in range(10)]
    raws = [raw for _, raw in events]
    first = make_runtime(handler=_recording_transactions([]))
    await _on_the_log_before_start(first, raws + raws)
    await first.start()
    try:
        await _effects(kit_db, 10, "the first batch applied")
    finally:
        await first.stop()

    later = [envelope_bytes() for _ in range(3)]
    second = make_runtime(handler=_recording_transactions([]))
    await _on_the_log_before_start(second, raws + [raw for _, raw in later])
    await second.start()
    try:
        await eventually(lambda: committed_everything(second.settings, second.settings.topic("patients")),
                         what="the second batch consumed")
    finally:
        await second.stop()
    rows = await kit_db.fetch("SELECT event_id, count(*) AS n FROM effects GROUP BY event_id")
    assert {r["event_id"]: r["n"] for r in rows} == {env.event_id: 1 for env, _ in events + later}
    assert await kit_db.fetchval("SELECT count(*) FROM inbox") == 13


async def test_each_topics_group_starts_where_the_services_one_group_stopped(
        make_runtime: Callable[..., ServiceRuntime], kit_settings: ServiceSettings,
        kit_db: asyncpg.Connection) -> None:
    """Until each topic had a consumer group of its own, a service had one group for all its topics. On the first
    start after the change, the topic's group takes that group's offsets: the events applied before are not read
    again (nor dead-lettered again), the ones after are applied; a later start carries nothing over."""
    s = kit_settings
    await ensure_topics(s)
    before = [envelope_bytes() for _ in range(3)]
    after = [envelope_bytes() for _ in range(2)]
    for _, raw in before:
        await produce(s, raw)
    producer = AIOKafkaProducer(bootstrap_servers=s.kafka_bootstrap)
    await producer.start()
    try:
        topic = s.topic("patients")
        partitions = [TopicPartition(topic, p) for p in await producer.partitions_for(topic)]
    finally:
        await producer.stop()
    old_group = AIOKafkaConsumer(bootstrap_servers=s.kafka_bootstrap, group_id=s.consumer_group,
                                 enable_auto_commit=False)
    await old_group.start()
    try:  # the service's one group had applied and committed the first three
        old_group.assign(partitions)
        await old_group.commit(await old_group.end_offsets(partitions))
    finally:
        await old_group.stop()
    for _, raw in after:
        await produce(s, raw)
    runtime = make_runtime()
    await runtime.start()
    try:
        await _effects(kit_db, 2, "the events after the old group's offsets")
        await asyncio.sleep(0.5)  # and nothing of before, which would come first on its partition
        applied = {row["event_id"] for row in await kit_db.fetch("SELECT event_id FROM effects")}
        assert applied == {env.event_id for env, _ in after}
    finally:
        await runtime.stop()
    assert await carry_over_offsets(s, ["patients"]) == {}, "a group with offsets of its own keeps them"


async def test_a_message_reaches_its_handler_on_the_event_loop_without_a_worker_thread(
        make_runtime: Callable[..., ServiceRuntime], kit_db: asyncpg.Connection,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """FastStream fills a handler's `KafkaMessage` parameter by a synchronous dependency, which fast_depends runs in
    a worker thread: a thread hop and back for every message. The consumer reads the message from the context."""
    import anyio.to_thread
    hops: list[object] = []
    run_sync = anyio.to_thread.run_sync

    async def counted(func: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        hops.append(func)
        return await run_sync(func, *args, **kwargs)
    monkeypatch.setattr(anyio.to_thread, "run_sync", counted)
    runtime = make_runtime()
    await runtime.start()
    try:
        good, raw = envelope_bytes()
        await produce(runtime.settings, raw)

        async def applied() -> bool:
            return await kit_db.fetchval("SELECT count(*) FROM effects WHERE event_id = $1", good.event_id) == 1
        await eventually(applied, what="the message applied")
        assert hops == []
    finally:
        await runtime.stop()


async def test_a_member_joining_the_group_reads_nothing_the_other_had_applied(
        kit_settings: ServiceSettings, migrations: Path, kit_db: asyncpg.Connection) -> None:
    """Offsets wait up to the commit interval (here a minute). A pod joining the topic's group takes partitions
    from the running one, which commits what it applied before giving them up: whichever member reads a partition
    after the rebalance starts after what was applied, and no event is delivered twice."""
    from contracts.events import PatientRegistered
    from kit.messaging import DUPLICATES

    settings = kit_settings.model_copy(update={"consumer_commit_interval_ms": 60_000})
    topic = settings.topic("patients")

    def member() -> ServiceRuntime:
        runtime = ServiceRuntime(settings, migrations)
        runtime.on(PatientRegistered)(record_effect)
        return runtime

    def assigned(runtime: ServiceRuntime) -> set[TopicPartition]:
        return {tp for s in runtime.consumer._subscribers for tp in s.consumer.assignment()}

    first, second = member(), member()
    await first.start()
    try:
        await produce(settings, envelope_bytes()[1])
        await _effects(kit_db, 1, "the first event applied (its commit goes at once)")
        for _ in range(5):
            await produce(settings, envelope_bytes()[1])
        await _effects(kit_db, 6, "five more applied (their commit waits for the interval)")
        assert not await committed_everything(settings, topic)
        duplicates = DUPLICATES.labels(first.consumer_name)._value.get()

        await second.start()  # the same group: a rebalance revokes the first member's partitions
        await eventually(lambda: assigned(first) and assigned(second), what="the partitions shared by both")
        await eventually(lambda: committed_everything(settings, topic), timeout=20,
                         what="what was applied committed at the rebalance, not at the interval's end")
        await asyncio.sleep(2)  # a member that started from an older offset would have read it again by now
        assert DUPLICATES.labels(first.consumer_name)._value.get() == duplicates, "an event delivered twice"
    finally:
        await second.stop()
        await first.stop()
