"""`python -m bench.load_curve`: what a request of the patient traffic mix costs, and how long it waits, as the load
rises to the maximum. Starts the system on the bench stack instance, as `make profile` does, finds the mix's
maximum in the closed loop (`--concurrency` clients, as `make bench`'s top step), then offers the mix in the open
loop (a visit every 1/rate seconds, answered or not) at fractions of that maximum, and reads for each load the
latency, the CPU of every process a request and how busy the machine was.

A request's CPU is lowest at the maximum, where every batch is fullest (group commits, a consumer's batch, the
relay's, an event loop's wake-ups); `make bench`'s "CPU a request" is read there. Below it each request pays more,
so the two cores fill before the load reaches the maximum's 80 %: this says how much sooner.

    python -m bench.load_curve --seconds 20 --fractions 0.5,0.65,0.8 --name load-curve
"""

from __future__ import annotations

import argparse
import asyncio
from datetime import datetime
from pathlib import Path
from typing import Any

from bench import report
from bench.load import LoadResult, run_load
from bench.probes import cpu_per_request, cpu_snapshot
from bench.scenarios import mix_system
from kit.clock import OSLO


def _step(load: str, offered: float | None, result: LoadResult, cpu: dict[str, Any]) -> dict[str, Any]:
    return {"load": load, "offered_rps": round(offered, 1) if offered is not None else None,
            "carried_rps": round(result.throughput_rps, 1), "p50_ms": round(result.p50_ms, 1),
            "p95_ms": round(result.p95_ms, 1), "p99_ms": round(result.p99_ms, 1), "errors": result.errors, "cpu": cpu}


async def load_curve(seconds: float, concurrency: int, fractions: list[float], workdir: Path,
                     instance: str = "bench") -> dict[str, Any]:
    async with mix_system(instance, workdir, "Dr. Kurve", concurrency) as (bench, sessions):
        system, infra = bench.system, bench.infra
        before = cpu_snapshot(system, infra)
        top = await run_load(bench.mix_plan(sessions), concurrency, seconds)
        steps = [_step(f"closed loop, {concurrency} clients", None, top,
                       cpu_per_request(before, cpu_snapshot(system, infra), top.total_requests, top.seconds))]
        requests_per_visit = top.total_requests / max(top.visits, 1)
        for fraction in fractions:
            offered = fraction * top.throughput_rps
            before = cpu_snapshot(system, infra)
            result = await bench.paced(sessions, offered, requests_per_visit, seconds)
            steps.append(_step(f"open loop, {fraction:.0%} of the maximum", offered, result, cpu_per_request(
                before, cpu_snapshot(system, infra), result.total_requests, result.seconds)))
        return {"at": datetime.now(OSLO).isoformat(timespec="seconds"), "seconds": seconds,
                "concurrency": concurrency, "steps": steps}


def markdown(r: dict[str, Any]) -> str:
    processes = list(r["steps"][0]["cpu"]["ms_per_request"])
    rows = [{"load": s["load"], "offered_rps": s["offered_rps"] if s["offered_rps"] is not None else "",
             "carried_rps": s["carried_rps"], "p50_ms": s["p50_ms"], "p95_ms": s["p95_ms"], "p99_ms": s["p99_ms"],
             "errors": s["errors"], "system_ms": s["cpu"]["system_ms_per_request"],
             **{p: f"{s['cpu']['ms_per_request'].get(p, 0):.2f}" for p in processes},
             "machine_busy_cpus": s["cpu"]["machine_busy_cpus"]} for s in r["steps"]]
    return "\n".join([
        f"# eportal load curve {r['at']}", "",
        f"The patient traffic mix at its maximum ({r['concurrency']} clients, closed loop), then offered at a steady "
        f"rate (open loop) below it, {r['seconds']} s each: latency, CPU ms a request of every process (`system_ms`: "
        f"all of them but the generator) and how many of the machine's CPUs were busy.", "",
        report.table(rows, ["load", "offered_rps", "carried_rps", "p50_ms", "p95_ms", "p99_ms", "errors",
                            "system_ms", *processes, "machine_busy_cpus"]),
        ""])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--fractions", default="0.5,0.65,0.8")
    parser.add_argument("--name", default="load-curve")
    args = parser.parse_args()
    workdir = report.workdir("load-curve")
    results = asyncio.run(load_curve(args.seconds, args.concurrency,
                                     [float(f) for f in args.fractions.split(",")], workdir))
    report.publish(args.name, results, markdown(results))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
