"""The patient-age tree (NAV's PatientAgeUnder13RuleTree, docs/domain.md §2.2).

PASIENT_YNGRE_ENN_13 hits when the patient is not yet 13 on the last tom. The birth date is the
population register's, else the one the fnr encodes (as NAV: PDL, else the fnr).

Removed in 2024 and deliberately absent: PASIENT_ELDRE_ENN_70. A patient over 70 has no right to sick
pay (folketrygdloven § 8-3), but the sykmelding is still valid documentation, so it must not be rejected.
"""

from sykmeldingsflyt.domain.rules.datemath import add_years
from sykmeldingsflyt.domain.rules.engine import Rule, RuleTree
from sykmeldingsflyt.domain.validering import RuleStatus

MINSTE_ALDER = 13

PATIENT_AGE_TREE = RuleTree(
    name="PASIENTALDER",
    rules=(
        Rule(
            name="PASIENT_YNGRE_ENN_13",
            status=RuleStatus.INVALID,
            message_for_sender="Pasienten er under 13 år. Sykmelding kan ikke benyttes.",
            message_for_user="Pasienten er under 13 år. Sykmelding kan ikke benyttes.",
            legal_reference="Folketrygdloven § 8-3 første ledd",
            predicate=lambda f: f.last_tom < add_years(f.pasient_fodselsdato, MINSTE_ALDER),
        ),
    ),
)
