"""Naermeste leder through NAV's narmesteleder REST API, as NAV's follow-up services call it.

`GET /sykmeldt/narmesteledere` with header `Sykmeldt-Fnr` lists the employee's leader relations
(`orgnummer`, `narmesteLederFnr`, `aktivFom`, `aktivTom`); the active one at an orgnummer is the leader.
`GET /leder/narmesteleder/aktive` with header `Narmeste-Leder-Fnr` lists a leader's active relations, each
naming the employee (`fnr`), as syfobrukertilgang asks it.
"""

from datetime import date

from pydantic import BaseModel, ConfigDict, TypeAdapter

from sykmeldingsflyt.domain.registers import LedetAnsatt, NaermesteLeder
from sykmeldingsflyt.registers.nav.client import RegisterKlient

PATH = "/sykmeldt/narmesteledere"
ANSATTE_PATH = "/leder/narmesteleder/aktive"


class RelasjonJson(BaseModel):
    model_config = ConfigDict(extra="ignore")

    fnr: str | None = None
    """The employee: in the leader's list; the employee's own list may leave it out."""
    orgnummer: str
    narmesteLederFnr: str  # noqa: N815 - narmesteleder's field names
    aktivFom: date  # noqa: N815
    aktivTom: date | None = None  # noqa: N815


_LISTE = TypeAdapter(list[RelasjonJson])


def _parse(body: object) -> tuple[RelasjonJson, ...]:
    return tuple(_LISTE.validate_python(body))


class Narmesteleder:
    """`NaermesteLederRegister` over the narmesteleder API."""

    def __init__(self, klient: RegisterKlient[tuple[RelasjonJson, ...]]) -> None:
        self._klient = klient

    async def naermeste_leder(self, fnr: str, orgnummer: str) -> NaermesteLeder | None:
        relasjoner = await self._klient.hent(fnr, PATH, _parse, ikke_funnet=(), headers={"Sykmeldt-Fnr": fnr})
        return next(
            (
                NaermesteLeder(r.orgnummer, r.narmesteLederFnr, r.aktivFom, r.aktivTom)
                for r in relasjoner
                if r.orgnummer == orgnummer and r.aktivTom is None
            ),
            None,
        )

    async def ansatte(self, leder_fnr: str) -> tuple[LedetAnsatt, ...]:
        # Its own cache key: the same person may be asked about as an employee and as a leader.
        relasjoner = await self._klient.hent(
            ("leder", leder_fnr), ANSATTE_PATH, _parse, ikke_funnet=(), headers={"Narmeste-Leder-Fnr": leder_fnr}
        )
        return tuple(
            LedetAnsatt(r.fnr, r.orgnummer)
            for r in relasjoner
            if r.fnr is not None and r.narmesteLederFnr == leder_fnr and r.aktivTom is None
        )
