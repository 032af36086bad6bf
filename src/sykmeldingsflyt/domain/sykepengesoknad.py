"""The sykepengesøknad (application for sick pay) as the employee sends it, and what the timeline
counts from it (docs/domain.md §5.1).

Fields and names follow NAV's SykepengesoknadDTO (flex), less what the follow-up does not use. A
søknad describes the days of one sykmelding as they turned out: the periods and the grade actually
worked, the day work was resumed (arbeidGjenopptatt), holiday and leave (fravar), egenmelding days
before the sykmelding, and single treatment days (behandlingsdager). A later søknad that corrects one
(korrigerer) replaces it. The søknad names the person by fnr: a consumer pseudonymises it at once.

The employer sees a søknad as NAV's sendt-søknad to the employer shows it (`arbeidsgiver_soknad`):
built field by field, with no fnr and nothing the employee told NAV alone.
"""

from datetime import date
from enum import StrEnum
from typing import Self

from pydantic import Field, model_validator

from sykmeldingsflyt.domain.base import DomainModel
from sykmeldingsflyt.domain.identifiers import Fnr, Orgnr, Uuid
from sykmeldingsflyt.domain.sykmelding import UtcTimestamp
from sykmeldingsflyt.domain.tilfelle import FULL_GRAD, PeriodeKind, Sykeperiode


class Soknadstype(StrEnum):
    ARBEIDSTAKERE = "ARBEIDSTAKERE"
    SELVSTENDIGE_OG_FRILANSERE = "SELVSTENDIGE_OG_FRILANSERE"
    ARBEIDSLEDIG = "ARBEIDSLEDIG"
    BEHANDLINGSDAGER = "BEHANDLINGSDAGER"
    REISETILSKUDD = "REISETILSKUDD"


class Sykmeldingstype(StrEnum):
    AKTIVITET_IKKE_MULIG = "AKTIVITET_IKKE_MULIG"
    GRADERT = "GRADERT"
    BEHANDLINGSDAGER = "BEHANDLINGSDAGER"
    AVVENTENDE = "AVVENTENDE"
    REISETILSKUDD = "REISETILSKUDD"


class Fravarstype(StrEnum):
    FERIE = "FERIE"
    PERMISJON = "PERMISJON"
    UTLANDSOPPHOLD = "UTLANDSOPPHOLD"
    """Abroad: kept for NAV's assessment, it changes no day of the case (NAV's tag OPPHOLD_UTENFOR_NORGE)."""


class Dagperiode(DomainModel):
    fom: date
    tom: date

    @model_validator(mode="after")
    def _fom_not_after_tom(self) -> Self:
        if self.fom > self.tom:
            raise ValueError("fom is after tom")
        return self


class Soknadsperiode(Dagperiode):
    sykmeldingsgrad: int = Field(ge=0, le=100)
    """The grade the sykmelding gave; 100 for AKTIVITET_IKKE_MULIG."""
    faktisk_grad: int | None = Field(default=None, ge=0, le=100)
    """The share the employee says they actually worked, when they worked more than the sykmelding said."""
    sykmeldingstype: Sykmeldingstype


class Fravar(Dagperiode):
    type: Fravarstype


class SoknadArbeidsgiver(DomainModel):
    orgnummer: Orgnr
    navn: str


class Sykepengesoknad(DomainModel):
    id: Uuid
    type: Soknadstype
    fnr: Fnr
    """Personal data: pseudonymise it at once, never store, log or pass it on."""
    sykmelding_id: Uuid
    arbeidsgiver: SoknadArbeidsgiver | None = None
    """The employer it concerns (ARBEIDSTAKERE); None for the other types."""
    fom: date
    tom: date
    korrigerer: Uuid | None = None
    """The søknad this one corrects and replaces."""
    sendt_nav: UtcTimestamp | None = None
    sendt_arbeidsgiver: UtcTimestamp | None = None
    arbeid_gjenopptatt: date | None = None
    """The first day back at work: from it to tom the days are work days."""
    soknadsperioder: list[Soknadsperiode] = Field(min_length=1)
    fravar: list[Fravar] = Field(default_factory=list)
    egenmeldinger: list[Dagperiode] = Field(default_factory=list)
    """Egenmelding days before the sykmelding (NAV's fravarForSykmeldingen)."""
    behandlingsdager: list[date] = Field(default_factory=list)
    """The single days of treatment, in a BEHANDLINGSDAGER søknad."""
    melding_til_nav: str | None = None
    """What the employee told NAV alone: never the employer's."""

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        """The checks of NAV's søknad, in the order a reader meets the fields."""
        if self.fom > self.tom:
            raise ValueError("fom is after tom")
        if self.korrigerer == self.id:
            raise ValueError("korrigerer names the søknad itself")
        if (self.type is Soknadstype.ARBEIDSTAKERE) != (self.arbeidsgiver is not None):
            raise ValueError("arbeidsgiver is required for ARBEIDSTAKERE and forbidden for every other type")
        if self.sendt_nav is None and self.sendt_arbeidsgiver is None:
            raise ValueError("a sent søknad has sendtNav or sendtArbeidsgiver")
        if self.arbeid_gjenopptatt is not None and not self.fom <= self.arbeid_gjenopptatt <= self.tom:
            raise ValueError("arbeidGjenopptatt lies outside fom..tom")
        inside = [*self.soknadsperioder, *self.fravar]
        if any(p.fom < self.fom or p.tom > self.tom for p in inside):
            raise ValueError("a soknadsperiode or fravar lies outside fom..tom")
        if any(not self.fom <= dag <= self.tom for dag in self.behandlingsdager):
            raise ValueError("a behandlingsdag lies outside fom..tom")
        return self

    @property
    def sendt(self) -> UtcTimestamp:
        """When it was sent: to NAV, else to the employer (one of them is set, see the checks)."""
        sent = self.sendt_nav or self.sendt_arbeidsgiver
        assert sent is not None
        return sent

    def perioder(self) -> list[Sykeperiode]:
        """The pieces the søknad gives the case; `tilfelle.soknad_biter` tags them with the employer."""
        pieces = [_piece(self.id, periode) for periode in self.soknadsperioder]
        pieces += [
            Sykeperiode(self.id, f.fom, f.tom, PeriodeKind(f.type.value))
            for f in self.fravar
            if f.type is not Fravarstype.UTLANDSOPPHOLD
        ]
        pieces += [Sykeperiode(self.id, e.fom, e.tom, PeriodeKind.EGENMELDING) for e in self.egenmeldinger]
        pieces += [Sykeperiode(self.id, dag, dag, PeriodeKind.BEHANDLINGSDAG) for dag in self.behandlingsdager]
        if self.arbeid_gjenopptatt is not None:
            pieces.append(Sykeperiode(self.id, self.arbeid_gjenopptatt, self.tom, PeriodeKind.ARBEID_GJENOPPTATT))
        return pieces


