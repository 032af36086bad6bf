"""The checks intake makes before the rules run (DOMAIN.md §2.2): what makes a sykmelding unreadable
for the rules rather than wrong by them. Duplicates and oversize attachments are the service's checks.

Each problem names the offending field by its wire path, in `field` and in the sender text.
"""

from datetime import date

from sykmeldingsflyt.domain.clock import norwegian_date
from sykmeldingsflyt.domain.kvittering import Avvisningsgrunn
from sykmeldingsflyt.domain.registers import PersonRegister
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


def intake_problems(received: ReceivedSykmelding, persons: PersonRegister, today: date) -> list[Avvisningsgrunn]:
    """Why intake rejects `received` before the rules see it; empty when it may go on. `today` is Norwegian."""
    problems: list[Avvisningsgrunn] = []
    if persons.lookup(received.pasient_fnr) is None:
        problems.append(
            Avvisningsgrunn(
                rule_name="PASIENT_FINNES_IKKE",
                message_for_sender="Pasienten (pasientFnr) finnes ikke i Folkeregisteret.",
                field="pasientFnr",
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
