"""The period-logic tree: are the periods well formed? (NAV's PeriodLogicRuleTree, docs/domain.md §2.2)

Thresholds as docs/domain.md states them: OPPHOLD_MELLOM_PERIODER is any Monday-Friday strictly between one
period's tom and the next one's fom; AVVENTENDE_SYKMELDING_OVER_16_DAGER is tom - fom > 16;
FOR_MANGE_BEHANDLINGSDAGER_PER_UKE is behandlingsdager > whole weeks between fom and tom, + 1.

Interpretations:
- IKKE_DEFINERT_PERIODE: a period must be exactly one kind (docs/domain.md). As in NAV, an empty innspill
  and zero behandlingsdager do not make a period avventende or behandlingsdager; an innspill of blanks
  does, and then MANGLENDE_INNSPILL_TIL_ARBEIDSGIVER names the problem.
- OVERLAPPENDE_PERIODER compares periods by position, so two identical periods overlap (NAV compares
  by equality and lets an exact duplicate through).
- BEHANDLINGSDATO_ETTER_MOTTATTDATO compares instants: behandletTidspunkt more than 24 hours after
  mottattDato.
- NAV gives these formal rules no legal reference, and neither do we.

Removed in 2024 and deliberately absent: GRADERT_SYKMELDING_UNDER_20_PROSENT. A grade under 20 % gives
no graded sick pay (folketrygdloven § 8-13), but the sykmelding must not be rejected for it.
"""

from datetime import timedelta
from itertools import accumulate

from sykmeldingsflyt.domain.rules.datemath import has_weekday_between
from sykmeldingsflyt.domain.rules.engine import Rule, RuleTree
from sykmeldingsflyt.domain.rules.facts import RuleInput
from sykmeldingsflyt.domain.rules.messages import SKRIV_NY
from sykmeldingsflyt.domain.sykmelding import Periode, Periodetype
from sykmeldingsflyt.domain.validering import RuleStatus

AVVENTENDE_MAKS_DAGER = 16
GRADERT_MAKS_PROSENT = 99
_DAYS_PER_WEEK = 7


def _overlapping(f: RuleInput) -> bool:
    # Sorted by fom, a period overlaps an earlier one exactly when it starts on or before the latest tom so far.
    latest_toms = accumulate((p.tom for p in f.perioder), max)
    return any(p.fom <= latest_tom for p, latest_tom in zip(f.perioder[1:], latest_toms, strict=False))


def _gap(f: RuleInput) -> bool:
    return any(has_weekday_between(a.tom, b.fom) for a, b in zip(f.perioder, f.perioder[1:], strict=False))


def _undefined(periode: Periode) -> bool:
    kind = periode.kind
    return (
        kind is None
        or (kind is Periodetype.AVVENTENDE and not periode.avventende_innspill_til_arbeidsgiver)
        or (kind is Periodetype.BEHANDLINGSDAGER and not periode.behandlingsdager)
    )


def _too_many_behandlingsdager(periode: Periode) -> bool:
    started_weeks = (periode.tom - periode.fom).days // _DAYS_PER_WEEK + 1
    return periode.behandlingsdager is not None and periode.behandlingsdager > started_weeks


def _avventende(f: RuleInput) -> list[Periode]:
    return [p for p in f.perioder if p.avventende_innspill_til_arbeidsgiver is not None]


