"""The backdating tree, folketrygdloven § 8-7 (NAV's TilbakedateringRuleTree, DOMAIN.md §2.2).

A sykmelding is backdated by the days from its first fom to the (Norwegian) day it was signed. As
DOMAIN.md states it: up to 4 days is fine; 5 to 8 days needs a justification (kontaktMedPasient.
begrunnelseIkkeKontakt) unless it extends an earlier sykmelding (INNTIL_8_DAGER); up to one month
without a justification is INVALID (MINDRE_ENN_1_MAANED) and with one goes to manual processing
(MINDRE_ENN_1_MAANED_MED_BEGRUNNELSE); over one month needs a justification of at least 3 words, else
INVALID (OVER_1_MND), and with one goes to manual processing (OVER_1_MND_MED_BEGRUNNELSE). A word is,
as NAV counts it, a token between spaces with at least one ASCII letter (A-Z, a-z): digits, punctuation
and tokens of only æøå are no words. "One month" is Java's `plusMonths(1)`: signed on or before fom +
1 month.

Where DOMAIN.md is silent we follow NAV's current tree (regulus-regula):
- Leniency within the employer period: a justified backdating of 9 days to 1 month is accepted
  outright, not sent to manual processing, when it extends an earlier sykmelding or when the case's
  sick days up to this sykmelding's last tom still fit in the 16-day arbeidsgiverperiode. Those days
  are this sykmelding's days plus the earlier sick days of the same case, a weekend between two sick
  days counting as sick (NAV's `getSykedagerForArbeidsgiverperiode`).
- An extension (forlengelse) is of an earlier sykmelding with the same hoveddiagnose code and exactly
  one period, aktivitetIkkeMulig or gradert, that ends with no working day before this first fom, or
  that this sykmelding starts inside and reaches past (NAV's `erForlengelse`).
- Never backdating-checked: a sykmelding from the specialist health service (hoveddiagnose in ICD-10),
  and a resend (ettersending) of an earlier one with the same hoveddiagnose code: a single period whose
  fom, tom, kind and grade a period of the earlier one has exactly (NAV's `erEttersending`).
- Which earlier sykmeldinger count (outcome, merknader, status) is `historikk`'s.
"""

import re
from enum import Enum, auto

from sykmeldingsflyt.domain.rules.datemath import add_months, has_weekday_between
from sykmeldingsflyt.domain.rules.engine import Rule, RuleTree
from sykmeldingsflyt.domain.rules.facts import RuleInput
from sykmeldingsflyt.domain.rules.historikk import UNDER_BEHANDLING, TidligerePeriode
from sykmeldingsflyt.domain.rules.messages import SKRIV_NY
from sykmeldingsflyt.domain.sykmelding import ICD10_SYSTEM, Periodetype
from sykmeldingsflyt.domain.validering import RuleStatus, ValidationResult

UTEN_BEGRUNNELSE_DAGER = 4
KORT_TILBAKEDATERING_DAGER = 8
ARBEIDSGIVERPERIODE_DAGER = 16
LANG_BEGRUNNELSE_ORD = 3
LOVHENVISNING = "Folketrygdloven § 8-7"
LOVHENVISNING_DOKUMENTASJON = "Folketrygdloven § 8-7 første ledd første punktum"
_FORLENGBARE = frozenset({Periodetype.AKTIVITET_IKKE_MULIG, Periodetype.GRADERT})
_ORD = re.compile("[A-Za-z]")
_MANUELL_FOR_PASIENT = "Sykmeldingen blir manuelt behandlet fordi den er tilbakedatert."
_UTEN_BEGRUNNELSE_FOR_PASIENT = (
    "Sykmeldingen er tilbakedatert uten tilstrekkelig begrunnelse fra den som sykmeldte deg."
)


class Tilbakedatering(Enum):
    """How far back a sykmelding reaches, once the exceptions that need no check are taken out."""

    IKKE_VURDERT = auto()
    INNTIL_8_DAGER = auto()
    MINDRE_ENN_1_MAANED = auto()
    OVER_1_MND = auto()


def _ettersending(f: RuleInput) -> bool:
    if len(f.perioder) != 1:
        return False
    periode = TidligerePeriode.av(f.perioder[0])
    return any(periode in tidligere.perioder for tidligere in f.tidligere_med_samme_hoveddiagnose)


def _forlenger(tidligere: TidligerePeriode, f: RuleInput) -> bool:
    return tidligere.kind in _FORLENGBARE and (
        (tidligere.tom <= f.first_fom and not has_weekday_between(tidligere.tom, f.first_fom))
        or tidligere.fom <= f.first_fom <= tidligere.tom <= f.last_tom
    )


def _forlengelse(f: RuleInput) -> bool:
    return any(
        len(tidligere.perioder) == 1 and _forlenger(tidligere.perioder[0], f)
        for tidligere in f.tidligere_med_samme_hoveddiagnose
    )


def _spesialisthelsetjenesten(f: RuleInput) -> bool:
    hoved = f.sykmelding.medisinsk_vurdering.hoved_diagnose
    return hoved is not None and hoved.system == ICD10_SYSTEM


