"""A local stand-in for the Helsepersonellregister (HPR): a few synthetic professionals, one per case
the HPR rules tell apart.

Every fnr is synthetic (birth month + 80), so no real person is named; the HPR numbers are made up,
from the demo doctor's 9000001 on. The doctor is the demo doctor of `sykmeldingsflyt.synthetic`, so the
synthetic sykmelding passes.
"""

from collections.abc import Iterable
from datetime import date

from sykmeldingsflyt.domain.registers import (
    AUTORISASJON_OID,
    TILLEGGSKOMPETANSE_OID,
    Godkjenning,
    HprBehandler,
    Kode,
    Tilleggskompetanse,
)
from sykmeldingsflyt.domain.registers import Helsepersonellkategori as Kategori

HELSEPERSONELLKATEGORI_OID = 9060
"""HPR's code system for professions."""

SYKMELDING_KOMPETANSE = Tilleggskompetanse(
    type=Kode(oid=TILLEGGSKOMPETANSE_OID, verdi="1"), gyldig_fra=date(2024, 1, 1)
)
"""The additional competence that lets a chiropractor or physiotherapist write sykmeldinger."""


def _godkjenning(
    kategori: str,
    *,
    autorisasjon: str = "1",
    aktiv: bool = True,
    tilleggskompetanse: tuple[Tilleggskompetanse, ...] = (),
) -> Godkjenning:
    return Godkjenning(
        autorisasjon=Kode(oid=AUTORISASJON_OID, verdi=autorisasjon, aktiv=aktiv),
        helsepersonellkategori=Kode(oid=HELSEPERSONELLKATEGORI_OID, verdi=kategori, aktiv=aktiv),
        tilleggskompetanse=tilleggskompetanse,
    )


LEGE = HprBehandler("9000001", "17857233115", (_godkjenning(Kategori.LEGE),))
"""Dr. Test Legesen, `synthetic.DEMO_BEHANDLER`."""
TANNLEGE = HprBehandler("9000002", "14836839480", (_godkjenning(Kategori.TANNLEGE),))
KIROPRAKTOR = HprBehandler(
    "9000003",
    "02897513741",
    (_godkjenning(Kategori.KIROPRAKTOR, tilleggskompetanse=(SYKMELDING_KOMPETANSE,)),),
)
MANUELLTERAPEUT = HprBehandler("9000004", "23868105755", (_godkjenning(Kategori.MANUELLTERAPEUT),))
FYSIOTERAPEUT_UTEN_TILLEGGSKOMPETANSE = HprBehandler("9000005", "05927924325", (_godkjenning(Kategori.FYSIOTERAPEUT),))
FYSIOTERAPEUT = HprBehandler(
    "9000008",
    "29828433154",
    (_godkjenning(Kategori.FYSIOTERAPEUT, tilleggskompetanse=(SYKMELDING_KOMPETANSE,)),),
)
INAKTIV_LEGE = HprBehandler("9000006", "17849024132", (_godkjenning(Kategori.LEGE, aktiv=False),))
LEGE_UTEN_AUTORISASJON = HprBehandler(
    "9000007",
    "30815526143",
    # An active approval of a kind NAV does not count as authorisation (not 1, 2, 4, 14, 17 or 18).
    (_godkjenning(Kategori.LEGE, autorisasjon="3"),),
)
SUSPENDERT_LEGE = HprBehandler("9000009", "12837000082", (_godkjenning(Kategori.LEGE),))
"""A doctor HPR authorises but NAV has suspended: `legesuspensjon_fixture.SUSPENSJONER`."""

FIXTURE_BEHANDLERE = (
    LEGE,
    TANNLEGE,
    KIROPRAKTOR,
    MANUELLTERAPEUT,
    FYSIOTERAPEUT_UTEN_TILLEGGSKOMPETANSE,
    FYSIOTERAPEUT,
    INAKTIV_LEGE,
    LEGE_UTEN_AUTORISASJON,
    SUSPENDERT_LEGE,
)


class FixtureHprRegister:
    """`HprRegister` over a fixed set of professionals, found by HPR number or fnr."""

    def __init__(self, behandlere: Iterable[HprBehandler] = FIXTURE_BEHANDLERE) -> None:
        self._by_key: dict[str, HprBehandler] = {}
        for behandler in behandlere:
            self._by_key[behandler.hpr_nummer] = behandler
            self._by_key[behandler.fnr] = behandler

    def lookup(self, hpr_or_fnr: str) -> HprBehandler | None:
        return self._by_key.get(hpr_or_fnr)
