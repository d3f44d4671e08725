"""Benchmark results as JSON (the record), Markdown (the summary printed and kept) and a PNG chart, and the
readings the summary makes of them (the step of maximum throughput, the load of 80 % of it)."""

from __future__ import annotations

import json
import secrets
from datetime import date
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).resolve().parent / "results"


def write(name: str, results: dict[str, Any], markdown: str, chart: dict[str, list[tuple[float, float]]] | None
          ) -> dict[str, Path]:
    RESULTS.mkdir(exist_ok=True)
    stem = RESULTS / f"{date.today().isoformat()}-{name}"
    paths = {"json": stem.with_suffix(".json"), "md": stem.with_suffix(".md")}
    paths["json"].write_text(json.dumps(results, indent=2, default=str) + "\n")
    paths["md"].write_text(markdown)
    if chart:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        fig, ax = plt.subplots(figsize=(8, 5))
        for label, points in chart.items():
            xs, ys = zip(*points, strict=True) if points else ((), ())
            ax.plot(xs, ys, marker="o", label=label)
        ax.set_xlabel("throughput (requests/s)")
        ax.set_ylabel("latency (ms)")
        ax.set_title(f"eportal: latency against load ({date.today().isoformat()})")
        ax.grid(True, alpha=0.3)
        ax.legend()
        paths["png"] = stem.with_suffix(".png")
        fig.savefig(paths["png"], dpi=110, bbox_inches="tight")
        plt.close(fig)
    return paths


def publish(name: str, results: dict[str, Any], markdown: str,
            chart: dict[str, list[tuple[float, float]]] | None = None, beside: str = "") -> None:
    """Write the results (`write`) and print the summary and where it went, as every bench command ends."""
    paths = write(name, results, markdown, chart)
    print(markdown)
    print("written:", ", ".join(str(p) for p in paths.values()) + beside)


def workdir(kind: str) -> Path:
    """A fresh folder under .local for one run's system (its logs, its clock file)."""
    folder = Path(f".local/bench-{kind}-{secrets.token_hex(3)}")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def table(rows: list[dict[str, Any]], columns: list[str]) -> str:
    head = "| " + " | ".join(columns) + " |\n|" + "---|" * len(columns) + "\n"
    body = ""
    for row in rows:
        cells = []
        for c in columns:
            v = row.get(c, "")
            cells.append(f"{v:.1f}" if isinstance(v, float) else str(v))
        body += "| " + " | ".join(cells) + " |\n"
    return head + body


def best_step(traffic: list[dict[str, Any]]) -> dict[str, Any]:
    return max(traffic, key=lambda r: r["throughput_rps"])


def at_80pct_of_max(traffic: list[dict[str, Any]]) -> dict[str, Any]:
    """The load of 80% of the maximum throughput: the first step, on the way up to the maximum, that carries
    that much. A closed-loop generator's steps past the maximum carry less while their clients only queue (their
    latency is the queue's), so they are not a load of 80% however little they carry."""
    best = best_step(traffic)
    rising = sorted((r for r in traffic if r["concurrency"] <= best["concurrency"]), key=lambda r: r["concurrency"])
    step = next(r for r in rising if r["throughput_rps"] >= 0.8 * best["throughput_rps"])
    return {"concurrency": step["concurrency"], "throughput_rps": step["throughput_rps"],
            "pct_of_max": round(100 * step["throughput_rps"] / best["throughput_rps"]), "p99_ms": step["p99_ms"]}


def _paced_latency(load: dict[str, Any]) -> str:
    """The mix's own latency in the steady 80 % run: the open loop's reading of the goal's p99 at 80 %."""
    if "p99_ms" not in load:
        return ""
    return (f"; its requests p50 {load['p50_ms']} ms / p95 {load['p95_ms']} ms / **p99 {load['p99_ms']} ms** (the open "
            "loop's reading of p99 at 80 % of the maximum; the event probes' own requests beside it)")


