"""An asyncio load generator: N virtual users run a scenario against the gateway for a while, and every
request's latency is kept by endpoint name. Its own CPU time is measured, so a report can show that the
generator was not the bottleneck."""

from __future__ import annotations

import asyncio
import resource
import time
from collections import defaultdict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from bench.client import TRANSPORT_ERRORS, Answer


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1))))
    return ordered[k]


@dataclass
class Recorder:
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    statuses: dict[str, dict[int, int]] = field(default_factory=lambda: defaultdict(lambda: defaultdict(int)))

    async def call(self, name: str, request: Awaitable[Answer], ok: tuple[int, ...] = (200, 201, 202, 204)
                   ) -> Answer | None:
        started = time.perf_counter()
        try:
            response = await request
        except TRANSPORT_ERRORS:
            self.errors[name] += 1
            return None
        self.latencies[name].append((time.perf_counter() - started) * 1000)
        self.statuses[name][response.status_code] += 1
        if response.status_code not in ok:
            self.errors[name] += 1
        return response

    def summary(self, seconds: float) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for name, values in sorted(self.latencies.items()):
            out[name] = {"requests": len(values), "rps": len(values) / seconds if seconds else 0.0,
                         "p50_ms": percentile(values, 50), "p95_ms": percentile(values, 95),
                         "p99_ms": percentile(values, 99), "errors": self.errors.get(name, 0),
                         "statuses": dict(self.statuses[name])}
        return out


@dataclass
class LoadResult:
    concurrency: int
    seconds: float
    visits: int  # the user's loops: one thing a patient does, one to three requests
    total_requests: int
    throughput_rps: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    errors: int
    generator_cpu_s: float
    endpoints: dict[str, Any]

    def as_dict(self) -> dict[str, Any]:
        return self.__dict__.copy()


async def run_load(user: Callable[[Recorder, int], Awaitable[None]], concurrency: int, seconds: float
                   ) -> LoadResult:
    """Run `concurrency` copies of `user` (each looping until time is up) and summarise."""
    recorder = Recorder()
    deadline = time.monotonic() + seconds
    cpu0 = resource.getrusage(resource.RUSAGE_SELF)

    visits = 0

    async def loop(n: int) -> None:
        nonlocal visits
        while time.monotonic() < deadline:
            await user(recorder, n)
            visits += 1

    started = time.monotonic()
    await asyncio.gather(*(loop(n) for n in range(concurrency)))
    return _result(recorder, concurrency, visits, time.monotonic() - started, cpu0)


async def run_paced(user: Callable[[Recorder, int], Awaitable[None]], visits_per_s: float, seconds: float,
                    most_in_flight: int = 256) -> LoadResult:
    """Open loop: a visit starts every 1/`visits_per_s` seconds whether the ones before have been answered or not,
    as patients arrive, so the load is the rate asked for and not what the system lets through (a closed loop at a
    lower concurrency still runs the machine flat out). Past `most_in_flight` visits waiting, the pace slips: the
    result's throughput then says the system could not carry the rate."""
    recorder, gate, running = Recorder(), asyncio.Semaphore(most_in_flight), set[asyncio.Task[None]]()
    cpu0 = resource.getrusage(resource.RUSAGE_SELF)
    started = time.monotonic()
    visits = 0

    async def visit(n: int) -> None:
        try:
            await user(recorder, n)
        finally:
            gate.release()

    while (now := time.monotonic()) < started + seconds:
        due = started + visits / visits_per_s
        if due > now:
            await asyncio.sleep(due - now)
        await gate.acquire()
        task = asyncio.create_task(visit(visits))
        running.add(task)
        task.add_done_callback(running.discard)
        visits += 1
    await asyncio.gather(*running)
    return _result(recorder, most_in_flight, visits, time.monotonic() - started, cpu0)


def _result(recorder: Recorder, concurrency: int, visits: int, elapsed: float,
            cpu0: resource.struct_rusage) -> LoadResult:
    cpu1 = resource.getrusage(resource.RUSAGE_SELF)
    all_latencies = [v for values in recorder.latencies.values() for v in values]
    return LoadResult(
        concurrency=concurrency, seconds=elapsed, visits=visits, total_requests=len(all_latencies),
        throughput_rps=len(all_latencies) / elapsed if elapsed else 0.0,
        p50_ms=percentile(all_latencies, 50), p95_ms=percentile(all_latencies, 95),
        p99_ms=percentile(all_latencies, 99), errors=sum(recorder.errors.values()),
        generator_cpu_s=(cpu1.ru_utime + cpu1.ru_stime) - (cpu0.ru_utime + cpu0.ru_stime),
        endpoints=recorder.summary(elapsed))
