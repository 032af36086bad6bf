"""NAV's validation rules for a sykmelding (syfosmregler, DOMAIN.md §2.2), and the intake checks before them.

context = RuleContext(behandler=..., pasient=..., diagnosekoder=..., tidligere=..., behandler_suspendert=...)
result = validate(received, context)

The register facts are fetched by the caller first: the rules do no I/O.
"""

from sykmeldingsflyt.domain.rules.engine import Rule, RuleSet, RuleTree
from sykmeldingsflyt.domain.rules.facts import RuleContext
from sykmeldingsflyt.domain.rules.historikk import TidligerePeriode, TidligereSykmelding
from sykmeldingsflyt.domain.rules.intake import intake_problems
from sykmeldingsflyt.domain.rules.ruleset import RULESETS, ruleset_for, som_tidligere, validate

__all__ = [
    "RULESETS",
    "Rule",
    "RuleContext",
    "RuleSet",
    "RuleTree",
    "TidligerePeriode",
    "TidligereSykmelding",
    "intake_problems",
    "ruleset_for",
    "som_tidligere",
    "validate",
]