def markdown(r: dict[str, Any]) -> str:
    lim = r["limits"]
    lines = [f"# eportal benchmark {r['at']} (scale {r['scale']}, {r['machine']['cpus']} CPUs)", "",
             "## The machine's limits (same run, same database cluster and broker)",
             f"- pgbench, booking shape (state row + outbox row + NOTIFY): **{lim['pgbench_booking_shape']['tps']:.0f} "
             f"tps** at {lim['pgbench_booking_shape']['clients']} clients",
             f"- Kafka ProducerPerformance (acks=all, idempotent): {lim['kafka_producer']['records_per_s']:.0f} rec/s; "
             f"ConsumerPerformance: {lim['kafka_consumer']['records_per_s']:.0f} rec/s", "",
             "## 1. Patient traffic through the gateway", "",
             *([f"The system's clock was moved {r['clock_moved_hours']} hours ahead, to a working day (patients "
                "cancel on working days only).", ""] if r.get("clock_moved_hours") else []),
             table([{k: (round(v, 1) if isinstance(v, float) else v) for k, v in t.items() if k != "endpoints"}
                           for t in r["traffic"]],
                          ["concurrency", "throughput_rps", "p50_ms", "p95_ms", "p99_ms", "errors",
                           "generator_cpu_s"]), "",
             f"Booking commands (book + cancel) at best {r['commands_vs_pgbench']['best_command_rps']:.1f}/s = "
             f"**{r['commands_vs_pgbench']['ratio']:.1%} of pgbench** (goal 10 %, issue 17); p99 at 80% of the maximum "
             f"throughput (the first step on the way up to reach it: concurrency {r['at_80pct_of_max']['concurrency']},"
             f" {r['at_80pct_of_max']['pct_of_max']}% of the maximum): **{r['p99_at_80pct_of_max_ms']:.1f} ms** "
             "(goal under 100 ms).", "",
             *([f"Booking commands alone, as pgbench runs its transaction alone ({a['concurrency']} patients, each "
                f"booking a slot of their own and cancelling it, no search, in the closed loop; until their SMS were "
                f"sent, {a['drain_s']} s after the {a['seconds']:.0f} s of commands): {a['sustained_rps']:.1f}/s = "
                f"**{a['ratio']:.1%} of pgbench** ({a['throughput_rps']:.1f}/s while they were sent), "
                f"{a['cpu']['system_ms_per_request']} ms of the system's CPU a command, p99 {a['p99_ms']:.1f} ms, "
                f"{a['errors']} errors.", ""]
               if (a := r.get("commands_alone")) else []),
             "CPU per request (ms, every process of the system; the generator apart) and how busy the shared "
             "machine was (CPUs, of which taken by work that is not ours):", "",
             table([{"concurrency": t["concurrency"], "system": t["cpu"]["system_ms_per_request"],
                            **{k: t["cpu"]["ms_per_request"].get(k) for k in ("gateway", "identity", "booking",
                                                                             "postgres", "kafka", "load_generator")},
                            "machine_busy_cpus": t["cpu"]["machine_busy_cpus"],
                            "others_busy_cpus": t["cpu"]["others_busy_cpus"]} for t in r["traffic"]],
                          ["concurrency", "system", "gateway", "identity", "booking", "postgres", "kafka",
                           "load_generator", "machine_busy_cpus", "others_busy_cpus"]), "",
             f"At {min(t['cpu']['system_ms_per_request'] or 1e9 for t in r['traffic']):.1f} ms of CPU a request, "
             f"the {r['machine']['cpus']} CPUs alone would carry at most "
             f"{r['machine']['cpus'] * 1000 / min(t['cpu']['system_ms_per_request'] or 1e9 for t in r['traffic']):.0f}"
             " requests/s of this mix.", "",
             f"The same steps with the gateway's session cache at {r['session_cache_seconds']} s (what the cache "
             "gives; everything below runs with the gateway's defaults again):", "",
             table([{"concurrency": t["concurrency"], "throughput_rps": round(t["throughput_rps"], 1),
                            "p50_ms": round(t["p50_ms"], 1), "p99_ms": round(t["p99_ms"], 1), "errors": t["errors"],
                            "system_ms": t["cpu"]["system_ms_per_request"],
                            "identity_ms": t["cpu"]["ms_per_request"].get("identity"),
                            "others_busy_cpus": t["cpu"]["others_busy_cpus"]}
                           for t in r["traffic_session_cache"]],
                          ["concurrency", "throughput_rps", "p50_ms", "p99_ms", "errors", "system_ms", "identity_ms",
                           "others_busy_cpus"]), "",
             f"Per endpoint at the step of maximum throughput (concurrency {best_step(r['traffic'])['concurrency']}, "
             "cache off):", "",
             table([{"endpoint": k, **{m: (round(v[m], 1) if isinstance(v[m], float) else v[m])
                                              for m in ("requests", "rps", "p50_ms", "p95_ms", "p99_ms", "errors")}}
                           for k, v in best_step(r["traffic"])["endpoints"].items()],
                          ["endpoint", "requests", "rps", "p50_ms", "p95_ms", "p99_ms", "errors"]), "",
             "## 2. Event latency", "",
             *([f"Under load: the mix offered at a steady {r['event_latency_load']['offered_rps']} requests/s (80 % of "
                f"the maximum with the gateway as it then ran), carried {r['event_latency_load']['carried_rps']}/s"
                + _paced_latency(r["event_latency_load"]) + ".",
                ""] if r.get("event_latency_load") else [])]
    for name, v in r["event_latency"].items():
        lines.append(f"- {name}: idle p50 {v['idle']['p50_ms']} ms / p99 {v['idle']['p99_ms']} ms "
                     f"({v['idle']['samples']} samples); under load p50 {v['under_load']['p50_ms']} ms / "
                     f"p99 {v['under_load']['p99_ms']} ms ({v['under_load']['samples']} samples)")
    rush = r["rush"]
    lines += ["", "## 3. Booking rush", "",
              f"{rush['patients']} logged-in patients, {rush['slots']} slots opening at once: "
              f"all {rush['taken']} taken "
              f"in **{rush['seconds_until_all_taken']} s** ({rush['bookings_per_s']} bookings/s; every patient "
              f"had an answer after {rush['seconds_until_every_patient_answered']} s, "
              f"{rush['attempts_per_s']} attempts/s, {rush['bookings_vs_pgbench']} of pgbench); "
              f"double bookings: **{rush['double_bookings']}**, patients with two: **{rush['patients_with_two']}**. "
              f"CPU per attempt (a search and a booking): {rush['cpu_per_attempt']['system_ms_per_request']} ms "
              f"(gateway {rush['cpu_per_attempt']['ms_per_request'].get('gateway')}, booking "
              f"{rush['cpu_per_attempt']['ms_per_request'].get('booking')}); the machine was "
              f"{rush['cpu_per_attempt']['machine_busy_cpus']} CPUs busy, "
              f"{rush['cpu_per_attempt']['others_busy_cpus']} of them with work not ours.",
              "", "## 5. Cost", "", "Latency as the appointments table grows:", "",
              table([{"appointments": g["appointments"],
                             **{f"{k} {m}": round(v[m], 1) for k, v in g.items() if k != "appointments"
                                for m in ("p50_ms", "p99_ms")}} for g in r["growth"]],
                           ["appointments", *[f"{k} {m}" for k in ("GET /slots", "POST /appointments")
                                              for m in ("p50_ms", "p99_ms")]]), "",
              "Peak memory (MiB): " + ", ".join(f"{k} {v}" for k, v in r["peak_memory_mib"].items()), "",
              f"Load generator CPU: {r['load_generator_cpu_s']} s over the run.", ""]
    big = r["big_bodies"]
    lines += ["## 6. Big bodies", "",
              f"A patient's GET /me one after another ({big['me_idle']['samples']} samples), alone: "
              f"p50 {big['me_idle']['p50_ms']} ms / p99 {big['me_idle']['p99_ms']} ms; while {big['senders']} "
              f"anonymous clients sent login bodies of {big['body_bytes'] / 1e6:.1f} MB over and over: "
              f"p50 {big['me_while_big_bodies']['p50_ms']} ms / p99 {big['me_while_big_bodies']['p99_ms']} ms. "
              "The bodies were answered " + ", ".join(f"{n}× {status}" for status, n in
                                                     sorted(big["big_body_answers"].items()))
              + " (413: refused before they were read).", ""]
    return "\n".join(lines)
