"""What every benchmark shows: a summary table, a JSON result file, a comparison with the previous result
kept in the repo (bench/results/<name>.json), and a PNG plot where matplotlib is installed (the `bench`
extra)."""

import json
import os
import platform
import statistics
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

RESULTS = Path(__file__).resolve().parent / "results"
console = Console()


def progress() -> Progress:
    return Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(), console=console
    )


def percentiles(samples_ms: Sequence[float]) -> dict[str, float]:
    """p50, p95, p99 and max of latencies in milliseconds (all zero when nothing was measured)."""
    if len(samples_ms) < 2:
        only = samples_ms[0] if samples_ms else 0.0
        return {"count": len(samples_ms), "p50": only, "p95": only, "p99": only, "max": only}
    cuts = statistics.quantiles(samples_ms, n=100, method="inclusive")
    return {"count": len(samples_ms), "p50": cuts[49], "p95": cuts[94], "p99": cuts[98], "max": max(samples_ms)}


def _load() -> str:
    try:
        one, five, _ = (float(part) for part in Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "unknown"
    return f"{one:.1f} (1 min), {five:.1f} (5 min)"


def save(name: str, figures: Mapping[str, float], details: Mapping[str, Any], path: Path | None = None) -> Path:
    """Print `figures` beside the previous result's, then write this run's result as the new previous one."""
    target = path or RESULTS / f"{name}.json"
    previous: dict[str, Any] = json.loads(target.read_text()) if target.exists() else {}
    before: Mapping[str, float] = previous.get("figures", {})
    table = Table(title=f"{name} ({'vs ' + previous['taken'] if previous else 'no previous result'})")
    table.add_column("figure")
    table.add_column("this run", justify="right")
    table.add_column("previous", justify="right")
    table.add_column("change", justify="right")
    for key, value in figures.items():
        old = before.get(key)
        change = f"{(value - old) / old:+.0%}" if old else ""
        table.add_row(key, f"{value:,.2f}", "" if old is None else f"{old:,.2f}", change)
    console.print(table)
    result = {
        "benchmark": name,
        "taken": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "load": _load()},
        "figures": dict(figures),
        "details": dict(details),
    }
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(result, indent=2, default=str) + "\n")
    console.print(f"result written to {target}")
    return target


def plot(path: Path, title: str, series: Mapping[str, tuple[Sequence[float], Sequence[float]]], ylabel: str) -> None:
    """Lines of (x seconds, y) per series to a PNG, when matplotlib (the `bench` extra) is installed."""
    try:
        import matplotlib  # noqa: PLC0415  (optional: the `bench` extra)

        matplotlib.use("Agg")
        from matplotlib import pyplot  # noqa: PLC0415
    except ImportError:
        console.print("no plot: pip install '.[bench]' for matplotlib")
        return
    figure, axes = pyplot.subplots(figsize=(9, 4.5))
    for label, (xs, ys) in series.items():
        axes.plot(xs, ys, label=label, linewidth=1)
    axes.set(title=title, xlabel="seconds", ylabel=ylabel)
    axes.legend()
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    pyplot.close(figure)
    console.print(f"plot written to {path}")
