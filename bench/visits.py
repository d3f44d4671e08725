"""`python -m bench.visits`: what each kind of visit of the patient traffic mix costs the system. Starts the system
on the bench stack instance, as `make profile` does, then runs each kind of visit alone (`bench.scenarios.VISITS`:
`/me`, a booking and its cancellation, the medicines, an eConsultation, the appointments, a login's start) at one
concurrency, and reads the CPU of every process per request and per visit. Weighted by how often the mix makes
each visit, that is each kind's share of the mix's CPU: where a change to the design pays most.

    python -m bench.visits --seconds 8 --concurrency 8 --name visits
"""

from __future__ import annotations

import argparse
import asyncio
from datetime import datetime
from pathlib import Path
from typing import Any

from bench import report
from bench.load import run_load
from bench.probes import cpu_per_request, cpu_snapshot
from bench.scenarios import VISITS, mix_system
from kit.clock import OSLO


async def visits(seconds: float, concurrency: int, workdir: Path, instance: str = "bench") -> dict[str, Any]:
    async with mix_system(instance, workdir, "Dr. Besøk", concurrency) as (bench, sessions):
        system, infra = bench.system, bench.infra
        kinds = []
        for kind, weight in VISITS:
            before = cpu_snapshot(system, infra)
            result = await run_load(bench.mix_plan(sessions, only=kind), concurrency, seconds)
            cpu = cpu_per_request(before, cpu_snapshot(system, infra), result.total_requests, result.seconds)
            per_visit = result.total_requests / max(result.visits, 1)
            kinds.append({"visit": kind, "weight": weight, "requests_per_visit": round(per_visit, 2),
                          "throughput_rps": round(result.total_requests / result.seconds, 1), "errors": result.errors,
                          "cpu": cpu, "system_ms_per_visit": round((cpu["system_ms_per_request"] or 0) * per_visit, 2)})
        mix = sum(k["weight"] * k["system_ms_per_visit"] for k in kinds)
        for k in kinds:
            k["share_of_mix_cpu"] = round(k["weight"] * k["system_ms_per_visit"] / mix, 3) if mix else None
        requests = sum(k["weight"] * k["requests_per_visit"] for k in kinds)
        return {"at": datetime.now(OSLO).isoformat(timespec="seconds"), "seconds": seconds,
                "concurrency": concurrency, "visits": kinds,
                "mix_system_ms_per_request": round(mix / requests, 2) if requests else None}


def markdown(r: dict[str, Any]) -> str:
    processes = [p for p in r["visits"][0]["cpu"]["ms_per_request"] if p != "load_generator"]
    rows = [{"visit": k["visit"], "weight": f"{k['weight']:.2f}", "requests": f"{k['requests_per_visit']:.2f}",
             "rps": k["throughput_rps"], "system_ms_a_visit": f"{k['system_ms_per_visit']:.2f}",
             "share_of_mix": f"{100 * k['share_of_mix_cpu']:.0f} %" if k["share_of_mix_cpu"] is not None else "",
             **{p: f"{k['cpu']['ms_per_request'].get(p, 0):.2f}" for p in processes}} for k in r["visits"]]
    return "\n".join([
        f"# eportal visits {r['at']}", "",
        f"Each kind of visit of the patient traffic mix alone, at concurrency {r['concurrency']} for {r['seconds']} s "
        f"each: the system's CPU a visit, its share of the mix's CPU (weighted by how often the mix makes it), and "
        f"each process's CPU ms a request. The mix, put together from them: {r['mix_system_ms_per_request']} ms a "
        f"request.", "",
        report.table(rows, ["visit", "weight", "requests", "rps", "system_ms_a_visit", "share_of_mix", *processes]),
        ""])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=8)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--name", default="visits")
    args = parser.parse_args()
    workdir = report.workdir("visits")
    results = asyncio.run(visits(args.seconds, args.concurrency, workdir))
    text = markdown(results)
    report.publish(args.name, results, text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
