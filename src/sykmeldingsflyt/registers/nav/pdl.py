"""The population register through PDL's GraphQL API, as NAV's services call it.

One POST to `/graphql` per ident asks `hentIdenter` (every ident the person has had) and `hentPerson`
(`foedselsdato`, `doedsfall`), with headers `Behandlingsnummer` (the purpose NAV registered for the
lookup) and `TEMA`. PDL answers 200 even for an unknown person: an error with code `not_found` says so.
"""

from datetime import date
from typing import Any

from pydantic import BaseModel, ConfigDict, TypeAdapter

from sykmeldingsflyt.domain.registers import Person
from sykmeldingsflyt.registers.nav.client import RegisterKlient
from sykmeldingsflyt.registers.resilience import Forbigaende

QUERY = """
query($ident: ID!) {
  hentIdenter(ident: $ident, grupper: [FOLKEREGISTERIDENT], historikk: true) {
    identer { ident gruppe historisk }
  }
  hentPerson(ident: $ident) {
    foedselsdato { foedselsdato }
    doedsfall { doedsdato }
  }
}
"""

_IKKE_FUNNET = "not_found"
_TREG_PDL = "server_error"


class _Model(BaseModel):
    model_config = ConfigDict(extra="ignore")


class IdentJson(_Model):
    ident: str
    historisk: bool = False


class IdenterJson(_Model):
    identer: list[IdentJson]


class FoedselsdatoJson(_Model):
    foedselsdato: date | None = None


class DoedsfallJson(_Model):
    doedsdato: date | None = None


class PersonJson(_Model):
    foedselsdato: list[FoedselsdatoJson]
    doedsfall: list[DoedsfallJson] = []


class DataJson(_Model):
    hentIdenter: IdenterJson | None = None  # noqa: N815 - PDL's field names
    hentPerson: PersonJson | None = None  # noqa: N815


class ErrorExtensionsJson(_Model):
    code: str | None = None


class ErrorJson(_Model):
    extensions: ErrorExtensionsJson | None = None


class SvarJson(_Model):
    data: DataJson | None = None
    errors: list[ErrorJson] = []


_SVAR = TypeAdapter(SvarJson)


def _parse(body: object) -> Person | None:
    svar = _SVAR.validate_python(body)
    codes = {error.extensions.code for error in svar.errors if error.extensions}
    if _IKKE_FUNNET in codes:
        return None
    if svar.errors:
        # PDL reports its own outages inside a 200; never read one as "no such person".
        raise Forbigaende(f"PDL svarte med feil: {', '.join(sorted(c or 'ukjent' for c in codes)) or 'ukjent'}")
    data = svar.data
    if data is None or data.hentIdenter is None or data.hentPerson is None:
        return None
    gjeldende = [i.ident for i in data.hentIdenter.identer if not i.historisk]
    fodselsdato = next((f.foedselsdato for f in data.hentPerson.foedselsdato if f.foedselsdato), None)
    if not gjeldende or fodselsdato is None:
        raise ValueError("hentIdenter uten gjeldende ident, eller hentPerson uten foedselsdato")
    return Person(
        fnr=gjeldende[0],
        fodselsdato=fodselsdato,
        dodsdato=next((d.doedsdato for d in data.hentPerson.doedsfall if d.doedsdato), None),
        identer=tuple(i.ident for i in data.hentIdenter.identer),
    )


class Pdl:
    """`Folkeregister` over PDL."""

    def __init__(self, klient: RegisterKlient[Person | None], behandlingsnummer: str, tema: str) -> None:
        self._klient = klient
        self._headers = {"Behandlingsnummer": behandlingsnummer, "TEMA": tema}

    async def person(self, ident: str) -> Person | None:
        body: dict[str, Any] = {"query": QUERY, "variables": {"ident": ident}}
        return await self._klient.hent(ident, "/graphql", _parse, ikke_funnet=None, headers=self._headers, graphql=body)
