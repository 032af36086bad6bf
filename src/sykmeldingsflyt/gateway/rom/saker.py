"""The cases a caller may open, for the room's overview page: their own case, the cases with sykmeldinger they
wrote, the cases of the employees they lead (from the nærmeste leder register), all for NAV.

A leader's row says only what the case page would show them at the top: the underenhet the employee sent a
sykmelding to and the periods of the employer views there (ArbeidsgiverSykmelding, no medical field). The
register is asked by the leader's fnr, read from their token for this one question and kept nowhere.
"""

from dataclasses import dataclass, field
from datetime import date

import structlog
from fastapi import Request
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from sykmeldingsflyt.domain.pseudonym import sak_ref
from sykmeldingsflyt.domain.registers import NaermesteLederRegister, RegisterUtilgjengelig
from sykmeldingsflyt.domain.views import ArbeidsgiverSykmelding
from sykmeldingsflyt.gateway.audit import Audit, Purpose, Resource
from sykmeldingsflyt.gateway.auth import Caller, Operator, Person
from sykmeldingsflyt.gateway.context import Gateway
from sykmeldingsflyt.gateway.problems import ApiError
from sykmeldingsflyt.gateway.rom.tilgang import COOKIE
from sykmeldingsflyt.storage.tables import GatewayArbeidsgiverSykmelding, GatewayRomSykmelding

log = structlog.get_logger(__name__)

NAV_MAKS = 100
"""NAV's list is a way in for the demo, not a work queue: at most this many cases."""


@dataclass(frozen=True)
class Saksrad:
    sak: str
    arbeidsplass: str | None = None
    """For a leader: the underenhet the case is with there."""
    fom: date | None = None
    tom: date | None = None
    sykmelding_ids: tuple[str, ...] = field(default=(), repr=False)


@dataclass(frozen=True)
class Oversikt:
    saker: list[Saksrad]
    feil: str | None = None


async def oversikt(request: Request, running: Gateway, ledere: NaermesteLederRegister, caller: Caller) -> Oversikt:
    async with running.database.session() as session:
        if isinstance(caller, Operator):
            if running.settings.operator_group not in caller.groups:
                return Oversikt([])
            found = await session.scalars(select(GatewayRomSykmelding.sak_ref).distinct().limit(NAV_MAKS))
            return Oversikt([Saksrad(sak) for sak in sorted(found)])
        if not isinstance(caller, Person):
            return Oversikt([])
        egne = await _egne(session, running, caller)
        try:
            ledet = await _ledet(session, running, ledere, await running.verifier.pid(request.cookies[COOKIE]))
        except RegisterUtilgjengelig as error:
            log.warning("rom.ledere_utilgjengelig", register=error.register, grunn=error.grunn)
            return Oversikt(egne, feil="Vi får ikke hentet dine ansatte akkurat nå. Prøv igjen om litt.")
        except (ApiError, KeyError):
            ledet = []  # the token expired (or the cookie went) since it was checked: their own cases only
        await Audit(session, caller, running.runtime.clock).record(
            Purpose.SAMHANDLINGSROM, Resource.ARBEIDSGIVER_SYKMELDING, [i for rad in ledet for i in rad.sykmelding_ids]
        )
        vist = {rad.sak for rad in ledet}
        return Oversikt(ledet + [rad for rad in egne if rad.sak not in vist])


async def _egne(session: AsyncSession, running: Gateway, caller: Person) -> list[Saksrad]:
    """The caller's own case, and the cases with sykmeldinger they wrote."""
    egen = sak_ref(caller.person_ref, running.runtime.settings.pseudonym_key)
    found = await session.scalars(
        select(GatewayRomSykmelding.sak_ref).where(
            (GatewayRomSykmelding.behandler_ref == caller.person_ref) | (GatewayRomSykmelding.sak_ref == egen)
        )
    )
    return [Saksrad(sak) for sak in sorted(set(found))]


async def _ledet(
    session: AsyncSession, running: Gateway, ledere: NaermesteLederRegister, leder_fnr: str
) -> list[Saksrad]:
    """The cases of the employees the leader leads, where a sykmelding was sent to that underenhet."""
    rader = []
    key = running.runtime.settings.pseudonym_key
    for ansatt in await ledere.ansatte(leder_fnr):
        sak = sak_ref(running.pseudonym(ansatt.fnr), key)
        i_saken = GatewayRomSykmelding.sykmelding_id == GatewayArbeidsgiverSykmelding.sykmelding_id
        rows = await session.scalars(
            select(GatewayArbeidsgiverSykmelding)
            .join(GatewayRomSykmelding, i_saken)
            .where(
                GatewayRomSykmelding.sak_ref == sak,
                GatewayArbeidsgiverSykmelding.orgnummer == ansatt.orgnummer,
                GatewayArbeidsgiverSykmelding.view.is_not(None),
            )
        )
        views = [ArbeidsgiverSykmelding.model_validate(row.view) for row in rows]
        if not views:
            continue
        perioder = [p for view in views for p in view.sykmeldingsperioder]
        rader.append(
            Saksrad(
                sak,
                arbeidsplass=views[-1].org_navn or ansatt.orgnummer,
                fom=min((p.fom for p in perioder), default=None),
                tom=max((p.tom for p in perioder), default=None),
                sykmelding_ids=tuple(view.id for view in views),
            )
        )
    return sorted(rader, key=lambda rad: (rad.arbeidsplass or "", rad.fom or date.min, rad.sak))
