"""`make profile`: where the CPU of a request goes. Starts the system on the bench stack instance, drives the
patient traffic mix of `make bench` at one concurrency and samples the gateway, identity and booking with
py-spy meanwhile; writes bench/results/<date>-profile.md (and each process's collapsed stacks beside it, for
a flame graph tool) and prints the summary: CPU per library and per function by self time (the innermost
frame), and our own steps by inclusive time. `--rush` samples the booking rush instead (from the signal until
every patient has an answer).

    python -m bench.profile --seconds 20 --concurrency 8
    python -m bench.profile --rush --processes gateway,booking,notify --name profile-rush
"""

from __future__ import annotations

import argparse
import asyncio
import re
import shutil
import signal
import subprocess
import sys
from collections import Counter
from datetime import datetime
from pathlib import Path
from typing import Any

from bench import report, statements
from bench.load import run_load
from bench.probes import cpu_per_request, cpu_snapshot
from bench.scenarios import Bench, mix_system, scaled
from kit.clock import OSLO
from tests.support.infra import LocalProcesses
from tests.support.portal import Session
from tests.support.system import SERVICES, start_system, stop_system

PROFILED = ("gateway", "identity", "booking")  # the request path; --processes names others (notify, ...)
# py-spy names a frame's file from its package down (`starlette/routing.py`, `asyncio/events.py`).
_FRAME = re.compile(r"^(?P<function>.*) \((?P<file>[^()]+?)(?::\d+)?\)$")
OURS = {"kit", "contracts", "identity", "booking", "prescription", "econsult", "billing", "notify", "gateway"}


def py_spy() -> str:
    found = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
    if not Path(found).exists():
        raise SystemExit("py-spy is not installed: `make install` puts it in .venv (the dev group)")
    return found


def library(file: str) -> str:
    """The library a frame belongs to: ours (by service), the standard library, or the installed package."""
    top = file.split("/", 1)[0].removesuffix(".py")
    if top in OURS:
        return f"eportal:{top}"
    if not top or top.startswith("<") or top in sys.stdlib_module_names:
        return "stdlib"
    return top


def frames(stack: str) -> list[tuple[str, str]]:
    """py-spy's raw (collapsed) frames `function (file:line)` as (function, file), outermost first."""
    out = []
    for frame in stack.split(";"):
        match = _FRAME.match(frame.strip())
        out.append((match["function"], match["file"]) if match else (frame.strip(), ""))
    return out


def summarise(collapsed: str, top: int = 20) -> dict[str, Any]:
    """Samples per library and per function by self time (the innermost frame), and our own functions by
    inclusive time (everything they called): where the CPU goes, and which of our steps it goes for."""
    by_library: Counter[str] = Counter()
    by_function: Counter[str] = Counter()
    ours: Counter[str] = Counter()
    total = 0
    for line in collapsed.splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        count = int(count_text)
        total += count
        stack_frames = frames(stack)
        function, file = stack_frames[-1]
        by_library[library(file)] += count
        by_function[f"{function} ({file})"] += count
        for name in {f"{f} ({fl})" for f, fl in stack_frames
                     if library(fl).startswith("eportal:") and not fl.endswith(("__main__.py", "kit/http.py"))}:
            ours[name] += count
    share = (lambda n: round(100 * n / total, 1)) if total else (lambda n: 0.0)
    return {"samples": total,
            "by_library": [{"library": k, "pct": share(v)} for k, v in by_library.most_common(top)],
            "self": [{"function": k, "pct": share(v)} for k, v in by_function.most_common(top)],
            "ours_inclusive": [{"function": k, "pct": share(v)} for k, v in ours.most_common(top)]}


async def profile(seconds: float, concurrency: int, out: Path, workdir: Path, instance: str = "bench",
                  processes: tuple[str, ...] = PROFILED, settings: dict[str, str] | None = None) -> dict[str, Any]:
    async with mix_system(instance, workdir, "Dr. Profil", concurrency, _every_service(settings)) as (bench, sessions):
        system, infra = bench.system, bench.infra
        samplers = {name: await asyncio.create_subprocess_exec(
            py_spy(), "record", "--pid", str(system.procs[name].pid), "--duration", str(int(seconds)),
            "--rate", "250", "--format", "raw", "--nonblocking", "--output", str(out / f"{name}.collapsed.txt"),
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE) for name in processes}
        counting = await statements.start_counting(infra.admin_dsn())
        before = cpu_snapshot(system, infra)
        result = await run_load(bench.mix_plan(sessions), concurrency, seconds)
        cpu = cpu_per_request(before, cpu_snapshot(system, infra), result.total_requests, result.seconds)
        sent = await statements.per_request(infra.admin_dsn(), result.total_requests) if counting else None
        for name, sampler in samplers.items():
            _, err = await sampler.communicate()
            if sampler.returncode != 0:
                raise RuntimeError(f"py-spy on {name}: {err.decode(errors='replace')[-500:]}")
        return {"at": datetime.now(OSLO).isoformat(timespec="seconds"), "seconds": seconds,
                "concurrency": concurrency, "throughput_rps": round(result.total_requests / result.seconds, 1),
                "cpu": cpu, "statements": sent, "processes": {name: summarise(await asyncio.to_thread(
                    (out / f"{name}.collapsed.txt").read_text)) for name in processes}}


