"""The benchmark code cannot rot: every scenario of `make bench` at a tiny scale, on the test stack. It
asserts that each scenario ran and that the rush's correctness checks hold, never how fast anything was
(the machine is shared: performance is read from `make bench`'s ratios, not from tests)."""

from __future__ import annotations

from pathlib import Path

import pytest

import bench.run as bench_run
from bench import report, scenarios

pytestmark = pytest.mark.stack


async def test_every_scenario_runs_and_the_rush_books_each_slot_once(tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(scenarios, "SCALE", 0.02)
    results = await bench_run.bench(1.0, [1, 2], tmp_path, instance="test")
    assert [t["concurrency"] for t in results["traffic"]] == [1, 2]
    assert all(t["cpu"]["ms_per_request"]["gateway"] > 0 for t in results["traffic"])
    assert [t["concurrency"] for t in results["traffic_session_cache"]] == [1, 2]
    assert results["limits"]["pgbench_booking_shape"]["tps"] > 0
    alone = results["commands_alone"]
    assert alone["concurrency"] == 2
    assert alone["errors"] == 0, alone
    assert set(alone["endpoints"]) == {"POST /appointments", "DELETE /appointments/{id}"}
    assert alone["endpoints"]["POST /appointments"]["requests"] > 0
    assert 0 < alone["sustained_rps"] <= alone["throughput_rps"]
    assert results["limits"]["kafka_producer"]["records_per_s"] > 0
    rush = results["rush"]
    assert rush["taken"] == rush["slots"]
    assert (rush["double_bookings"], rush["patients_with_two"]) == (0, 0)
    assert results["event_latency"]["decision_to_sms"]["idle"]["samples"] > 0
    assert results["event_latency"]["answer_to_invoice"]["idle"]["samples"] > 0
    assert all(g["appointments"] >= n for g, n in zip(results["growth"], (1_000, 10_000, 20_000), strict=True))
    assert set(results["peak_memory_mib"]) >= {"identity", "booking", "gateway", "kafka", "postgres"}
    big = results["big_bodies"]
    assert big["me_while_big_bodies"]["samples"] == big["me_idle"]["samples"] > 0
    assert set(big["big_body_answers"]) == {413}
    text = report.markdown(results)
    assert "Booking rush" in text
    assert "Booking commands alone" in text