def _innenfor_arbeidsgiverperioden(f: RuleInput) -> bool:
    dager = (f.last_tom - f.first_fom).days + 1
    senere = f.first_fom
    for dag in f.earlier_sick_days:
        if dager > ARBEIDSGIVERPERIODE_DAGER or dag < f.syketilfelle_startdato:
            break
        dager += 1 if has_weekday_between(dag, senere) else (senere - dag).days
        senere = dag
    return dager <= ARBEIDSGIVERPERIODE_DAGER


def _begrunnelse_ord(f: RuleInput) -> int:
    tekst = f.sykmelding.kontakt_med_pasient.begrunnelse_ikke_kontakt or ""
    return sum(1 for token in tekst.split(" ") if _ORD.search(token))


def _tilbakedatering(f: RuleInput) -> Tilbakedatering:
    dager = (f.signatur_dag - f.first_fom).days
    if dager <= UTEN_BEGRUNNELSE_DAGER or _spesialisthelsetjenesten(f) or _ettersending(f):
        return Tilbakedatering.IKKE_VURDERT
    if dager <= KORT_TILBAKEDATERING_DAGER:
        return Tilbakedatering.INNTIL_8_DAGER
    if f.signatur_dag <= add_months(f.first_fom, 1):
        return Tilbakedatering.MINDRE_ENN_1_MAANED
    return Tilbakedatering.OVER_1_MND


BACKDATING_TREE = RuleTree(
    name="TILBAKEDATERING",
    rules=(
        Rule(
            name="INNTIL_8_DAGER",
            status=RuleStatus.INVALID,
            message_for_sender=SKRIV_NY
            + "Første sykmelding er tilbakedatert uten at begrunnelse (felt 11.2) er tilstrekkelig utfylt.",
            message_for_user=_UTEN_BEGRUNNELSE_FOR_PASIENT,
            legal_reference=LOVHENVISNING_DOKUMENTASJON,
            predicate=lambda f: (
                _tilbakedatering(f) is Tilbakedatering.INNTIL_8_DAGER
                and _begrunnelse_ord(f) == 0
                and not _forlengelse(f)
            ),
        ),
        Rule(
            name="MINDRE_ENN_1_MAANED",
            status=RuleStatus.INVALID,
            message_for_sender=SKRIV_NY
            + "Sykmelding er tilbakedatert uten at begrunnelse (felt 11.2) er tilstrekkelig utfylt.",
            message_for_user=_UTEN_BEGRUNNELSE_FOR_PASIENT,
            legal_reference=LOVHENVISNING_DOKUMENTASJON,
            predicate=lambda f: _tilbakedatering(f) is Tilbakedatering.MINDRE_ENN_1_MAANED and _begrunnelse_ord(f) == 0,
        ),
        Rule(
            name="MINDRE_ENN_1_MAANED_MED_BEGRUNNELSE",
            status=RuleStatus.MANUAL_PROCESSING,
            message_for_sender="Første sykmelding er tilbakedatert og felt 11.2 (begrunnelse) er utfylt.",
            message_for_user=_MANUELL_FOR_PASIENT,
            legal_reference=LOVHENVISNING,
            # A justified one has passed the rule before; extensions and the employer period are let through.
            predicate=lambda f: (
                _tilbakedatering(f) is Tilbakedatering.MINDRE_ENN_1_MAANED
                and not _forlengelse(f)
                and not _innenfor_arbeidsgiverperioden(f)
            ),
        ),
        Rule(
            name="OVER_1_MND",
            status=RuleStatus.INVALID,
            message_for_sender=SKRIV_NY
            + "Sykmelding er tilbakedatert mer enn det som er tillatt og felt 11.2 (begrunnelse) er "
            "utfylt uten tilstrekkelig begrunnelse.",
            message_for_user=_UTEN_BEGRUNNELSE_FOR_PASIENT,
            legal_reference=LOVHENVISNING,
            predicate=lambda f: (
                _tilbakedatering(f) is Tilbakedatering.OVER_1_MND and _begrunnelse_ord(f) < LANG_BEGRUNNELSE_ORD
            ),
        ),
        Rule(
            name="OVER_1_MND_MED_BEGRUNNELSE",
            status=RuleStatus.MANUAL_PROCESSING,
            message_for_sender="Sykmeldingen er tilbakedatert og felt 11.2 (begrunnelse) er utfylt.",
            message_for_user=_MANUELL_FOR_PASIENT,
            legal_reference=LOVHENVISNING,
            # The rule before has passed, so the justification has at least 3 words.
            predicate=lambda f: _tilbakedatering(f) is Tilbakedatering.OVER_1_MND,
        ),
    ),
)

_TIL_MANUELL_VURDERING = frozenset(
    rule.name for rule in BACKDATING_TREE.rules if rule.status is RuleStatus.MANUAL_PROCESSING
)


def merknader_ved_mottak(result: ValidationResult) -> tuple[str, ...]:
    """The merknader a sykmelding has once intake has decided it: a backdating sent to manual processing
    is UNDER_BEHANDLING until a person decides it, and no forlengelse or ettersending can be of it."""
    til_vurdering = any(hit.rule_name in _TIL_MANUELL_VURDERING for hit in result.rule_hits)
    return (UNDER_BEHANDLING,) if til_vurdering else ()
