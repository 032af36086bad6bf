"""The rule sets, versioned by the day they apply from, and validation against the one in force.

A reviewer reads the rules here: each version lists its trees in the order they run, and each tree's
module lists its rules with NAV's names, outcomes, texts and legal references.

Removed in 2024 and deliberately absent from the current version: GRADERT_SYKMELDING_UNDER_20_PROSENT
(a grade under 20 %) and PASIENT_ELDRE_ENN_70. Neither may reject a sykmelding any more.
"""

from collections.abc import Sequence
from datetime import date

from sykmeldingsflyt.domain.rules.backdating import BACKDATING_TREE, merknader_ved_mottak
from sykmeldingsflyt.domain.rules.dates import DATES_TREE
from sykmeldingsflyt.domain.rules.diagnosis import DIAGNOSIS_TREE
from sykmeldingsflyt.domain.rules.engine import RuleSet
from sykmeldingsflyt.domain.rules.facts import RuleContext, RuleInput
from sykmeldingsflyt.domain.rules.historikk import TidligereSykmelding
from sykmeldingsflyt.domain.rules.hpr import HPR_TREE
from sykmeldingsflyt.domain.rules.legesuspensjon import LEGESUSPENSJON_TREE
from sykmeldingsflyt.domain.rules.patientage import PATIENT_AGE_TREE
from sykmeldingsflyt.domain.rules.periodlogic import PERIODLOGIC_TREE
from sykmeldingsflyt.domain.rules.validation import VALIDATION_TREE
from sykmeldingsflyt.domain.sykmelding import ReceivedSykmelding, SykmeldingStatus
from sykmeldingsflyt.domain.validering import ValidationResult

SYKMELDING_2024 = RuleSet(
    name="syfosmregler",
    version="2024.1",
    # DOMAIN.md dates the removal of the grade and age rules to 2024 without a day; this version, the
    # first this product runs, applies to everything received from the start of that year.
    valid_from=date(2024, 1, 1),
    trees=(
        LEGESUSPENSJON_TREE,
        VALIDATION_TREE,
        PERIODLOGIC_TREE,
        HPR_TREE,
        DIAGNOSIS_TREE,
        PATIENT_AGE_TREE,
        DATES_TREE,
        BACKDATING_TREE,
    ),
)

RULESETS: tuple[RuleSet, ...] = (SYKMELDING_2024,)
"""Every version, oldest first. A new version is added here with its own `valid_from`."""


def ruleset_for(day: date, rulesets: Sequence[RuleSet] = RULESETS) -> RuleSet:
    """The version in force on `day`: the one with the latest `valid_from` not after it."""
    in_force = [ruleset for ruleset in rulesets if ruleset.valid_from <= day]
    if not in_force:
        raise LookupError(f"no rule set is in force on {day.isoformat()}")
    return max(in_force, key=lambda ruleset: ruleset.valid_from)


def validate(received: ReceivedSykmelding, context: RuleContext) -> ValidationResult:
    """Run the rule set in force on the day the sykmelding was received (a Norwegian day)."""
    facts = RuleInput(received, context)
    return ruleset_for(facts.mottatt_dag).evaluate(facts)


def som_tidligere(
    received: ReceivedSykmelding, result: ValidationResult, status: SykmeldingStatus = SykmeldingStatus.APEN
) -> TidligereSykmelding:
    """What the rules of later sykmeldinger read of `received`, decided `result`, now in `status`."""
    return TidligereSykmelding.av(received, result, merknader_ved_mottak(result), status)
