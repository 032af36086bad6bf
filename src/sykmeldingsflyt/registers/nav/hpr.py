"""HPR through syfohelsenettproxy, as NAV's sykmelding services call it.

`GET /api/v2/behandler` with header `behandlerFnr`, `GET /api/v2/behandlerMedHprNummer` with header
`hprNummer`; 404 when HPR has no such professional. The JSON keeps NAV's spelling (`tillegskompetanse`).
"""

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

from sykmeldingsflyt.domain.registers import Godkjenning, HprBehandler, Kode, Tilleggskompetanse
from sykmeldingsflyt.registers.nav.client import RegisterKlient


class _Model(BaseModel):
    model_config = ConfigDict(populate_by_name=True, extra="ignore")


class KodeJson(_Model):
    aktiv: bool
    oid: int
    verdi: str | None = None

    def kode(self) -> Kode:
        return Kode(oid=self.oid, verdi=self.verdi or "", aktiv=self.aktiv)


class PeriodeJson(_Model):
    fra: datetime | date | None = None
    til: datetime | date | None = None


class TilleggskompetanseJson(_Model):
    avsluttet_status: KodeJson | None = Field(default=None, alias="avsluttetStatus")
    gyldig: PeriodeJson | None = None
    type: KodeJson | None = None


class GodkjenningJson(_Model):
    helsepersonellkategori: KodeJson | None = None
    autorisasjon: KodeJson | None = None
    tillegskompetanse: list[TilleggskompetanseJson] | None = None


class BehandlerJson(_Model):
    """syfohelsenettproxy's `Behandler`; the folder-backed HPR reads the same shape."""

    godkjenninger: list[GodkjenningJson]
    fnr: str = Field(repr=False)
    hpr_nummer: str | int = Field(alias="hprNummer")

    def behandler(self) -> HprBehandler:
        return HprBehandler(
            hpr_nummer=str(self.hpr_nummer),
            fnr=self.fnr,
            godkjenninger=tuple(_godkjenning(g) for g in self.godkjenninger),
        )


def _dag(value: datetime | date | None) -> date | None:
    return value.date() if isinstance(value, datetime) else value


def _godkjenning(json: GodkjenningJson) -> Godkjenning:
    return Godkjenning(
        autorisasjon=json.autorisasjon.kode() if json.autorisasjon else None,
        helsepersonellkategori=json.helsepersonellkategori.kode() if json.helsepersonellkategori else None,
        tilleggskompetanse=tuple(
            Tilleggskompetanse(
                type=t.type.kode(),
                gyldig_fra=_dag(t.gyldig.fra if t.gyldig else None) or date.min,
                gyldig_til=_dag(t.gyldig.til if t.gyldig else None),
                avsluttet=t.avsluttet_status is not None,
            )
            for t in json.tillegskompetanse or ()
            if t.type is not None
        ),
    )


_BEHANDLER = TypeAdapter(BehandlerJson)


def _parse(body: object) -> HprBehandler | None:
    return _BEHANDLER.validate_python(body).behandler()


class Syfohelsenettproxy:
    """`Helsepersonellregister` over NAV's syfohelsenettproxy."""

    def __init__(self, klient: RegisterKlient[HprBehandler | None]) -> None:
        self._klient = klient

    async def behandler(self, fnr: str) -> HprBehandler | None:
        return await self._klient.hent(
            ("fnr", fnr), "/api/v2/behandler", _parse, ikke_funnet=None, headers={"behandlerFnr": fnr}
        )

    async def behandler_med_hpr_nummer(self, hpr_nummer: str) -> HprBehandler | None:
        return await self._klient.hent(
            ("hpr", hpr_nummer),
            "/api/v2/behandlerMedHprNummer",
            _parse,
            ikke_funnet=None,
            headers={"hprNummer": hpr_nummer},
        )
