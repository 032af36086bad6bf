"""The HPR tree: may the signer write this sykmelding? (NAV's HPRRuleTree, docs/domain.md §2.2)

As NAV's current tree: the signer must be in HPR, hold an active authorisation, and hold it as one
NAV accepts (code system 7704, value 1, 2, 4, 14, 17 or 18). Doctors (LE) and dentists (TL) then pass.
Manual therapists (MT), and chiropractors (KI) and physiotherapists (FT) with HPR's additional
competence for sykmelding (code system 7702, value 1, valid on the signature day), may sick-list up
to 12 weeks: BEHANDLER_MT_FT_KI_OVER_12_UKER hits when the case has lasted more than 84 days by the
last tom. Anyone else gets BEHANDLER_IKKE_LE_KI_MT_TL_FT_I_HPR.

Interpretations:
- A signer HPR does not know gets BEHANDLER_IKKE_I_HPR, NAV's rule for it (docs/domain.md lists no name).
- The signer is looked up by avsenderHpr, or by avsenderFnr when the envelope has no HPR number.
- The 12 weeks count from the first day of the case (`RuleInput.syketilfelle_startdato`, from the
  patient's earlier periods) or this sykmelding's first fom, whichever is earlier, as NAV does.
"""

from sykmeldingsflyt.domain.registers import (
    AUTORISASJON_OID,
    TILLEGGSKOMPETANSE_OID,
    Godkjenning,
    Helsepersonellkategori,
)
from sykmeldingsflyt.domain.rules.engine import Rule, RuleTree
from sykmeldingsflyt.domain.rules.facts import RuleInput
from sykmeldingsflyt.domain.validering import RuleStatus

AUTORISASJONER = frozenset({"1", "2", "4", "14", "17", "18"})
SYKMELDING_KOMPETANSE = "1"
MAKS_DAGER_UTEN_LEGE = 84
LOVHENVISNING = "Folketrygdloven § 8-7 første ledd"
_SENDER_HAR_FATT_BESKJED = " Pasienten har fått beskjed."
_MANGLET_AUTORISASJON = "Den som skrev sykmeldingen manglet autorisasjon."


def _godkjenninger(f: RuleInput) -> tuple[Godkjenning, ...]:
    return f.behandler.godkjenninger if f.behandler else ()


def _har_aktiv_autorisasjon(f: RuleInput) -> bool:
    return any(g.autorisasjon is not None and g.autorisasjon.aktiv for g in _godkjenninger(f))


def _har_godkjent_autorisasjon(f: RuleInput) -> bool:
    return any(
        g.autorisasjon is not None
        and g.autorisasjon.aktiv
        and g.autorisasjon.oid == AUTORISASJON_OID
        and g.autorisasjon.verdi in AUTORISASJONER
        for g in _godkjenninger(f)
    )


def _er(f: RuleInput, kategori: Helsepersonellkategori) -> bool:
    return any(
        g.autorisasjon is not None
        and g.autorisasjon.aktiv
        and g.helsepersonellkategori is not None
        and g.helsepersonellkategori.aktiv
        and g.helsepersonellkategori.verdi == kategori
        for g in _godkjenninger(f)
    )


def _med_sykmeldingskompetanse(f: RuleInput, kategori: Helsepersonellkategori) -> bool:
    dag = f.signatur_dag
    return any(
        g.helsepersonellkategori is not None
        and g.helsepersonellkategori.verdi == kategori
        and any(
            not t.avsluttet
            and t.type.aktiv
            and t.type.oid == TILLEGGSKOMPETANSE_OID
            and t.type.verdi == SYKMELDING_KOMPETANSE
            and t.gyldig_fra <= dag
            and (t.gyldig_til is None or dag <= t.gyldig_til)
            for t in g.tilleggskompetanse
        )
        for g in _godkjenninger(f)
    )


def _er_lege_eller_tannlege(f: RuleInput) -> bool:
    return _er(f, Helsepersonellkategori.LEGE) or _er(f, Helsepersonellkategori.TANNLEGE)


def _kan_sykmelde(f: RuleInput) -> bool:
    return (
        _er_lege_eller_tannlege(f)
        or _er(f, Helsepersonellkategori.MANUELLTERAPEUT)
        or _med_sykmeldingskompetanse(f, Helsepersonellkategori.FYSIOTERAPEUT)
        or _med_sykmeldingskompetanse(f, Helsepersonellkategori.KIROPRAKTOR)
    )


def _over_12_uker(f: RuleInput) -> bool:
    # syketilfelle_startdato is never after first_fom, so it alone decides NAV's two-sided test.
    return (f.last_tom - f.syketilfelle_startdato).days > MAKS_DAGER_UTEN_LEGE


HPR_TREE = RuleTree(
    name="HPR",
    rules=(
        Rule(
            name="BEHANDLER_IKKE_I_HPR",
            status=RuleStatus.INVALID,
            message_for_sender="Den som har skrevet sykmeldingen ble ikke funnet i Helsepersonellregisteret (HPR).",
            message_for_user="Den som skrev sykmeldingen ble ikke funnet i Helsepersonellregisteret (HPR).",
            legal_reference=LOVHENVISNING,
            predicate=lambda f: f.behandler is None,
        ),
        Rule(
            name="BEHANDLER_IKKE_GYLDIG_I_HPR",
            status=RuleStatus.INVALID,
            message_for_sender="Behandler er ikke gyldig i HPR på konsultasjonstidspunkt." + _SENDER_HAR_FATT_BESKJED,
            message_for_user=_MANGLET_AUTORISASJON,
            legal_reference=LOVHENVISNING,
            predicate=lambda f: not _har_aktiv_autorisasjon(f),
        ),
        Rule(
            name="BEHANDLER_MANGLER_AUTORISASJON_I_HPR",
            status=RuleStatus.INVALID,
            message_for_sender="Behandler har ikke gyldig autorisasjon i HPR." + _SENDER_HAR_FATT_BESKJED,
            message_for_user=_MANGLET_AUTORISASJON,
            legal_reference=LOVHENVISNING,
            predicate=lambda f: not _har_godkjent_autorisasjon(f),
        ),
        Rule(
            name="BEHANDLER_IKKE_LE_KI_MT_TL_FT_I_HPR",
            status=RuleStatus.INVALID,
            message_for_sender=(
                "Behandler finnes i HPR, men er ikke lege, kiropraktor, fysioterapeut, "
                "manuellterapeut eller tannlege." + _SENDER_HAR_FATT_BESKJED
            ),
            message_for_user=_MANGLET_AUTORISASJON,
            legal_reference=LOVHENVISNING,
            predicate=lambda f: not _kan_sykmelde(f),
        ),
        Rule(
            name="BEHANDLER_MT_FT_KI_OVER_12_UKER",
            status=RuleStatus.INVALID,
            message_for_sender=(
                "Sykmeldingen er avvist fordi det totale sykefraværet overstiger 12 uker "
                "(du som KI/MT/FT kan ikke sykmelde utover 12 uker)." + _SENDER_HAR_FATT_BESKJED
            ),
            message_for_user=(
                "Sykmeldingen din er avvist fordi den som sykmeldte deg ikke kan skrive en sykmelding "
                "som gjør at sykefraværet ditt overstiger 12 uker."
            ),
            legal_reference=LOVHENVISNING,
            # The rule before has passed, so whoever is not a doctor or dentist here is MT, FT or KI.
            predicate=lambda f: not _er_lege_eller_tannlege(f) and _over_12_uker(f),
        ),
    ),
)
