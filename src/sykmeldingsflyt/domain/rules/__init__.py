"""NAV's validation rules for a sykmelding (syfosmregler, DOMAIN.md §2.2), and the intake checks before them.

result = validate(received, RuleContext(behandler=..., pasient=..., diagnosekoder=...))

The register facts are fetched by the caller first: the rules do no I/O.
"""

from sykmeldingsflyt.domain.rules.engine import Rule, RuleSet, RuleTree
from sykmeldingsflyt.domain.rules.facts import RuleContext
from sykmeldingsflyt.domain.rules.intake import intake_problems
from sykmeldingsflyt.domain.rules.ruleset import RULESETS, ruleset_for, validate

__all__ = [
    "RULESETS",
    "Rule",
    "RuleContext",
    "RuleSet",
    "RuleTree",
    "intake_problems",
    "ruleset_for",
    "validate",
]
