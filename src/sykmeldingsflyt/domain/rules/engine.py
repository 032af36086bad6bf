"""Rules as data, rule trees, versioned rule sets, and the runner (NAV's syfosmregler, docs/domain.md §2.2).

A tree is an ordered list of rules: the first rule whose predicate holds decides the tree, and a tree
where none holds is OK. A later rule may rely on every earlier rule of its tree not having held, which
is how NAV's yes/no trees read when written out as a list. A rule set runs its trees in order and stops
at the first tree that is not OK, so a result carries at most one hit and its status is that hit's.
"""

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date

from sykmeldingsflyt.domain.rules.facts import RuleInput
from sykmeldingsflyt.domain.validering import RuleHit, RuleStatus, ValidationResult

Predicate = Callable[[RuleInput], bool]


@dataclass(frozen=True, slots=True)
class Rule:
    """One rule: NAV's name, its outcome, what sender and patient are told, its law, and when it hits."""

    name: str
    status: RuleStatus
    message_for_sender: str
    message_for_user: str
    legal_reference: str | None
    predicate: Predicate = field(repr=False, compare=False)
    hit: RuleHit = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.status is RuleStatus.OK:
            raise ValueError(f"{self.name}: a rule that hits cannot have the outcome OK")
        # Built once: every validation that hits this rule shares the same immutable RuleHit.
        hit = RuleHit(
            rule_name=self.name,
            message_for_sender=self.message_for_sender,
            message_for_user=self.message_for_user,
            rule_status=self.status,
            legal_reference=self.legal_reference,
        )
        object.__setattr__(self, "hit", hit)


@dataclass(frozen=True, slots=True)
class RuleTree:
    name: str
    rules: tuple[Rule, ...]

    def first_hit(self, facts: RuleInput) -> Rule | None:
        for rule in self.rules:
            if rule.predicate(facts):
                return rule
        return None


@dataclass(frozen=True, slots=True)
class RuleSet:
    """A version of the rules: the trees in the order they run, in force for sykmeldinger received
    on or after `valid_from` until the next version's `valid_from`."""

    name: str
    version: str
    valid_from: date
    trees: tuple[RuleTree, ...]

    def __post_init__(self) -> None:
        names = [rule.name for rule in self.rules()]
        duplicates = sorted({name for name in names if names.count(name) > 1})
        if duplicates:
            raise ValueError(f"rule set {self.version} names a rule twice: {', '.join(duplicates)}")

    def rules(self) -> Iterator[Rule]:
        for tree in self.trees:
            yield from tree.rules

    def evaluate(self, facts: RuleInput) -> ValidationResult:
        for tree in self.trees:
            rule = tree.first_hit(facts)
            if rule is not None:
                return ValidationResult(status=rule.status, rule_hits=[rule.hit])
        return ValidationResult(status=RuleStatus.OK)
