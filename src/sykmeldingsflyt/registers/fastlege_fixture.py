"""A local stand-in for the fastlege register: the demo doctor is every synthetic patient's fastlege,
except the few in `UTEN_FASTLEGE`, who have none.

A number that is not synthetic (birth month + 80) has no fastlege here, so a real person's fnr never
resolves.
"""

from collections.abc import Iterable

from sykmeldingsflyt.domain.fastlegeregister import Fastlege
from sykmeldingsflyt.domain.identifiers import is_valid_fnr
from sykmeldingsflyt.synthetic import DEMO_BEHANDLER, DEMO_LEGEKONTOR

_SYNTHETIC_MONTH_OFFSET = 80

UTEN_FASTLEGE_FNR = "14838526102"
"""A valid synthetic fnr (born 1985-03-14) of a person without a fastlege."""

UTEN_FASTLEGE = frozenset({UTEN_FASTLEGE_FNR, "02917936725"})


def _demo_fastlege() -> Fastlege:
    assert DEMO_BEHANDLER.her is not None, "the demo doctor must have a HER id to be anyone's fastlege"
    return Fastlege(her_id=DEMO_BEHANDLER.her, legekontor_her_id=DEMO_LEGEKONTOR.her_id)


DEMO_FASTLEGE = _demo_fastlege()
"""Dr. Test Legesen (`synthetic.DEMO_BEHANDLER`) at `synthetic.DEMO_LEGEKONTOR`."""


class FixtureFastlegeRegister:
    """`FastlegeRegister` for tests and the demo: deterministic, no stored data."""

    def __init__(self, uten_fastlege: Iterable[str] = UTEN_FASTLEGE) -> None:
        self._uten_fastlege = frozenset(uten_fastlege)

    def fastlege_for(self, fnr: str) -> Fastlege | None:
        synthetic = is_valid_fnr(fnr) and int(fnr[2:4]) > _SYNTHETIC_MONTH_OFFSET
        if not synthetic or fnr in self._uten_fastlege:
            return None
        return DEMO_FASTLEGE
