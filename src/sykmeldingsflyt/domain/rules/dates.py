"""The dates tree: is the sykmelding dated sensibly? (NAV's PeriodeRuleTree, docs/domain.md §2.2)

Thresholds as docs/domain.md states them: FREMDATERT is first fom > signaturDato + 30 days;
TOTAL_VARIGHET_OVER_ETT_AAR is last tom - first fom > 365 days; TILBAKEDATERT_MER_ENN_3_AR is a first
fom more than three years (Java's `minusYears`) before the day the sykmelding was received.

Interpretations:
- "Today" for TILBAKEDATERT_MER_ENN_3_AR is the day of mottattDato, so a validation gives the same
  answer whenever it is repeated (NAV reads the wall clock).
- Calendar days of instants are Norwegian days (Europe/Oslo).
- NAV gives these rules no legal reference, and neither do we.
"""

from datetime import timedelta

from sykmeldingsflyt.domain.rules.datemath import add_years
from sykmeldingsflyt.domain.rules.engine import Rule, RuleTree
from sykmeldingsflyt.domain.rules.messages import SKRIV_NY
from sykmeldingsflyt.domain.validering import RuleStatus

FREMDATERT_MAKS = timedelta(days=30)
MAKS_VARIGHET_DAGER = 365
MAKS_TILBAKE_AR = 3

DATES_TREE = RuleTree(
    name="DATO",
    rules=(
        Rule(
            name="FREMDATERT",
            status=RuleStatus.INVALID,
            message_for_sender=SKRIV_NY
            + "Hvis sykmeldingen er fremdatert mer enn 30 dager etter behandletDato avvises meldingen.",
            message_for_user="Sykmeldingen er datert mer enn 30 dager fram i tid.",
            legal_reference=None,
            predicate=lambda f: f.first_fom > f.signatur_dag + FREMDATERT_MAKS,
        ),
        Rule(
            name="TILBAKEDATERT_MER_ENN_3_AR",
            status=RuleStatus.INVALID,
            message_for_sender=SKRIV_NY + "Sykmeldingens fom-dato er mer enn 3 år tilbake i tid.",
            message_for_user="Startdatoen er mer enn tre år tilbake.",
            legal_reference=None,
            predicate=lambda f: f.first_fom < add_years(f.mottatt_dag, -MAKS_TILBAKE_AR),
        ),
        Rule(
            name="TOTAL_VARIGHET_OVER_ETT_AAR",
            status=RuleStatus.INVALID,
            message_for_sender=SKRIV_NY + "Sykmeldingens første fom og siste tom har en varighet som er over 1 år.",
            message_for_user="Den kan ikke ha en varighet på over ett år.",
            legal_reference=None,
            predicate=lambda f: (f.last_tom - f.first_fom).days > MAKS_VARIGHET_DAGER,
        ),
    ),
)
