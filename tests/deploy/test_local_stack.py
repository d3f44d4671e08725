"""deploy/local/stack.py's Kafka: a broker asked for on another port than it runs on (EPORTAL_STACK_*_KAFKA_PORT
moved, e.g. for a clean clone's CI beside a working copy whose stack is up) is stopped and started again there, as
PostgreSQL is; a second broker on the same storage would only fail on its lock. One on the asked port is left."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.support.infra import stack


class _Broker:
    """Stands in for the started JVM: alive, its port open at once."""

    pid = 4242

    def __init__(self, cmd: list[str], **_: Any) -> None:
        started.append(cmd)

    def poll(self) -> None:
        return None


started: list[list[str]] = []


@pytest.fixture
def running_on(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    """A broker of a scratch instance, running on `port` (its properties written as the start wrote them)."""
    monkeypatch.setattr(stack, "ROOT", tmp_path)
    monkeypatch.setattr(stack, "_pid_alive", lambda pidfile: 4242)
    monkeypatch.setattr(stack, "port_open", lambda port: True)
    monkeypatch.setattr(stack.subprocess, "Popen", _Broker)
    monkeypatch.setattr(stack, "_kafka_cmd", lambda inst, main, *args: [main, *args])  # no JVM, no jars
    started.clear()

    def running(port: int) -> list[int]:
        stack.kafka_properties(stack.Instance("unit", 1, port, port + 1))
        (tmp_path / ".local" / "unit" / "kafka" / "data").mkdir(parents=True)
        (tmp_path / ".local" / "unit" / "kafka" / "data" / "meta.properties").write_text("formatted")
        stopped: list[int] = []
        monkeypatch.setattr(stack, "kafka_stop", lambda inst, sig=None: stopped.append(inst.kafka_port))
        return stopped
    return running


def test_a_broker_running_on_another_port_is_restarted_on_the_one_asked_for(running_on: Any) -> None:
    stopped = running_on(61000)
    stack.kafka_start(stack.Instance("unit", 1, 61010, 61011))
    assert stopped == [61010]  # the instance asked for now, whose storage the old broker holds
    assert len(started) == 1
    assert stack._kafka_port_written(stack.Instance("unit", 1, 61010, 61011)) == 61010


def test_a_broker_running_on_the_port_asked_for_is_left_running(running_on: Any) -> None:
    stopped = running_on(61000)
    stack.kafka_start(stack.Instance("unit", 1, 61000, 61001))
    assert stopped == []
    assert started == []
