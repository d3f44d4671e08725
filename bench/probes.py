"""What the system costs while a scenario runs, read from /proc: each process's CPU seconds (PostgreSQL with its
backends, Kafka, the load generator, the whole machine) and peak resident memory."""

from __future__ import annotations

import os
import resource
from pathlib import Path
from typing import Any

from bench import load
from tests.support.infra import LocalProcesses
from tests.support.system import System


def _cpu_s(pid: int) -> float:
    """User + system CPU seconds of one process (0 if it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _children(pid: int) -> list[int]:
    out = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1]) == pid:
                    out.append(int(entry.name))
            except (OSError, IndexError, ValueError):
                pass
    return out


def cpu_snapshot(system: System, infra: LocalProcesses) -> dict[str, float]:
    """CPU seconds so far of every process of the system, PostgreSQL (its backends), Kafka, this generator, and
    the whole machine (busy time of all CPUs), so a step's CPU per request can be read apart from what other
    work on the shared machine took."""
    out = {name: _cpu_s(proc.pid) for name, proc in system.procs.items()}
    home = infra.instance.home
    try:
        kafka = int((home / "kafka" / "kafka.pid").read_text().split()[0])
        out["kafka"] = _cpu_s(kafka)
    except (OSError, ValueError):
        out["kafka"] = 0.0
    try:
        postmaster = int((home / "pg" / "postmaster.pid").read_text().split()[0])
        out["postgres"] = _cpu_s(postmaster) + sum(_cpu_s(c) for c in _children(postmaster))
    except (OSError, ValueError):
        out["postgres"] = 0.0
    out["load_generator"] = load.generator_cpu()  # the bench and bench/generator
    ticks = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    out["machine_busy"] = (sum(ticks[:8]) - ticks[3] - ticks[4]) / os.sysconf("SC_CLK_TCK")  # all but idle, iowait
    return out


def cpu_per_request(before: dict[str, float], after: dict[str, float], requests: int, seconds: float
                    ) -> dict[str, Any]:
    """CPU milliseconds per request of each process in a step, and how busy the machine was and with what."""
    used = {k: after[k] - before[k] for k in before}
    ours = sum(v for k, v in used.items() if k != "machine_busy")
    return {"ms_per_request": {k: round(v * 1000 / requests, 2) for k, v in used.items()
                               if k not in ("machine_busy",) and requests},
            "system_ms_per_request": round((ours - used["load_generator"]) * 1000 / requests, 2) if requests else None,
            "machine_busy_cpus": round(used["machine_busy"] / seconds, 2),
            "others_busy_cpus": round(max(0.0, used["machine_busy"] - ours) / seconds, 2)}


def peak_memory(system: System, infra: LocalProcesses) -> dict[str, float]:
    """Each process's peak resident memory (VmHWM), in MiB."""
    def hwm(pid: int) -> float:
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
        except OSError:
            pass
        return 0.0
    out = {name: hwm(proc.pid) for name, proc in system.procs.items()}
    home = infra.instance.home
    for name, pidfile in (("kafka", home / "kafka" / "kafka.pid"), ("postgres", home / "pg" / "postmaster.pid")):
        try:
            out[name] = hwm(int(pidfile.read_text().split()[0]))
        except (OSError, ValueError):
            out[name] = 0.0
    out["load_generator"] = max(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, load.generator_peak_rss_kib) / 1024
    return {k: round(v, 1) for k, v in out.items()}
