"""A local stand-in for the population register (Folkeregisteret).

Every valid synthetic fnr (birth month + 80, as `sykmeldingsflyt.synthetic` makes them) names a person
born on the date it encodes, except the few in `UKJENTE_FNR`, which name nobody. A number that is not
synthetic names nobody either, so a real person's fnr never resolves here.
"""

from collections.abc import Iterable

from sykmeldingsflyt.domain.identifiers import fnr_birth_date, is_valid_fnr
from sykmeldingsflyt.domain.registers import Person

_SYNTHETIC_MONTH_OFFSET = 80

UKJENT_PASIENT_FNR = "08888798715"
"""A valid synthetic fnr (born 1987-08-08) that the register does not know."""

UKJENTE_FNR = frozenset({UKJENT_PASIENT_FNR, "10909223224"})


def _is_synthetic(fnr: str) -> bool:
    return is_valid_fnr(fnr) and int(fnr[2:4]) > _SYNTHETIC_MONTH_OFFSET


class FixturePersonRegister:
    """`PersonRegister` for tests and the demo: deterministic, no stored data."""

    def __init__(self, unknown: Iterable[str] = UKJENTE_FNR) -> None:
        self._unknown = frozenset(unknown)

    def lookup(self, fnr: str) -> Person | None:
        if fnr in self._unknown or not _is_synthetic(fnr):
            return None
        return Person(fnr=fnr, fodselsdato=fnr_birth_date(fnr))
