"""The incapacity tree, folketrygdloven § 8-4: is there a diagnosis or another lawful reason?
(NAV's ArbeidsuforhetRuleTree, docs/domain.md §2.2)

Codes are checked against the ICPC-2 and ICD-10 lists behind the `Diagnosekoder` port (NAV's own
lists, `@navikt/diagnosekoder`). ICPC-2 Z codes (social problems) give no right to sick pay.

Interpretations:
- A hoveddiagnose may be missing when annenFraversArsak gives a reason (a grunn or a description); the
  bidiagnoser are then still checked, as in NAV's tree.
- A diagnosis whose system is neither ICPC-2 nor ICD-10 has an invalid code list. For bidiagnoser this
  is stricter than NAV, which checks any non-ICPC-2 code against ICD-10 whatever its system says.
"""

from sykmeldingsflyt.domain.rules.engine import Rule, RuleTree
from sykmeldingsflyt.domain.rules.facts import RuleInput
from sykmeldingsflyt.domain.rules.messages import SKRIV_NY
from sykmeldingsflyt.domain.sykmelding import ICD10_SYSTEM, ICPC2_SYSTEM, Diagnose
from sykmeldingsflyt.domain.validering import RuleStatus

LOVHENVISNING = "Folketrygdloven § 8-4 første ledd"
SOSIALE_PROBLEMER = "Z"
"""The ICPC-2 chapter of social problems."""


def _fraversgrunn_mangler(f: RuleInput) -> bool:
    vurdering = f.sykmelding.medisinsk_vurdering
    annen = vurdering.annen_fravers_arsak
    return vurdering.hoved_diagnose is None and (
        annen is None or (not annen.grunn and not (annen.beskrivelse or "").strip())
    )


def _ukjent_kode(f: RuleInput, diagnose: Diagnose) -> bool:
    if diagnose.system == ICPC2_SYSTEM:
        return not f.context.diagnosekoder.is_icpc2(diagnose.kode)
    if diagnose.system == ICD10_SYSTEM:
        return not f.context.diagnosekoder.is_icd10(diagnose.kode)
    return True


def _ukjent_hoveddiagnose(f: RuleInput) -> bool:
    hoved = f.sykmelding.medisinsk_vurdering.hoved_diagnose
    return hoved is not None and _ukjent_kode(f, hoved)


def _z_diagnose(f: RuleInput) -> bool:
    hoved = f.sykmelding.medisinsk_vurdering.hoved_diagnose
    return hoved is not None and hoved.system == ICPC2_SYSTEM and hoved.kode.startswith(SOSIALE_PROBLEMER)


DIAGNOSIS_TREE = RuleTree(
    name="ARBEIDSUFORHET",
    rules=(
        Rule(
            name="HOVEDDIAGNOSE_ELLER_FRAVAERSGRUNN_MANGLER",
            status=RuleStatus.INVALID,
            message_for_sender=SKRIV_NY + "Hoveddiagnose eller annen lovfestet fraværsgrunn mangler.",
            message_for_user="Den må ha en hoveddiagnose eller en annen gyldig fraværsgrunn.",
            legal_reference=LOVHENVISNING,
            predicate=_fraversgrunn_mangler,
        ),
        Rule(
            name="UGYLDIG_KODEVERK_FOR_HOVEDDIAGNOSE",
            status=RuleStatus.INVALID,
            message_for_sender=SKRIV_NY + "Kodeverk for hoveddiagnose er ikke angitt eller ukjent.",
            message_for_user="Den må ha riktig kode for hoveddiagnose.",
            legal_reference=LOVHENVISNING,
            predicate=_ukjent_hoveddiagnose,
        ),
        Rule(
            name="ICPC_2_Z_DIAGNOSE",
            status=RuleStatus.INVALID,
            message_for_sender=(
                "Angitt hoveddiagnose (z-diagnose) gir ikke rett til sykepenger. Pasienten har fått beskjed."
            ),
            message_for_user="Den må ha en gyldig diagnosekode som gir rett til sykepenger.",
            legal_reference=LOVHENVISNING,
            predicate=_z_diagnose,
        ),
        Rule(
            name="UGYLDIG_KODEVERK_FOR_BIDIAGNOSE",
            status=RuleStatus.INVALID,
            message_for_sender=SKRIV_NY + "Kodeverk for bidiagnose er ikke angitt eller ukjent.",
            message_for_user="Det er brukt et ukjent kodeverk for bidiagnosen.",
            legal_reference=LOVHENVISNING,
            predicate=lambda f: any(_ukjent_kode(f, d) for d in f.sykmelding.medisinsk_vurdering.bi_diagnoser),
        ),
    ),
)