_KIND_OF = {
    Sykmeldingstype.AKTIVITET_IKKE_MULIG: PeriodeKind.AKTIVITET_IKKE_MULIG,
    Sykmeldingstype.GRADERT: PeriodeKind.GRADERT,
    Sykmeldingstype.BEHANDLINGSDAGER: PeriodeKind.BEHANDLINGSDAGER,
    Sykmeldingstype.AVVENTENDE: PeriodeKind.AVVENTENDE,
    Sykmeldingstype.REISETILSKUDD: PeriodeKind.REISETILSKUDD,
}


def _piece(soknad_id: str, periode: Soknadsperiode) -> Sykeperiode:
    kind = _KIND_OF[periode.sykmeldingstype]
    if kind is not PeriodeKind.GRADERT:
        return Sykeperiode(soknad_id, periode.fom, periode.tom, kind)
    # The grade actually away: what the employee did not work, when they worked more than prescribed.
    grad = periode.sykmeldingsgrad if periode.faktisk_grad is None else FULL_GRAD - periode.faktisk_grad
    if grad >= FULL_GRAD:
        return Sykeperiode(soknad_id, periode.fom, periode.tom, PeriodeKind.AKTIVITET_IKKE_MULIG)
    if grad <= 0:
        return Sykeperiode(soknad_id, periode.fom, periode.tom, PeriodeKind.ARBEID_GJENOPPTATT)
    return Sykeperiode(soknad_id, periode.fom, periode.tom, PeriodeKind.GRADERT, grad)


class ArbeidsgiverSoknad(DomainModel):
    """The employer's view of a søknad: what NAV's sendt-søknad to the employer shows."""

    id: Uuid
    type: Soknadstype
    sykmelding_id: Uuid
    arbeidsgiver: SoknadArbeidsgiver
    fom: date
    tom: date
    korrigerer: Uuid | None
    sendt_arbeidsgiver: UtcTimestamp | None
    arbeid_gjenopptatt: date | None
    soknadsperioder: list[Soknadsperiode]
    fravar: list[Fravar]
    egenmeldinger: list[Dagperiode]
    behandlingsdager: list[date]


def arbeidsgiver_soknad(soknad: Sykepengesoknad) -> ArbeidsgiverSoknad | None:
    """The employer's view, field by field (a field added to the søknad reaches the employer only when
    named here); None for a søknad with no employer or not sent to the employer. No fnr, no message to NAV,
    no stay abroad, and nothing medical: the søknad carries no diagnosis, and nothing here is derived from one."""
    if soknad.arbeidsgiver is None or soknad.sendt_arbeidsgiver is None:
        return None
    return ArbeidsgiverSoknad(
        id=soknad.id,
        type=soknad.type,
        sykmelding_id=soknad.sykmelding_id,
        arbeidsgiver=soknad.arbeidsgiver,
        fom=soknad.fom,
        tom=soknad.tom,
        korrigerer=soknad.korrigerer,
        sendt_arbeidsgiver=soknad.sendt_arbeidsgiver,
        arbeid_gjenopptatt=soknad.arbeid_gjenopptatt,
        soknadsperioder=soknad.soknadsperioder,
        # Holiday and leave are the employer's business; a stay abroad is between the employee and NAV.
        fravar=[f for f in soknad.fravar if f.type is not Fravarstype.UTLANDSOPPHOLD],
        egenmeldinger=soknad.egenmeldinger,
        behandlingsdager=soknad.behandlingsdager,
    )