PERIODLOGIC_TREE = RuleTree(
    name="PERIODLOGIKK",
    rules=(
        Rule(
            name="PERIODER_MANGLER",
            status=RuleStatus.INVALID,
            message_for_sender=SKRIV_NY + "Hvis ingen perioder er oppgitt skal sykmeldingen avvises.",
            message_for_user="Det er ikke oppgitt hvilken periode sykmeldingen gjelder for.",
            legal_reference=None,
            predicate=lambda f: not f.perioder,
        ),
        Rule(
            name="FRADATO_ETTER_TILDATO",
            status=RuleStatus.INVALID,
            message_for_sender=SKRIV_NY
            + "Hvis tildato for en periode ligger før fradato avvises meldingen og hvilken periode det gjelder oppgis.",
            message_for_user="Det er lagt inn datoer som ikke stemmer innbyrdes.",
            legal_reference=None,
            predicate=lambda f: any(p.fom > p.tom for p in f.perioder),
        ),
        Rule(
            name="OVERLAPPENDE_PERIODER",
            status=RuleStatus.INVALID,
            message_for_sender=SKRIV_NY
            + "Hvis en eller flere perioder er overlappende avvises meldingen og hvilken periode det gjelder oppgis.",
            message_for_user="Periodene må ikke overlappe hverandre.",
            legal_reference=None,
            predicate=_overlapping,
        ),
        Rule(
            name="OPPHOLD_MELLOM_PERIODER",
            status=RuleStatus.INVALID,
            message_for_sender=SKRIV_NY + "Hvis det finnes opphold mellom perioder i sykmeldingen avvises meldingen.",
            message_for_user="Det er opphold mellom sykmeldingsperiodene.",
            legal_reference=None,
            predicate=_gap,
        ),
        Rule(
            name="IKKE_DEFINERT_PERIODE",
            status=RuleStatus.INVALID,
            message_for_sender=SKRIV_NY + "Det er ikke oppgitt type for sykmeldingen "
            "(den må være enten 100 prosent, gradert, avventende, reisetilskudd eller behandlingsdager).",
            message_for_user=(
                "Det er ikke oppgitt type for sykmeldingen "
                "(den må være enten 100 prosent, gradert, avventende, reisetilskudd eller behandlingsdager)."
            ),
            legal_reference=None,
            predicate=lambda f: any(_undefined(p) for p in f.perioder),
        ),
        Rule(
            name="BEHANDLINGSDATO_ETTER_MOTTATTDATO",
            status=RuleStatus.INVALID,
            message_for_sender=SKRIV_NY + "Behandlingsdatoen er etter dato for når NAV mottok meldingen.",
            message_for_user="Behandlingsdatoen må rettes.",
            legal_reference=None,
            predicate=lambda f: f.sykmelding.behandlet_tidspunkt > f.received.mottatt_dato + timedelta(days=1),
        ),
        Rule(
            name="AVVENTENDE_SYKMELDING_KOMBINERT",
            status=RuleStatus.INVALID,
            message_for_sender=SKRIV_NY + "Avventende sykmelding kan ikke inneholde flere perioder.",
            message_for_user="En avventende sykmelding kan bare inneholde én periode.",
            legal_reference=None,
            predicate=lambda f: len(f.perioder) > 1 and bool(_avventende(f)),
        ),
        Rule(
            name="MANGLENDE_INNSPILL_TIL_ARBEIDSGIVER",
            status=RuleStatus.INVALID,
            message_for_sender=SKRIV_NY
            + "Hvis innspill til arbeidsgiver om tilrettelegging i pkt 4.1.3 ikke er utfylt ved "
            "avventende sykmelding avvises meldingen.",
            message_for_user=(
                "En avventende sykmelding forutsetter at du kan jobbe hvis arbeidsgiveren din legger til "
                "rette for det. Den som har sykmeldt deg har ikke foreslått hva arbeidsgiveren kan gjøre, "
                "noe som kreves for denne typen sykmelding."
            ),
            legal_reference=None,
            predicate=lambda f: any(not (p.avventende_innspill_til_arbeidsgiver or "").strip() for p in _avventende(f)),
        ),
        Rule(
            name="AVVENTENDE_SYKMELDING_OVER_16_DAGER",
            status=RuleStatus.INVALID,
            message_for_sender=SKRIV_NY
            + "Hvis avventende sykmelding benyttes utover arbeidsgiverperioden på 16 kalenderdager, "
            "avvises meldingen.",
            message_for_user="En avventende sykmelding kan bare gis for 16 dager.",
            legal_reference=None,
            predicate=lambda f: any((p.tom - p.fom).days > AVVENTENDE_MAKS_DAGER for p in _avventende(f)),
        ),
        Rule(
            name="FOR_MANGE_BEHANDLINGSDAGER_PER_UKE",
            status=RuleStatus.INVALID,
            message_for_sender=SKRIV_NY
            + "Hvis antall dager oppgitt for behandlingsdager periode er for høyt i forhold til periodens "
            "lengde avvises meldingen. Mer enn en dag per uke er for høyt. 1 dag per påbegynt uke.",
            message_for_user="Det er angitt for mange behandlingsdager. Det kan bare angis én behandlingsdag per uke.",
            legal_reference=None,
            predicate=lambda f: any(_too_many_behandlingsdager(p) for p in f.perioder),
        ),
        Rule(
            name="GRADERT_SYKMELDING_OVER_99_PROSENT",
            status=RuleStatus.INVALID,
            message_for_sender=SKRIV_NY
            + "Hvis sykmeldingsgrad er høyere enn 99% for delvis sykmelding avvises meldingen.",
            message_for_user="Sykmeldingsgraden kan ikke være mer enn 99% fordi det er en gradert sykmelding.",
            legal_reference=None,
            predicate=lambda f: any(
                p.gradert is not None and p.gradert.grad > GRADERT_MAKS_PROSENT for p in f.perioder
            ),
        ),
        Rule(
            name="SYKMELDING_MED_BEHANDLINGSDAGER",
            status=RuleStatus.MANUAL_PROCESSING,
            message_for_sender="Sykmelding inneholder behandlingsdager (felt 4.4).",
            message_for_user="Sykmelding inneholder behandlingsdager.",
            legal_reference=None,
            predicate=lambda f: any(p.behandlingsdager is not None for p in f.perioder),
        ),
    ),
)
