"""Who looks into a case, and as which party.

The room reads the same tokens as the HTTP API, verified by the same verifier, from an HttpOnly cookie
instead of an Authorization header (a browser cannot send one with a plain link). The party is decided by
the case, never by what the caller claims: the person whose case it is is the sykmeldt; a person who wrote
one of its sykmeldinger is its doctor (for those sykmeldinger only); a person the nærmeste leder register
names as the employee's leader at an underenhet the sykmelding was sent to is the leader (for that
underenhet only); an Azure AD token in the operators' group is NAV. Anyone else gets the same answer as
for a case that does not exist.
"""

from dataclasses import dataclass
from enum import StrEnum

from fastapi import Request
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from sykmeldingsflyt.domain.registers import NaermesteLederRegister
from sykmeldingsflyt.domain.views import NavSykmelding
from sykmeldingsflyt.gateway.auth import Caller, Operator, Person
from sykmeldingsflyt.gateway.context import Gateway
from sykmeldingsflyt.gateway.problems import ApiError
from sykmeldingsflyt.storage.rom import apne
from sykmeldingsflyt.storage.segl import Keyring
from sykmeldingsflyt.storage.tables import GatewayArbeidsgiverSykmelding, GatewayRomSykmelding

COOKIE = "rom_token"


class Rolle(StrEnum):
    SYKMELDT = "sykmeldt"
    LEDER = "leder"
    LEGE = "lege"
    NAV = "nav"


ROLLENAVN = {
    Rolle.SYKMELDT: "Sykmeldt",
    Rolle.LEDER: "Nærmeste leder",
    Rolle.LEGE: "Lege",
    Rolle.NAV: "NAV-veileder",
}


class IkkeInnlogget(Exception):  # noqa: N818 - the room's word: not logged in
    """No cookie, or a token the verifier refuses: the page asks the browser to log in."""


class IngenTilgang(Exception):  # noqa: N818 - the room's word: no access
    """The caller is no party to the case; answered exactly as a case that does not exist."""


@dataclass(frozen=True)
class Betrakter:
    """The viewer of one case: their party, and what narrows their view."""

    rolle: Rolle
    caller: Caller
    orgnr: str | None = None
    """The leader's underenhet: they see what was sent there, nothing else."""
    sykmelding_ids: frozenset[str] | None = None
    """The doctor's own sykmeldinger in the case: they see those, nothing else."""


@dataclass(frozen=True)
class Sak:
    """A case as the room holds it: NAV's view of each sykmelding, oldest first."""

    sak_ref: str
    sykmeldinger: list[NavSykmelding]
    behandler_refs: dict[str, str]
    """The writing doctor's person pseudonym per sykmelding id."""

    @property
    def pasient_fnr(self) -> str:
        return self.sykmeldinger[0].received_sykmelding.pasient_fnr


async def innlogget(request: Request, running: Gateway) -> Caller:
    token = request.cookies.get(COOKIE)
    if not token:
        raise IkkeInnlogget
    try:
        return await running.verifier.caller(token)
    except ApiError:
        raise IkkeInnlogget from None


async def sak_av(session: AsyncSession, sak_ref: str, keyring: Keyring) -> Sak:
    """The case, NAV's view of each sykmelding opened from its seal (storage/rom.py)."""
    rows = list(
        await session.scalars(
            select(GatewayRomSykmelding)
            .where(GatewayRomSykmelding.sak_ref == sak_ref)
            .order_by(GatewayRomSykmelding.sykmelding_id)
        )
    )
    if not rows:
        raise IngenTilgang
    sykmeldinger = [NavSykmelding.model_validate(apne(row, keyring)) for row in rows]
    sykmeldinger.sort(key=lambda nav: nav.received_sykmelding.mottatt_dato)
    return Sak(sak_ref, sykmeldinger, {row.sykmelding_id: row.behandler_ref for row in rows})


async def sendt_til(session: AsyncSession, sak: Sak) -> list[str]:
    """The underenheter the employee has sent one of the case's sykmeldinger to, and not withdrawn."""
    ids = [nav.received_sykmelding.sykmelding.id for nav in sak.sykmeldinger]
    found = await session.scalars(
        select(GatewayArbeidsgiverSykmelding.orgnummer)
        .where(GatewayArbeidsgiverSykmelding.sykmelding_id.in_(ids), GatewayArbeidsgiverSykmelding.view.is_not(None))
        .distinct()
    )
    return sorted(found)


async def betrakter(
    caller: Caller, running: Gateway, session: AsyncSession, ledere: NaermesteLederRegister, sak: Sak
) -> Betrakter:
    if isinstance(caller, Operator):
        group = running.settings.operator_group
        if group is not None and group in caller.groups:
            return Betrakter(Rolle.NAV, caller)
        raise IngenTilgang
    if not isinstance(caller, Person):
        raise IngenTilgang
    if running.pseudonym(sak.pasient_fnr) == caller.person_ref:
        return Betrakter(Rolle.SYKMELDT, caller)
    egne = frozenset(sid for sid, ref in sak.behandler_refs.items() if ref == caller.person_ref)
    if egne:
        return Betrakter(Rolle.LEGE, caller, sykmelding_ids=egne)
    for orgnr in await sendt_til(session, sak):
        leder = await ledere.naermeste_leder(sak.pasient_fnr, orgnr)
        if leder is not None and running.pseudonym(leder.leder_fnr) == caller.person_ref:
            return Betrakter(Rolle.LEDER, caller, orgnr=orgnr)
    raise IngenTilgang
