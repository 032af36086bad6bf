"""Aareg's employments through its REST API v2, as NAV's sykmelding services call it.

`GET /api/v2/arbeidstaker/arbeidsforhold` with header `Nav-Personident`; each arbeidsforhold names its
`arbeidssted` (the underenhet) and its `opplysningspliktig` (the legal entity) by `identer` of type
ORGANISASJONSNUMMER, and its `ansettelsesperiode`. Employments of a private person as employer (no
orgnummer) are left out: no employer door can open for them.
"""

from datetime import date

from pydantic import BaseModel, ConfigDict, TypeAdapter

from sykmeldingsflyt.domain.registers import Arbeidsforhold
from sykmeldingsflyt.registers.nav.client import RegisterKlient

PATH = "/api/v2/arbeidstaker/arbeidsforhold"
_ORGANISASJONSNUMMER = "ORGANISASJONSNUMMER"


class _Model(BaseModel):
    model_config = ConfigDict(extra="ignore")


class IdentJson(_Model):
    type: str
    ident: str


class EnhetJson(_Model):
    type: str
    identer: list[IdentJson]

    def orgnummer(self) -> str | None:
        return next((i.ident for i in self.identer if i.type == _ORGANISASJONSNUMMER), None)


class AnsettelsesperiodeJson(_Model):
    startdato: date
    sluttdato: date | None = None


class ArbeidsforholdJson(_Model):
    arbeidssted: EnhetJson
    opplysningspliktig: EnhetJson
    ansettelsesperiode: AnsettelsesperiodeJson


_LISTE = TypeAdapter(list[ArbeidsforholdJson])


def _parse(body: object) -> tuple[Arbeidsforhold, ...]:
    result = []
    for json in _LISTE.validate_python(body):
        orgnummer, juridisk = json.arbeidssted.orgnummer(), json.opplysningspliktig.orgnummer()
        if orgnummer and juridisk:
            periode = json.ansettelsesperiode
            result.append(Arbeidsforhold(orgnummer, juridisk, periode.startdato, periode.sluttdato))
    return tuple(result)


class AaregKlient:
    """`Aareg` over Aareg's REST API."""

    def __init__(self, klient: RegisterKlient[tuple[Arbeidsforhold, ...]]) -> None:
        self._klient = klient

    async def arbeidsforhold(self, fnr: str) -> tuple[Arbeidsforhold, ...]:
        return await self._klient.hent(fnr, PATH, _parse, ikke_funnet=(), headers={"Nav-Personident": fnr})
