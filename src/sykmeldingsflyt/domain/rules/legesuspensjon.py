"""Tree 0, legesuspensjon: a doctor NAV has suspended may not write sykmeldinger (NAV's
LegeSuspensjonRuleTree, DOMAIN.md §2.3).

The fact comes from NAV's suspension register (btsys), asked for the signer on the signature day
before the rules run (`RuleContext.behandler_suspendert`). As NAV's: INVALID, no legal reference.
"""

from sykmeldingsflyt.domain.rules.engine import Rule, RuleTree
from sykmeldingsflyt.domain.validering import RuleStatus

LEGESUSPENSJON_TREE = RuleTree(
    name="LEGESUSPENSJON",
    rules=(
        Rule(
            name="BEHANDLER_SUSPENDERT",
            status=RuleStatus.INVALID,
            message_for_sender="Behandler er suspendert av NAV på konsultasjonstidspunkt. Pasienten har fått beskjed.",
            message_for_user="Den som sykmeldte deg har mistet retten til å skrive sykmeldinger.",
            legal_reference=None,
            predicate=lambda f: f.context.behandler_suspendert,
        ),
    ),
)
