"""A local stand-in for NAV's suspension register (btsys): which doctors may not write sykmeldinger, when.

The one suspended doctor is `hpr_fixture.SUSPENDERT_LEGE`, a synthetic person HPR still authorises, so
that only tree 0 (BEHANDLER_SUSPENDERT) refuses what they sign.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from sykmeldingsflyt.registers.hpr_fixture import SUSPENDERT_LEGE


@dataclass(frozen=True, slots=True)
class Suspensjon:
    fra: date
    til: date | None = None
    """The last day of the suspension; None while it lasts."""

    def gjelder(self, dato: date) -> bool:
        return self.fra <= dato and (self.til is None or dato <= self.til)


SUSPENSJONER: Mapping[str, Suspensjon] = {SUSPENDERT_LEGE.fnr: Suspensjon(fra=date(2024, 1, 1))}
"""By the doctor's fnr."""


class FixtureLegesuspensjon:
    """`Legesuspensjon` over a fixed set of suspensions."""

    def __init__(self, suspensjoner: Mapping[str, Suspensjon] = SUSPENSJONER) -> None:
        self._suspensjoner = dict(suspensjoner)

    async def er_suspendert(self, behandler_fnr: str, dato: date) -> bool:
        suspensjon = self._suspensjoner.get(behandler_fnr)
        return suspensjon is not None and suspensjon.gjelder(dato)
