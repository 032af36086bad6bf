"""What the rules read of the patient's earlier sykmeldinger (DOMAIN.md §2.3), and which of them count.

NAV's rules do not read earlier sykmeldinger whole: syfosmregler asks the sykmelding register for the
patient's sykmeldinger and reads, of each, its periods (fom, tom, kind, grade), the hoveddiagnose, the
rule outcome, the merknader and the employee's latest status. `TidligereSykmelding` is exactly that, so
intake can keep it in its store and hand it back to the rules as if it had the sykmeldinger themselves.

Which earlier sykmeldinger count, as NAV's SykmeldingService selects them:
- for forlengelse and ettersending: not INVALID, no tilbakedatering merknad (UGYLDIG_TILBAKEDATERING,
  TILBAKEDATERING_KREVER_FLERE_OPPLYSNINGER, UNDER_BEHANDLING), the same hoveddiagnose code;
- for the syketilfelle (its start, the employer period, the 12 weeks): not INVALID, neither of the first
  two merknader, ALL diagnoses; their non-avventende periods' days.
Where we differ from NAV: an AVBRUTT or SLETTET sykmelding counts for neither (DOMAIN.md §2.3; NAV's
register leaves deleted ones out, and NAV drops AVBRUTT only from the syketilfelle, not from
forlengelse and ettersending).
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from sykmeldingsflyt.domain.clock import norwegian_date
from sykmeldingsflyt.domain.sykmelding import Periode, Periodetype, ReceivedSykmelding, SykmeldingStatus
from sykmeldingsflyt.domain.validering import RuleStatus, ValidationResult

UGYLDIG_TILBAKEDATERING = "UGYLDIG_TILBAKEDATERING"
TILBAKEDATERING_KREVER_FLERE_OPPLYSNINGER = "TILBAKEDATERING_KREVER_FLERE_OPPLYSNINGER"
UNDER_BEHANDLING = "UNDER_BEHANDLING"
"""The merknad a sykmelding carries while manual processing decides its backdating."""

_AVGJORT_TILBAKEDATERING = frozenset({UGYLDIG_TILBAKEDATERING, TILBAKEDATERING_KREVER_FLERE_OPPLYSNINGER})
_TILBAKEDATERING = _AVGJORT_TILBAKEDATERING | {UNDER_BEHANDLING}
_TELLER_IKKE = frozenset({SykmeldingStatus.AVBRUTT, SykmeldingStatus.SLETTET})


@dataclass(frozen=True, slots=True)
class TidligerePeriode:
    fom: date
    tom: date
    kind: Periodetype | None
    """None for a period that claimed no kind or several; such a sykmelding was INVALID."""
    grad: int | None = None

    @classmethod
    def av(cls, periode: Periode) -> "TidligerePeriode":
        return cls(periode.fom, periode.tom, periode.kind, periode.gradert.grad if periode.gradert else None)


@dataclass(frozen=True, slots=True)
class TidligereSykmelding:
    """One earlier sykmelding of the patient, as the rules read it."""

    sykmelding_id: str
    perioder: tuple[TidligerePeriode, ...]
    hoveddiagnose_system: str | None
    hoveddiagnose_kode: str | None
    regelstatus: RuleStatus
    merknader: tuple[str, ...]
    signatur_dato: date | None
    """The Norwegian day it was signed; None for what intake stored before it kept the day."""
    status: SykmeldingStatus = SykmeldingStatus.APEN

    @classmethod
    def av(
        cls,
        received: ReceivedSykmelding,
        result: ValidationResult,
        merknader: tuple[str, ...],
        status: SykmeldingStatus = SykmeldingStatus.APEN,
    ) -> "TidligereSykmelding":
        """What the rules will read of `received` once it is an earlier sykmelding."""
        sykmelding = received.sykmelding
        hoved = sykmelding.medisinsk_vurdering.hoved_diagnose
        return cls(
            sykmelding_id=sykmelding.id,
            perioder=tuple(TidligerePeriode.av(periode) for periode in sykmelding.perioder),
            hoveddiagnose_system=hoved.system if hoved else None,
            hoveddiagnose_kode=hoved.kode if hoved else None,
            regelstatus=result.status,
            merknader=merknader,
            signatur_dato=norwegian_date(sykmelding.signatur_dato),
            status=status,
        )

    @property
    def forste_fom(self) -> date:
        return min(periode.fom for periode in self.perioder)

    @property
    def siste_tom(self) -> date:
        return max(periode.tom for periode in self.perioder)

    @property
    def _teller(self) -> bool:
        return self.regelstatus is not RuleStatus.INVALID and self.status not in _TELLER_IKKE

    @property
    def teller_for_tilbakedatering(self) -> bool:
        """May it make a new sykmelding a forlengelse or an ettersending (given the same diagnosis)?"""
        return self._teller and not _TILBAKEDATERING.intersection(self.merknader)

    @property
    def teller_for_syketilfellet(self) -> bool:
        """Do its sick days belong to the patient's syketilfelle, whatever its diagnosis?"""
        return self._teller and not _AVGJORT_TILBAKEDATERING.intersection(self.merknader)


def med_samme_hoveddiagnose(
    tidligere: Iterable[TidligereSykmelding], hoveddiagnose_kode: str | None
) -> tuple[TidligereSykmelding, ...]:
    """The earlier sykmeldinger a forlengelse or ettersending may be of (NAV compares the code alone)."""
    if not hoveddiagnose_kode:
        return ()
    return tuple(t for t in tidligere if t.teller_for_tilbakedatering and t.hoveddiagnose_kode == hoveddiagnose_kode)