async def profile_rush(out: Path, workdir: Path, instance: str = "bench", processes: tuple[str, ...] = PROFILED,
                       settings: dict[str, str] | None = None) -> dict[str, Any]:
    """The booking rush of `make bench`, sampled from the signal until every patient has an answer."""
    infra = LocalProcesses(instance)
    system = await asyncio.to_thread(start_system, infra, workdir, _every_service(settings))
    bench = Bench(system, infra)
    samplers: dict[str, asyncio.subprocess.Process] = {}

    async def sample() -> None:
        for name in processes:
            samplers[name] = await asyncio.create_subprocess_exec(
                py_spy(), "record", "--pid", str(system.procs[name].pid), "--rate", "250", "--format", "raw",
                "--nonblocking", "--output", str(out / f"{name}.collapsed.txt"),
                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)

    try:
        doctor = await bench.doctor("Dr. Rush")
        sessions: list[Session] = await bench.log_in(await bench.patients(doctor, scaled(2000, 50)))
        await bench.wait_known(doctor, sessions)
        rush = await bench.rush(doctor, sessions, scaled(200, 10), on_start=sample)
        for name, sampler in samplers.items():  # py-spy writes what it has on SIGINT
            sampler.send_signal(signal.SIGINT)
            _, err = await sampler.communicate()
            if not (out / f"{name}.collapsed.txt").exists():
                raise RuntimeError(f"py-spy on {name}: {err.decode(errors='replace')[-500:]}")
        return {"at": datetime.now(OSLO).isoformat(timespec="seconds"),
                "seconds": rush["seconds_until_every_patient_answered"], "concurrency": "rush",
                "throughput_rps": rush["attempts_per_s"], "rush": rush, "cpu": rush["cpu_per_attempt"],
                "processes": {name: summarise(await asyncio.to_thread(
                    (out / f"{name}.collapsed.txt").read_text)) for name in processes}}
    finally:
        await bench.close()
        await asyncio.to_thread(stop_system, system, infra)


def markdown(r: dict[str, Any]) -> str:
    if "rush" in r:
        rush = r["rush"]
        head = (f"The booking rush of `make bench`: all {rush['slots']} slots taken in "
                f"{rush['seconds_until_all_taken']} s, every patient answered in {r['seconds']} s, "
                f"{r['throughput_rps']} attempts/s; CPU ms per attempt (a search and a booking): ")
    else:
        head = (f"The patient traffic mix of `make bench` at concurrency {r['concurrency']} for {r['seconds']} s: "
                f"{r['throughput_rps']} requests/s; CPU ms per request: ")
    lines = [f"# eportal profile {r['at']}", "",
             head + ", ".join(f"{k} {v}" for k, v in r["cpu"]["ms_per_request"].items()) + ".", ""]
    if r.get("settings"):
        lines += ["Every service with " + ", ".join(f"`{k}={v}`" for k, v in r["settings"].items()) + ".", ""]
    if sent := r.get("statements"):
        lines += [f"PostgreSQL statements a request (pg_stat_statements, what the services sent): "
                  f"**{sent['total_per_request']}**; " + ", ".join(
                      f"{k} {v}" for k, v in sent["per_request"].items()) + ".", "",
                  report.table([{**t, "statement": t["statement"].replace("|", "\\|"), "per_request":
                                 f"{t['per_request']:.3f}"} for t in sent["top"]],
                               ["service", "statement", "per_request"]), ""]
    elif "rush" not in r:
        lines += ["PostgreSQL statements not counted: the bench cluster runs without pg_stat_statements (stop it "
                  "with `python deploy/local/stack.py stop bench`; the next run starts it with the library).", ""]
    for name, p in r["processes"].items():
        lines += [f"## {name} ({p['samples']} samples)", "", "Self time by library:", "",
                  report.table(p["by_library"][:12], ["library", "pct"]), "",
                  "Self time by function:", "", report.table(p["self"][:15], ["function", "pct"]), "",
                  "Our own steps, inclusive (what they called counted in):", "",
                  report.table(p["ours_inclusive"][:15], ["function", "pct"]), ""]
    return "\n".join(lines)


def _every_service(settings: dict[str, str] | None) -> dict[str, dict[str, str]] | None:
    """`--set` settings given to every service (a setting measured against its default, run after run)."""
    return {service: dict(settings) for service in (*SERVICES, "gateway")} if settings else None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--name", default="profile")
    parser.add_argument("--processes", default=",".join(PROFILED), help="services to sample, comma-separated")
    parser.add_argument("--rush", action="store_true", help="sample the booking rush instead of the mix")
    parser.add_argument("--set", action="append", default=[], metavar="EPORTAL_NAME=VALUE",
                        help="a setting for every service of this run (again for more)")
    args = parser.parse_args()
    settings = dict(item.split("=", 1) for item in args.set)
    if any(not name.startswith("EPORTAL_") for name in settings):
        parser.error("--set takes the services' own settings: EPORTAL_NAME=VALUE")
    out = Path("bench/results") / f"{datetime.now(OSLO).date().isoformat()}-{args.name}"
    out.mkdir(parents=True, exist_ok=True)
    workdir = report.workdir("profile")
    processes = tuple(p for p in args.processes.split(",") if p)
    results = asyncio.run(profile_rush(out, workdir, processes=processes, settings=settings) if args.rush else
                          profile(args.seconds, args.concurrency, out, workdir, processes=processes, settings=settings))
    results["settings"] = settings
    text = markdown(results)
    report.publish(args.name, results, text, beside=f" and the collapsed stacks in {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
