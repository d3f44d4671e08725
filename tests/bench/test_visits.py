"""`python -m bench.visits` cannot rot: each kind of visit of the mix runs alone, at a tiny scale on the test stack,
and the shares of the mix's CPU it reports add up. Never how fast (the machine is shared)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench import scenarios, visits

pytestmark = pytest.mark.stack


async def test_each_kind_of_visit_runs_alone_and_the_shares_of_the_mix_add_up(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(scenarios, "SCALE", 0.02)
    results = await visits.visits(0.5, 1, tmp_path, instance="test")
    kinds = {k["visit"]: k for k in results["visits"]}
    assert list(kinds) == [kind for kind, _ in scenarios.VISITS]
    assert all(k["errors"] == 0 and k["throughput_rps"] > 0 for k in kinds.values()), kinds
    assert kinds["me"]["requests_per_visit"] == 1
    assert kinds["book_and_cancel"]["requests_per_visit"] > 2  # the search, the booking and its cancellation
    assert kinds["me"]["cpu"]["ms_per_request"]["gateway"] > 0
    assert sum(k["share_of_mix_cpu"] for k in kinds.values()) == pytest.approx(1, abs=0.01)
    assert "book_and_cancel" in visits.markdown(results)
