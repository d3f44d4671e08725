"""`python -m bench.load_curve` cannot rot: the mix's maximum in the closed loop, then the mix offered below it in
the open loop, at a tiny scale on the test stack, each load with its latency and CPU a request. Never how fast."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench import load_curve, scenarios

pytestmark = pytest.mark.stack


async def test_the_maximum_then_the_mix_offered_below_it_each_with_its_latency_and_cpu(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(scenarios, "SCALE", 0.02)
    results = await load_curve.load_curve(1.0, 2, [0.5], tmp_path, instance="test")
    top, half = results["steps"]
    assert top["offered_rps"] is None
    assert top["carried_rps"] > 0
    assert half["offered_rps"] == pytest.approx(top["carried_rps"] / 2, rel=0.01)
    assert half["carried_rps"] > 0
    for step in (top, half):
        assert step["errors"] == 0, step
        assert step["cpu"]["system_ms_per_request"] > 0
        assert step["cpu"]["ms_per_request"]["gateway"] > 0
    text = load_curve.markdown(results)
    assert "closed loop, 2 clients" in text
    assert "open loop, 50% of the maximum" in text
