"""Benchmark results as JSON (the record), Markdown (the summary printed and kept) and a PNG chart."""

from __future__ import annotations

import json
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
