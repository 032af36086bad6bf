"""The validation tree: formal checks of the envelope (NAV's ValidationRuleTree, DOMAIN.md §2.2).

Interpretations:
- UGYLDIG_ORGNR_LENGDE: DOMAIN.md says "not 9 digits", so nine characters that are not all digits hit
  too (NAV checks the length only). A sykmelding without a clinic orgnr does not hit, as in NAV.
- MANGLENDE_DYNAMISKE_SPOERSMAL_VERSJON2_UKE_39 hits when question group 6.5 has no answers, as
  DOMAIN.md words it; NAV's newest code demands all of 6.5.1-6.5.4.
- NAV gives these formal rules no legal reference, and neither do we.
- The order is NAV's: the orgnr's length first. A nine-digit orgnr with a wrong check digit never gets
  here: intake refuses it first (UGYLDIG_ORGNR_KONTROLLSIFFER), stricter than NAV, which accepts it.
"""

from sykmeldingsflyt.domain.identifiers import ORGNR_LENGTH
from sykmeldingsflyt.domain.rules.engine import Rule, RuleTree
from sykmeldingsflyt.domain.rules.facts import RuleInput
from sykmeldingsflyt.domain.rules.messages import SKRIV_NY
from sykmeldingsflyt.domain.validering import RuleStatus

GYLDIGE_REGELSETTVERSJONER = frozenset({None, "", "1", "2", "3"})
UKE_39_DAGER = 273
UKE_39_SPORSMALSGRUPPE = "6.5"


def _orgnr_not_9_digits(f: RuleInput) -> bool:
    orgnr = f.received.legekontor_orgnr
    return orgnr is not None and not (len(orgnr) == ORGNR_LENGTH and orgnr.isascii() and orgnr.isdigit())


def _uke_39_sporsmal_mangler(f: RuleInput) -> bool:
    return (
        f.received.ruleset_version == "2"
        and any((periode.tom - periode.fom).days > UKE_39_DAGER for periode in f.perioder)
        and not f.sykmelding.utdypende_opplysninger.get(UKE_39_SPORSMALSGRUPPE)
    )


VALIDATION_TREE = RuleTree(
    name="VALIDERING",
    rules=(
        Rule(
            name="UGYLDIG_ORGNR_LENGDE",
            status=RuleStatus.INVALID,
            message_for_sender=SKRIV_NY + "Feil format på organisasjonsnummer. Dette skal være 9 sifre.",
            message_for_user="Den må ha riktig organisasjonsnummer.",
            legal_reference=None,
            predicate=_orgnr_not_9_digits,
        ),
        Rule(
            name="UGYLDIG_REGELSETTVERSJON",
            status=RuleStatus.INVALID,
            message_for_sender=SKRIV_NY + "Feil regelsett er brukt i sykmeldingen.",
            message_for_user="Det er brukt en versjon av sykmeldingen som ikke lenger er gyldig.",
            legal_reference=None,
            predicate=lambda f: f.received.ruleset_version not in GYLDIGE_REGELSETTVERSJONER,
        ),
        Rule(
            name="MANGLENDE_DYNAMISKE_SPOERSMAL_VERSJON2_UKE_39",
            status=RuleStatus.INVALID,
            message_for_sender=SKRIV_NY + "Utdypende opplysninger som kreves ved uke 39 mangler.",
            message_for_user=(
                "Sykmeldingen mangler utdypende opplysninger som kreves når "
                "sykefraværet er lengre enn 39 uker til sammen."
            ),
            legal_reference=None,
            predicate=_uke_39_sporsmal_mangler,
        ),
        Rule(
            name="AVSENDER_FNR_ER_SAMME_SOM_PASIENT_FNR",
            status=RuleStatus.INVALID,
            message_for_sender=(
                "Sykmeldingen kan ikke rettes. Pasienten har fått beskjed, den ble avvist grunnet følgende: "
                "Avsender fnr er det samme som pasient fnr."
            ),
            message_for_user="Den som signerte sykmeldingen er også pasient.",
            legal_reference=None,
            predicate=lambda f: f.received.avsender_fnr == f.received.pasient_fnr,
        ),
        Rule(
            name="BEHANDLER_FNR_ER_SAMME_SOM_PASIENT_FNR",
            status=RuleStatus.INVALID,
            message_for_sender=(
                "Sykmeldingen kan ikke rettes. Pasienten har fått beskjed, den ble avvist grunnet følgende: "
                "Behandler fnr er det samme som pasient fnr."
            ),
            message_for_user="Den som er behandler av sykmeldingen er også pasient.",
            legal_reference=None,
            predicate=lambda f: f.sykmelding.behandler.fnr == f.received.pasient_fnr,
        ),
    ),
)
