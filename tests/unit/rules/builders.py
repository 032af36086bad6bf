"""Sykmeldinger for the rule tests: the synthetic valid one, changed in exactly the way a test needs."""

import random
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sykmeldingsflyt.domain.registers import HprBehandler
from sykmeldingsflyt.domain.rules import RuleContext, TidligerePeriode, TidligereSykmelding, validate
from sykmeldingsflyt.domain.rules.engine import RuleTree
from sykmeldingsflyt.domain.rules.facts import RuleInput
from sykmeldingsflyt.domain.sykmelding import (
    ICD10_SYSTEM,
    ICPC2_SYSTEM,
    AktivitetIkkeMulig,
    Diagnose,
    Gradert,
    KontaktMedPasient,
    MedisinskVurdering,
    Periode,
    ReceivedSykmelding,
    SykmeldingStatus,
)
from sykmeldingsflyt.domain.validering import RuleStatus, ValidationResult
from sykmeldingsflyt.registers import bundled_diagnosekoder
from sykmeldingsflyt.synthetic import L87, make_sykmelding
from tests.support.registers import bundled_fakta

FOM = date(2026, 11, 2)
"""A Monday."""

CONTEXT = RuleContext(behandler=None, pasient=None, diagnosekoder=bundled_diagnosekoder())
"""The code lists and no history; `run` and `tree_hit` add what the bundled registers say of the sykmelding."""


def med_fakta(received: ReceivedSykmelding, context: RuleContext) -> RuleContext:
    """`context` with the bundled registers' signer and patient, where the test has not set its own."""
    behandler, pasient = bundled_fakta(received)
    return replace(context, behandler=context.behandler or behandler, pasient=context.pasient or pasient)


M545 = Diagnose(system=ICD10_SYSTEM, kode="M545", tekst="Lumbago")
Z09 = Diagnose(system=ICPC2_SYSTEM, kode="Z09", tekst="Juridisk problem")


def at_nine(day: date) -> datetime:
    return datetime.combine(day, time(9, 0), UTC)


def sykmelding(seed: int = 1, **kwargs: Any) -> ReceivedSykmelding:
    """The synthetic valid sykmelding from FOM, with `make_sykmelding`'s arguments overridden."""
    kwargs.setdefault("fom", FOM)
    return make_sykmelding(random.Random(seed), **kwargs)


def changed(received: ReceivedSykmelding, **update: Any) -> ReceivedSykmelding:
    """`received` with fields of its Sykmelding replaced."""
    return received.model_copy(update={"sykmelding": received.sykmelding.model_copy(update=update)})


def aktivitet_ikke_mulig(fom: date, tom: date) -> Periode:
    return Periode(fom=fom, tom=tom, aktivitet_ikke_mulig=AktivitetIkkeMulig())


def gradert(fom: date, tom: date, grad: int) -> Periode:
    return Periode(fom=fom, tom=tom, gradert=Gradert(grad=grad, reisetilskudd=False))


def tidligere(
    *perioder: Periode,
    hoveddiagnose: Diagnose | None = L87,
    regelstatus: RuleStatus = RuleStatus.OK,
    merknader: tuple[str, ...] = (),
    status: SykmeldingStatus = SykmeldingStatus.APEN,
) -> TidligereSykmelding:
    """An earlier sykmelding of the patient with these periods, by default accepted, APEN, with the
    synthetic sykmelding's hoveddiagnose (L87)."""
    return TidligereSykmelding(
        sykmelding_id=f"tidligere-{perioder[0].fom.isoformat()}" if perioder else "tidligere",
        perioder=tuple(TidligerePeriode.av(periode) for periode in perioder),
        hoveddiagnose_system=hoveddiagnose.system if hoveddiagnose else None,
        hoveddiagnose_kode=hoveddiagnose.kode if hoveddiagnose else None,
        regelstatus=regelstatus,
        merknader=merknader,
        signatur_dato=perioder[0].fom if perioder else None,
        status=status,
    )


def med_tidligere(*earlier: TidligereSykmelding) -> RuleContext:
    return replace(CONTEXT, tidligere=earlier)


def hver_for_seg(*perioder: Periode) -> RuleContext:
    """A context where each period is an earlier sykmelding of its own."""
    return med_tidligere(*(tidligere(periode) for periode in perioder))


def med_perioder(*perioder: Periode) -> ReceivedSykmelding:
    return sykmelding(perioder=list(perioder))


def med_diagnoser(hoved: Diagnose | None, *bi: Diagnose, **vurdering: Any) -> ReceivedSykmelding:
    return sykmelding(
        medisinsk_vurdering=MedisinskVurdering(
            hoved_diagnose=hoved, bi_diagnoser=list(bi), svangerskap=False, yrkesskade=False, **vurdering
        )
    )


def signert_av(behandler: HprBehandler, *, days: int = 14) -> ReceivedSykmelding:
    """A sykmelding of `days` days from FOM, signed by `behandler` (found in HPR by its number)."""
    received = sykmelding(tom=FOM + timedelta(days=days - 1))
    return received.model_copy(update={"avsender_hpr": behandler.hpr_nummer})


def tilbakedatert(days: int, begrunnelse: str | None = None, **kwargs: Any) -> ReceivedSykmelding:
    """Signed and received `days` days after its fom (FOM unless given)."""
    return sykmelding(
        signatur_dato=at_nine(kwargs.get("fom", FOM) + timedelta(days=days)),
        kontakt_med_pasient=KontaktMedPasient(begrunnelse_ikke_kontakt=begrunnelse),
        **kwargs,
    )


def run(received: ReceivedSykmelding, context: RuleContext = CONTEXT) -> ValidationResult:
    return validate(received, med_fakta(received, context))


def hits(received: ReceivedSykmelding, context: RuleContext = CONTEXT) -> list[str]:
    return [hit.rule_name for hit in run(received, context).rule_hits]


def tree_hit(tree: RuleTree, received: ReceivedSykmelding, context: RuleContext = CONTEXT) -> str | None:
    rule = tree.first_hit(RuleInput(received, med_fakta(received, context)))
    return rule.name if rule else None
