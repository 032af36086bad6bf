"""The case timeline at national scale: synthetic cases for 52 weeks through the domain, beside a bare
loop over the same cases in the same run, and the time a national year would take.

    python -m bench.bench_simulate [--cases 100000] [--profile]

The simulation is `sykmeldingsflyt simulate`: every sykmelding, plan and meeting status, and every
timer that falls due, rebuilds the person's cases and evaluates their stop points, as the tidslinje
service does per change (without its database and broker: the domain's cost, the floor under the
service's). The baseline generates the same cases and walks each through every day of its 52 weeks,
touching its events, with no domain logic: what a day-ticking loop costs before it decides anything.
Both run in this one process. A national year is ~1.1 million cases (docs/domain.md §6); the aim is to
play it in under ten minutes.
"""

import argparse
import cProfile
import io
import pstats
import time

from bench import report
from sykmeldingsflyt.simulation import Simulation, SyntheticCase, horizon_days, synthetic_cases

NATIONAL_YEAR = 1_100_000
AIM_SECONDS = 600.0


def _bare_loop(cases: list[SyntheticCase]) -> int:
    """Every day of every case's 52 weeks, and its events on their day; returns the events met."""
    days = horizon_days()
    met = 0
    for case in cases:
        by_day: dict[int, int] = {}
        for event in case.events:
            by_day[event.day] = by_day.get(event.day, 0) + 1
        for day in range(days):
            met += by_day.get(day, 0)
    return met


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--profile", action="store_true", help="profile the simulation with cProfile")
    args = parser.parse_args()

    started = time.perf_counter()
    cases = synthetic_cases(args.cases)
    generated = time.perf_counter() - started

    started = time.perf_counter()
    met = _bare_loop(cases)
    bare = time.perf_counter() - started

    simulation = Simulation(cases)
    profiler = cProfile.Profile() if args.profile else None
    with report.progress() as bar:
        day = bar.add_task("days played", total=simulation.report.days)
        started = time.perf_counter()
        if profiler is not None:
            profiler.enable()
        played = simulation.run(lambda: bar.advance(day))
        if profiler is not None:
            profiler.disable()
        simulated = time.perf_counter() - started

    scale = NATIONAL_YEAR / args.cases
    national = (generated + simulated) * scale
    print(*played.lines(), sep="\n")
    print()
    print(f"generating {args.cases:,} cases:                      {generated:8.2f} s")
    print(
        f"baseline, bare loop over their {args.cases * horizon_days():,} case days: {bare:8.2f} s "
        f"({met:,} events met, no domain logic)"
    )
    print(
        f"simulation through the domain:                 {simulated:8.2f} s "
        f"({played.events / simulated:,.0f} events/s, {played.timers / simulated:,.0f} timers/s)"
    )
    print(f"ratio simulation / baseline:                   {simulated / bare:8.1f}")
    print(
        f"projected national year ({NATIONAL_YEAR:,} cases), generating included: {national:6.0f} s "
        f"= {national / 60:.1f} min (aim: under {AIM_SECONDS / 60:.0f} min: "
        f"{'met' if national < AIM_SECONDS else 'NOT met'})"
    )
    report.save(
        "simulate" + ("-profiled" if profiler else ""),
        {
            "generating s": generated,
            "bare loop s": bare,
            "simulation s": simulated,
            "simulation / bare loop": simulated / bare,
            "events/s": played.events / simulated,
            "timers/s": played.timers / simulated,
            "national year s": national,
        },
        {"cases": args.cases, "events": played.events, "timers": played.timers},
    )
    if profiler is not None:
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(20)
        print(out.getvalue())


if __name__ == "__main__":
    main()
