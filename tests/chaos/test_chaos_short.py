"""The short chaos run of make test: a few hundred mixed commands while the broker, every service and the
gateway are each SIGKILLed once at random moments and PostgreSQL restarts once; then every invariant
(tests/chaos/run.py). `make chaos` runs the long one: 10,000 commands, three kills each."""

from __future__ import annotations

import json
import secrets
from pathlib import Path

import pytest

from tests.chaos.run import chaos, table

pytestmark = pytest.mark.stack


async def test_a_short_chaos_run_keeps_every_invariant(tmp_path: Path) -> None:
    seed = secrets.randbelow(10**6)
    report = await chaos(commands=300, kills_each=1, workers=4, doctors=2, patients_each=5, pause=1.0, seed=seed,
                         workdir=tmp_path)
    print(json.dumps(report, indent=2, default=str, ensure_ascii=False))
    print(table(report))
    assert report["ok"], f"seed {seed}: {report['failures']}"
    assert set(report["kills"]) == {"kafka", "identity", "booking", "prescription", "econsult", "billing", "notify",
                                    "gateway"}
    assert report["postgres_restarts"] == 1
    assert report["bookings"]["accepted"] > 0  # the run did real work between the kills
    assert report["cancellations"]["accepted"] > 0  # reception's, on any day
