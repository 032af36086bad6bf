"""What every benchmark shows: a progress bar while it runs, a summary table, a JSON result file, a
comparison with the previous result kept in the repo (bench/results/<name>.json), and for the runs over
time a plot in the terminal (plotext) and as a PNG (matplotlib), both from the `bench` extra."""

import json
import os
import platform
import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table
from rich.text import Text

RESULTS = Path(__file__).resolve().parent / "results"
console = Console()


def progress(on: Console | None = None) -> Progress:
    """A bar with done/total and the time left. Redrawn twice a second, not rich's ten: its thread's CPU
    counts in the benchmarks' process CPU time. Where the output is not a terminal (a CI log), rich draws
    nothing while it runs and prints the bar once, finished."""
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=on or console,
        refresh_per_second=2,
    )


def percentiles(samples_ms: Sequence[float]) -> dict[str, float]:
    """p50, p95, p99 and max of latencies in milliseconds (all zero when nothing was measured)."""
    if len(samples_ms) < 2:
        only = samples_ms[0] if samples_ms else 0.0
        return {"count": len(samples_ms), "p50": only, "p95": only, "p99": only, "max": only}
    cuts = statistics.quantiles(samples_ms, n=100, method="inclusive")
    return {"count": len(samples_ms), "p50": cuts[49], "p95": cuts[94], "p99": cuts[98], "max": max(samples_ms)}


def over_time(
    points: Sequence[tuple[float, float]], seconds: float = 1.0
) -> dict[str, tuple[list[float], list[float]]]:
    """p50 and p99 of (x seconds, latency) points per `seconds` of x: lines a plot can show, where tens of
    thousands of points would be a smear."""
    buckets: dict[int, list[float]] = {}
    for x, y in points:
        buckets.setdefault(int(x // seconds), []).append(y)
    cuts = {bucket: percentiles(ys) for bucket, ys in sorted(buckets.items())}
    xs = [bucket * seconds for bucket in cuts]
    return {name: (xs, [figures[name] for figures in cuts.values()]) for name in ("p50", "p99")}


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


@dataclass(frozen=True)
class Panel:
    """One plot: a line of (x seconds, y) per series."""

    title: str
    ylabel: str
    series: Mapping[str, tuple[Sequence[float], Sequence[float]]]


def chart(panel: Panel, width: int, height: int = 20) -> Text | None:
    """`panel` drawn in terminal cells, or None where plotext (the `bench` extra) is not installed."""
    try:
        import plotext  # noqa: PLC0415  (optional: the `bench` extra)
    except ImportError:
        return None
    figure = plotext.figure
    figure.clear()  # plotext keeps one figure per process
    figure.plot_size(width, height)
    figure.theme("simple")  # a colour per series, on the terminal's own background
    figure.title(panel.title)
    figure.label("seconds", "x")
    figure.label(panel.ylabel, "y")
    for label, (xs, ys) in panel.series.items():
        if xs:
            signal = figure.signal(list(xs), list(ys))
            signal.label(label)
            signal.lines()
            figure.draw(signal)
    return Text.from_ansi(figure.build().string())


def plot(path: Path | None, *panels: Panel, on: Console | None = None) -> None:
    """Each panel in the terminal, and with `path` all of them, one above the other, in a PNG."""
    out = on or console
    for panel in panels:
        drawn = chart(panel, out.width)
        if drawn is None:
            out.print("no terminal plot: pip install '.[bench]' for plotext", markup=False)
            break
        out.print(drawn)
    if path is not None:
        _png(path, panels, out)


def _png(path: Path, panels: Sequence[Panel], out: Console) -> None:
    try:
        import matplotlib  # noqa: PLC0415  (optional: the `bench` extra)

        matplotlib.use("Agg")
        from matplotlib import pyplot  # noqa: PLC0415
    except ImportError:
        out.print("no PNG: pip install '.[bench]' for matplotlib", markup=False)
        return
    figure, axes = pyplot.subplots(len(panels), 1, figsize=(9, 4.5 * len(panels)), squeeze=False)
    for panel, ax in zip(panels, axes[:, 0], strict=True):
        for label, (xs, ys) in panel.series.items():
            ax.plot(xs, ys, label=label, linewidth=1)
        ax.set(title=panel.title, xlabel="seconds", ylabel=panel.ylabel)
        ax.legend()
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    pyplot.close(figure)
    out.print(f"plot written to {path}")
