"""What the benchmarks print: the progress bar and the plots in the terminal (bench/report.py)."""

import io
import sys
from pathlib import Path

import pytest
from bench import report
from rich.console import Console

SOAK = report.Panel(
    "RSS per service at 100/s",
    "MB",
    {"mottak": ([0, 60, 120, 180], [123.0, 140.0, 150.0, 187.0]), "personvern": ([0, 60, 120, 180], [80.0] * 4)},
)


def recording(width: int = 100) -> Console:
    """A console that is not a terminal, as in a CI log, whose output the test reads back."""
    return Console(record=True, width=width, file=io.StringIO())


def y_ticks(printed: str) -> list[float]:
    return [float(line.split("┤")[0]) for line in printed.splitlines() if "┤" in line]


def x_ticks(printed: str) -> list[float]:
    lines = printed.splitlines()
    below = next(n for n, line in enumerate(lines) if "└┬" in line) + 1
    return [float(tick) for tick in lines[below].split()]


def test_the_progress_bar_shows_the_task_and_how_far_it_came() -> None:
    console = recording()
    with report.progress(console) as bar:
        task = bar.add_task("offering 500/s", total=30_000)
        bar.advance(task, 12_345)

    printed = console.export_text()
    assert "offering 500/s" in printed
    assert "12345/30000" in printed
    # Not a terminal: drawn once, at the end, not once per refresh.
    assert printed.count("offering 500/s") == 1


def test_the_terminal_plot_names_each_series_and_spans_their_values() -> None:
    console = recording()
    report.plot(None, SOAK, on=console)

    printed = console.export_text()
    assert "RSS per service at 100/s" in printed
    assert "mottak" in printed and "personvern" in printed
    assert "seconds" in printed and "MB" in printed
    # The y axis runs from personvern's 80 MB to mottak's 187, the x axis over the 180 s.
    assert y_ticks(printed) == pytest.approx([187.0, 160.2, 133.5, 106.8, 80.0], abs=0.1)
    assert x_ticks(printed) == [0, 30, 60, 90, 120, 150, 180]
    assert all(len(line) <= 100 for line in printed.splitlines())


def test_each_panel_is_drawn_and_a_series_without_points_is_left_out() -> None:
    console = recording()
    lag = report.Panel("consumer lag and outbox depth", "messages", {"consumer lag": ([0, 60], [0.0, 2977.0])})
    empty = report.Panel("nothing yet", "ms", {"kvittering": ([], [])})
    report.plot(None, SOAK, lag, empty, on=console)

    printed = console.export_text()
    assert printed.index("RSS per service") < printed.index("consumer lag and outbox depth") < printed.index("nothing")
    lag_ticks = y_ticks(printed)[5:]  # the second panel's; the empty third has none
    assert lag_ticks[0] == pytest.approx(2977, rel=0.01) and lag_ticks[-1] == 0 and len(lag_ticks) == 5
    assert "kvittering" not in printed


def test_latency_over_time_is_p50_and_p99_per_second() -> None:
    first = [(0.01 * n, float(n + 1)) for n in range(100)]  # 1..100 ms in the first second
    third = [(2.5, 7.0), (2.0, 5.0)]  # none in the second, two out of order in the third
    lines = report.over_time(first + third)

    assert lines["p50"][0] == lines["p99"][0] == [0.0, 2.0]
    assert lines["p50"][1] == pytest.approx([50.5, 6.0])
    assert lines["p99"][1] == pytest.approx([99.01, 6.98])


def test_without_plotext_it_says_how_to_install_it(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setitem(sys.modules, "plotext", None)  # import fails as if not installed
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    console = recording()
    report.plot(tmp_path / "soak.png", SOAK, on=console)

    printed = console.export_text()
    assert "pip install '.[bench]' for plotext" in printed
    assert "pip install '.[bench]' for matplotlib" in printed
    assert "mottak" not in printed
    assert not (tmp_path / "soak.png").exists()


def test_the_png_holds_every_panel_one_above_the_other(tmp_path: Path) -> None:
    lag = report.Panel("consumer lag", "messages", {"consumer lag": ([0, 60], [0.0, 2977.0])})
    report.plot(tmp_path / "one.png", SOAK, on=recording())
    report.plot(tmp_path / "two.png", SOAK, lag, on=recording())

    def size(png: Path) -> tuple[int, int]:
        header = png.read_bytes()[:24]  # the IHDR chunk: width and height, big-endian
        assert header.startswith(b"\x89PNG")
        return int.from_bytes(header[16:20], "big"), int.from_bytes(header[20:24], "big")

    (width, height), (width_2, height_2) = size(tmp_path / "one.png"), size(tmp_path / "two.png")
    assert width == width_2 and height_2 == 2 * height
