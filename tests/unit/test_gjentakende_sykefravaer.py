"""Repeated sick leave (DOMAIN.md §5.1): cases of 16+ sick days ending within 36 months, 5+ with 100+
days in all, or 2+ with 300+."""

from datetime import UTC, date, datetime, timedelta
from uuid import UUID, uuid4

import pytest

from sykmeldingsflyt.domain.gjentakende_sykefravaer import oppgave, vurder
from sykmeldingsflyt.domain.oppgave import Oppgavetype
from sykmeldingsflyt.domain.tilfelle import Oppfolgingstilfelle, PeriodeKind, Sykeperiode, build_tilfeller

TODAY = date(2027, 6, 1)


def cases(*spans: tuple[int, int]) -> list[tuple[UUID, Oppfolgingstilfelle]]:
    """Cases from (days before today the case ended, sick days), each apart from the others."""
    result = []
    for ended_ago, sykedager in spans:
        end = TODAY - timedelta(days=ended_ago)
        piece = Sykeperiode(str(uuid4()), end - timedelta(days=sykedager - 1), end, PeriodeKind.AKTIVITET_IKKE_MULIG)
        result.append((uuid4(), build_tilfeller([piece])[0]))
    return result


YEAR = 365
ROWS = [
    ("five cases of 20 days: 100 in all", [(i * 60, 20) for i in range(5)], True),
    ("five cases of 19 days: 95 in all is short of 100", [(i * 60, 19) for i in range(5)], False),
    (
        "four cases of 100 days are too few for the first rule and short of 300",
        [(i * 150, 100) for i in range(4)],
        True,
    ),
    ("two cases of 150 days: 300 in all", [(0, 150), (200, 150)], True),
    ("two cases of 149 and 150 days: 299", [(0, 149), (200, 150)], False),
    ("a case of 15 sick days does not count", [(0, 15), *[(60 + i * 60, 25) for i in range(4)]], False),
    ("a case that ended more than 36 months ago does not count", [(3 * YEAR + 10, 200), (0, 150)], False),
    ("a case that ended just within 36 months counts", [(3 * YEAR - 10, 200), (0, 150)], True),
    ("one long case alone is not repeated", [(0, 400)], False),
]


@pytest.mark.parametrize(("cases_", "signalled"), [(c, s) for _, c, s in ROWS], ids=[r[0] for r in ROWS])
def test_repeated_sick_leave(cases_: list[tuple[int, int]], signalled: bool) -> None:
    assert (vurder(cases(*cases_), TODAY) is not None) is signalled


def test_four_cases_of_100_days_qualify_by_the_300_rule() -> None:
    signal = vurder(cases(*[(i * 150, 100) for i in range(4)]), TODAY)
    assert signal is not None and (signal.tilfeller, signal.sykedager) == (4, 400)


def test_the_task_is_one_per_newest_counted_case() -> None:
    person = cases((0, 150), (200, 150))
    signal = vurder(person, TODAY)
    assert signal is not None and signal.siste_tilfelle_id == person[0][0]
    now = datetime(2027, 6, 1, 8, tzinfo=UTC)
    first, again = oppgave("p", signal, now), oppgave("p", signal, now + timedelta(days=3))
    assert first.id == again.id and first.type is Oppgavetype.GJENTAKENDE_SYKEFRAVAER
    later = vurder([*person, *cases((-100, 20))], TODAY + timedelta(days=120))
    assert later is not None and oppgave("p", later, now).id != first.id
