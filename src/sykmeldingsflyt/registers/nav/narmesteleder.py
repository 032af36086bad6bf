"""Naermeste leder through NAV's narmesteleder REST API, as NAV's follow-up services call it.

`GET /sykmeldt/narmesteledere` with header `Sykmeldt-Fnr` lists the employee's leader relations
(`orgnummer`, `narmesteLederFnr`, `aktivFom`, `aktivTom`); the active one at an orgnummer is the leader.
"""

from datetime import date

from pydantic import BaseModel, ConfigDict, TypeAdapter

from sykmeldingsflyt.domain.registers import NaermesteLeder
from sykmeldingsflyt.registers.nav.client import RegisterKlient

PATH = "/sykmeldt/narmesteledere"


class RelasjonJson(BaseModel):
    model_config = ConfigDict(extra="ignore")

    orgnummer: str
    narmesteLederFnr: str  # noqa: N815 - narmesteleder's field names
    aktivFom: date  # noqa: N815
    aktivTom: date | None = None  # noqa: N815


_LISTE = TypeAdapter(list[RelasjonJson])


def _parse(body: object) -> tuple[NaermesteLeder, ...]:
    return tuple(
        NaermesteLeder(r.orgnummer, r.narmesteLederFnr, r.aktivFom, r.aktivTom) for r in _LISTE.validate_python(body)
    )


class Narmesteleder:
    """`NaermesteLederRegister` over the narmesteleder API."""

    def __init__(self, klient: RegisterKlient[tuple[NaermesteLeder, ...]]) -> None:
        self._klient = klient

    async def naermeste_leder(self, fnr: str, orgnummer: str) -> NaermesteLeder | None:
        relasjoner = await self._klient.hent(fnr, PATH, _parse, ikke_funnet=(), headers={"Sykmeldt-Fnr": fnr})
        return next((r for r in relasjoner if r.orgnummer == orgnummer and r.aktiv_tom is None), None)
