"""Offsets are committed at most once an interval for each consumer, and all at once on a stop (no broker needed:
the consumer's commit is recorded)."""

from __future__ import annotations

import asyncio
from typing import Any

from aiokafka import AIOKafkaConsumer, TopicPartition

from kit.messaging import OffsetCommits


class RecordingConsumer(AIOKafkaConsumer):  # type: ignore[misc]  # aiokafka has no types
    """An aiokafka consumer that only records what it is asked to commit."""

    def __init__(self) -> None:  # no client, no broker
        self.commits: list[dict[TopicPartition, int]] = []

    async def commit(self, offsets: Any = None) -> None:
        self.commits.append(dict(offsets))


async def test_events_applied_within_the_interval_wait_for_one_commit_and_a_stop_does_not_wait() -> None:
    consumer = RecordingConsumer()
    offsets = OffsetCommits("test", interval=3600)  # longer than any test: only a stop commits the rest
    tp = TopicPartition("t", 0)
    offsets.applied(consumer, "t", 0, 0)
    await asyncio.sleep(0.01)
    assert consumer.commits == [{tp: 1}], "the first applied event's offset is committed at once"
    for offset in range(1, 10):
        offsets.applied(consumer, "t", 0, offset)
        await asyncio.sleep(0.01)
    offsets.applied(consumer, "t", 1, 5)
    await asyncio.sleep(0.01)
    assert consumer.commits == [{tp: 1}], "the events applied within the interval wait for its end"
    async with asyncio.timeout(5):  # a stop cuts the interval short
        await offsets.flush()
    assert consumer.commits == [{tp: 1}, {tp: 10, TopicPartition("t", 1): 6}], "one commit takes them all"


async def test_without_an_interval_each_commit_goes_when_the_last_is_done() -> None:
    consumer = RecordingConsumer()
    offsets = OffsetCommits("test")
    for offset in range(3):
        offsets.applied(consumer, "t", 0, offset)
        await asyncio.sleep(0.01)
    assert consumer.commits == [{TopicPartition("t", 0): n} for n in (1, 2, 3)]
