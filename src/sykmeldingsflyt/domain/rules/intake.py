"""The checks intake makes before the rules run (DOMAIN.md §2.2): what makes a sykmelding unreadable
for the rules rather than wrong by them. Duplicates and oversize attachments are the service's checks.

Each problem names the offending field by its wire path, in `field` and in the sender text.
"""

from datetime import date

from sykmeldingsflyt.domain.clock import norwegian_date
from sykmeldingsflyt.domain.identifiers import ORGNR_LENGTH, is_valid_orgnr
from sykmeldingsflyt.domain.kvittering import Avvisningsgrunn
from sykmeldingsflyt.domain.registers import Person
from sykmeldingsflyt.domain.sykmelding import Diagnose, ReceivedSykmelding

_DIAGNOSE_FIELDS = (("system", "kodeverk"), ("kode", "diagnosekode"))


def _missing_codes(diagnose: Diagnose, path: str) -> list[Avvisningsgrunn]:
    return [
        Avvisningsgrunn(
            rule_name="MANGLENDE_DIAGNOSEKODE",
            message_for_sender=f"Sykmeldingen mangler {name} for diagnosen ({path}.{field}).",
            field=f"{path}.{field}",
        )
        for field, name in _DIAGNOSE_FIELDS
        if not getattr(diagnose, field).strip()
    ]


def _wrong_check_digit(orgnr: str | None) -> bool:
    # Deliberately stricter than NAV, whose UGYLDIG_ORGNR_LENGDE checks the length alone: receipts and each
    # clinic's own door are keyed by this number. Only nine digits can have a wrong check digit; any
    # other orgnr is UGYLDIG_ORGNR_LENGDE's, a rule's.
    nine_digits = orgnr is not None and len(orgnr) == ORGNR_LENGTH and orgnr.isascii() and orgnr.isdigit()
    return nine_digits and not is_valid_orgnr(orgnr or "")


def intake_problems(received: ReceivedSykmelding, pasient: Person | None, today: date) -> list[Avvisningsgrunn]:
    """Why intake rejects `received` before the rules see it; empty when it may go on. `pasient` is what the
    population register said of the patient; `today` is Norwegian."""
    problems: list[Avvisningsgrunn] = []
    if pasient is None:
        problems.append(
            Avvisningsgrunn(
                rule_name="PASIENT_FINNES_IKKE",
                message_for_sender="Pasienten (pasientFnr) finnes ikke i Folkeregisteret.",
                field="pasientFnr",
            )
        )
    if _wrong_check_digit(received.legekontor_orgnr):
        problems.append(
            Avvisningsgrunn(
                rule_name="UGYLDIG_ORGNR_KONTROLLSIFFER",
                message_for_sender=(
                    "Legekontorets organisasjonsnummer (legekontorOrgnr) har feil kontrollsiffer. Mottaket avviser "
                    "dette strengere enn NAVs regler, som bare sjekker lengden: et nummer med feil kontrollsiffer "
                    "finnes ikke i Enhetsregisteret, og kvitteringer og oppslag per legekontor bygger på det."
                ),
                field="legekontorOrgnr",
            )
        )
    sykmelding = received.sykmelding
    if norwegian_date(sykmelding.signatur_dato) > today:
        problems.append(
            Avvisningsgrunn(
                rule_name="SIGNATURDATO_I_FREMTIDEN",
                message_for_sender="Signaturdatoen (sykmelding.signaturDato) er frem i tid.",
                field="sykmelding.signaturDato",
            )
        )
    vurdering = sykmelding.medisinsk_vurdering
    path = "sykmelding.medisinskVurdering"
    if vurdering.hoved_diagnose is not None:
        problems += _missing_codes(vurdering.hoved_diagnose, f"{path}.hovedDiagnose")
    for index, bidiagnose in enumerate(vurdering.bi_diagnoser):
        problems += _missing_codes(bidiagnose, f"{path}.biDiagnoser[{index}]")
    return problems
