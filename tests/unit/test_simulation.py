"""The simulation: synthetic cases with docs/domain.md §6's shapes, played through the timeline's domain."""

from collections import Counter
from collections.abc import Callable

import pytest
from typer.testing import CliRunner

from sykmeldingsflyt.cli import app
from sykmeldingsflyt.domain.stoppunkter import StoppunktName
from sykmeldingsflyt.domain.tilfelle import PeriodeKind
from sykmeldingsflyt.simulation import Simulation, horizon_days, synthetic_cases

S = StoppunktName


def test_the_synthetic_cases_have_the_national_shapes() -> None:
    cases = synthetic_cases(20_000, seed=7)
    lengths = [case.length for case in cases]

    def share(predicate: Callable[[int], bool]) -> float:
        return sum(1 for length in lengths if predicate(length)) / len(lengths)

    assert abs(share(lambda n: n <= 56) - 0.76) < 0.015
    assert abs(share(lambda n: n <= 182) - 0.92) < 0.01
    assert abs(share(lambda n: n >= 42) - 0.32) < 0.015
    assert abs(share(lambda n: n >= 364) - 0.045) < 0.01
    graded = sum(
        1 for case in cases if any(e.sykmelding and e.sykmelding.kind is PeriodeKind.GRADERT for e in case.events)
    )
    assert abs(graded / len(cases) - 0.22) < 0.015


def test_the_same_seed_plays_the_same_cases() -> None:
    assert synthetic_cases(200, seed=3) == synthetic_cases(200, seed=3)
    assert synthetic_cases(200, seed=3) != synthetic_cases(200, seed=4)


def test_each_stop_point_emits_at_most_once_per_case_that_reached_it() -> None:
    report = Simulation(synthetic_cases(3_000, seed=11)).run()
    reached, varsler, oppgaver = report.reached, report.varsler, report.oppgaver
    assert report.days == horizon_days()
    # Emitted only while relevant: never more than reached, fewer where a plan, a grade or a meeting says so.
    assert 0 < varsler["OPPFOLGINGSPLAN_MANGLER"] < reached[S.OPPFOLGINGSPLAN_FRIST]
    assert 0 < varsler["AKTIVITETSKRAV_INFORMASJON"] < 2 * reached[S.AKTIVITETSKRAV_VARSEL]
    assert 0 < oppgaver["AKTIVITETSKRAV_VURDERING"] < reached[S.AKTIVITETSKRAV_VURDERING]
    assert 0 < oppgaver["DIALOGMOTE2_FRIST"] < reached[S.DIALOGMOTE2_FRIST]
    # Without a condition, each case that reached the stop point gets it exactly once.
    assert varsler["SNART_SLUTT_PA_SYKEPENGER"] == oppgaver["SNART_SLUTT_PA_SYKEPENGER"]
    assert oppgaver["SNART_SLUTT_PA_SYKEPENGER"] == reached[S.SNART_SLUTT_PA_SYKEPENGER]
    assert oppgaver["MAKSDATO"] == reached[S.MAKSDATO] > 0
    assert varsler["OPPFOLGINGSPLAN_FOR_DIALOGMOTE"] > 0
    played = [e for case in synthetic_cases(3_000, seed=11) for e in case.events if e.day < horizon_days()]
    assert report.events == len(played)
    assert report.timers > 0


def test_simulate_prints_what_it_played() -> None:
    result = CliRunner().invoke(app, ["simulate", "--cases", "300", "--seed", "5"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].startswith("300 synthetic cases") and "no Kafka" in lines[0]
    counted = Counter(line.split()[0] for line in lines if line.startswith("  "))
    assert {"MAKSDATO", "AKTIVITETSKRAV_VURDERING", "SVAR_MOTEBEHOV"} <= set(counted)
    assert "events/s" in lines[-1] and "timers/s" in lines[-1]


def test_the_simulation_tells_each_day_it_played() -> None:
    days: list[int] = []
    played = Simulation(synthetic_cases(50, seed=1)).run(lambda: days.append(len(days)))
    assert len(days) == played.days == horizon_days()


def test_simulate_draws_its_progress_on_a_terminals_stderr_only(monkeypatch: pytest.MonkeyPatch) -> None:
    arguments = ["simulate", "--cases", "100", "--seed", "5"]
    piped = CliRunner().invoke(app, arguments)
    monkeypatch.setenv("TTY_COMPATIBLE", "1")  # rich: draw as on a terminal
    on_terminal = CliRunner().invoke(app, arguments)

    assert "days played" not in piped.output
    assert "days played" in on_terminal.stderr
    assert on_terminal.stdout.splitlines()[:-1] == piped.stdout.splitlines()[:-1]  # the last line is timing
