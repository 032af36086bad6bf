"""The employer's share of the read model, as its doors serve it: the sykmeldinger sent to an organisation
(by virksomhet or legal entity) and their withdrawals, and the varsler to it, each in order of a running
number (`loepenr`) a client resumes from.

The employee appears only as `ansattRef`, their pseudonym within the virksomhet (domain/pseudonym.py), the
same on a sykmelding and on a varsel, so an HR system can tie the two together and nothing else.
"""

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated, TypeVar

from fastapi import Header, Path
from pydantic import ConfigDict, Field
from sqlalchemy import ColumnElement, Select, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from sykmeldingsflyt.domain.base import DomainModel
from sykmeldingsflyt.domain.clock import OSLO
from sykmeldingsflyt.domain.identifiers import Fnr, Orgnr, Uuid
from sykmeldingsflyt.domain.varsel import ArbeidsgiverVarsel, Mottaker, Varsel
from sykmeldingsflyt.domain.views import ArbeidsgiverSykmelding
from sykmeldingsflyt.gateway.context import Gateway
from sykmeldingsflyt.gateway.models import UUID_PATTERN, Sendingstatus
from sykmeldingsflyt.storage.tables import GatewayArbeidsgiverSykmelding, GatewaySykmeldingEier, GatewayVarsel

MAKS_ANTALL = 1000
"""At most this many entries per answer, as NAV's LPS API."""
GRENSE_NAADD = "X-Warning-limit-reached"
"""Set, to MAKS_ANTALL, on an answer that was cut: ask again from its last `loepenr`."""
MAKS_VENTETID = 30
"""The longest a request may wait for news (`Prefer: wait=N`), in seconds."""
_POLL_EVERY = 0.5

T = TypeVar("T")
_LOEPENR = "The entry's running number: pass the last one you got as `fraLoepenr` to resume after it."
_FRA_LOEPENR = "Only entries after this running number: the last `loepenr` of the previous answer."
SykmeldingIdPath = Annotated[str, Path(alias="sykmeldingId", pattern=UUID_PATTERN)]


class SykmeldingFilter(DomainModel):
    """Which sykmeldinger: NAV's LPS filter. `fom`/`tom` bound the day each was sent to the employer."""

    model_config = ConfigDict(extra="forbid")

    orgnr: Orgnr = Field(
        description="The virksomhet or legal entity to read for; the system user must have it in Altinn.",
        examples=["311000004"],
    )
    fnr: Fnr | None = Field(default=None, description="Only this employee's.", examples=["17857233115"])
    fom: date | None = Field(
        default=None, description="Only those sent to the employer on or after this day.", examples=["2026-12-01"]
    )
    tom: date | None = Field(
        default=None, description="Only those sent to the employer on or before this day.", examples=["2026-12-31"]
    )
    fra_loepenr: int | None = Field(default=None, ge=0, le=2**62, description=_FRA_LOEPENR, examples=[1742])


class VarselFilter(DomainModel):
    model_config = ConfigDict(extra="forbid")

    orgnr: Orgnr = Field(
        description="The virksomhet or legal entity to read for; the system user must have it in Altinn.",
        examples=["311000101"],
    )
    fra_loepenr: int | None = Field(default=None, ge=0, le=2**62, description=_FRA_LOEPENR, examples=[1742])


class LpsSykmelding(DomainModel):
    """One entry of the feed: a sykmelding sent to the employer, or its withdrawal."""

    loepenr: int = Field(description=_LOEPENR, examples=[1743])
    sykmelding_id: Uuid = Field(description="The sykmelding's id.", examples=["9a8b7c6d-5e4f-4a3b-9c2d-1e0f9a8b7c6d"])
    orgnr: Orgnr = Field(description="The virksomhet (underenhet) it was sent to.", examples=["311000101"])
    juridisk_orgnr: Orgnr = Field(description="That virksomhet's legal entity (hovedenhet).", examples=["311000004"])
    ansatt_ref: str | None = Field(
        description="The employee as this virksomhet alone knows them (a pseudonym; the same on its varsler); "
        "null only until NAV's copy has been read.",
        examples=["3f1c0e9a7b5d4c2e8a6f1b3d5c7e9a0b2d4f6a8c"],
    )
    status: Sendingstatus = Field(
        description="SENDT with the view, or TRUKKET when the employee withdrew it.", examples=["SENDT"]
    )
    sendt_til_arbeidsgiver: datetime = Field(
        description="When this entry last changed: sent, or withdrawn.", examples=["2026-12-01T08:00:00Z"]
    )
    sykmelding: ArbeidsgiverSykmelding | None = Field(
        default=None, description="The employer's view of the sykmelding; null when TRUKKET."
    )


class LpsVarsel(DomainModel):
    loepenr: int = Field(description=_LOEPENR, examples=[57])
    varsel: ArbeidsgiverVarsel = Field(description="The varsel, with the employee as this virksomhet knows them.")


def wait_seconds(
    prefer: Annotated[
        str | None,
        Header(
            alias="Prefer",
            description="`wait=N` (RFC 7240): when nothing is new, hold the request up to N seconds "
            f"(at most {MAKS_VENTETID}) and answer as soon as something arrives: long-polling.",
        ),
    ] = None,
) -> int:
    for preference in (prefer or "").split(","):
        name, _, value = preference.strip().partition("=")
        if name.strip().lower() == "wait" and value.strip().isdigit():
            return min(int(value.strip()), MAKS_VENTETID)
    return 0


async def long_poll(db: AsyncSession, wait: int, read: Callable[[], Awaitable[Sequence[T]]]) -> Sequence[T]:
    """`read` now, and again until it finds something or `wait` seconds have passed."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + wait
    while True:
        found = await read()
        if found or loop.time() >= deadline:
            return found
        # End the read transaction: a snapshot (SQLite's) would never show what commits meanwhile.
        await db.rollback()
        await asyncio.sleep(_POLL_EVERY)


def sent_to(orgnr: str) -> ColumnElement[bool]:
    """The entries an organisation finds: sent to it as virksomhet, or to one of its virksomheter."""
    return or_(
        GatewayArbeidsgiverSykmelding.orgnummer == orgnr, GatewayArbeidsgiverSykmelding.juridisk_orgnummer == orgnr
    )


async def sykmeldinger(
    db: AsyncSession, running: Gateway, filter_: SykmeldingFilter, limit: int = MAKS_ANTALL + 1
) -> list[LpsSykmelding]:
    query = _with_owner().where(
        sent_to(filter_.orgnr), GatewayArbeidsgiverSykmelding.position > (filter_.fra_loepenr or 0)
    )
    if filter_.fnr is not None:
        query = query.where(GatewaySykmeldingEier.person_ref == running.pseudonym(filter_.fnr))
    if filter_.fom is not None:
        query = query.where(GatewayArbeidsgiverSykmelding.updated_at >= _start_of(filter_.fom))
    if filter_.tom is not None:
        query = query.where(GatewayArbeidsgiverSykmelding.updated_at < _start_of(filter_.tom + timedelta(days=1)))
    rows = await db.execute(query.order_by(GatewayArbeidsgiverSykmelding.position).limit(limit))
    return [entry(running, row, person) for row, person in rows]


async def latest_view(
    db: AsyncSession, running: Gateway, sykmelding_id: str, orgnr: str | None = None
) -> LpsSykmelding | None:
    """The sykmelding as last sent to an employer (to `orgnr`, as virksomhet or legal entity, when given),
    if it is not withdrawn."""
    query = _with_owner().where(GatewayArbeidsgiverSykmelding.sykmelding_id == sykmelding_id)
    if orgnr is not None:
        query = query.where(sent_to(orgnr))
    rows = await db.execute(query.order_by(GatewayArbeidsgiverSykmelding.position.desc()).limit(1))
    for row, person in rows:
        # A withdrawal is stored as JSON null, which `IS NOT NULL` does not see.
        return None if row.view is None else entry(running, row, person)
    return None


async def varsler(db: AsyncSession, running: Gateway, filter_: VarselFilter) -> list[LpsVarsel]:
    # A varsel names the virksomhet; a legal entity finds those of the virksomheter sent to it.
    virksomheter = select(GatewayArbeidsgiverSykmelding.orgnummer).where(
        GatewayArbeidsgiverSykmelding.juridisk_orgnummer == filter_.orgnr
    )
    rows = await db.scalars(
        select(GatewayVarsel)
        .where(
            GatewayVarsel.mottaker == Mottaker.ARBEIDSGIVER.value,
            or_(GatewayVarsel.orgnr == filter_.orgnr, GatewayVarsel.orgnr.in_(virksomheter)),
            GatewayVarsel.position > (filter_.fra_loepenr or 0),
        )
        .order_by(GatewayVarsel.position)
        .limit(MAKS_ANTALL + 1)
    )
    found = []
    for row in rows:
        varsel = Varsel.model_validate(row.varsel)
        ansatt = running.ansatt(varsel.orgnr or "", row.person_ref)
        found.append(LpsVarsel(loepenr=row.position, varsel=varsel.for_arbeidsgiver(ansatt)))
    return found


def capped(entries: Sequence[T]) -> tuple[list[T], dict[str, str]]:
    """At most MAKS_ANTALL entries, and the warning header when there were more."""
    if len(entries) > MAKS_ANTALL:
        return list(entries[:MAKS_ANTALL]), {GRENSE_NAADD: str(MAKS_ANTALL)}
    return list(entries), {}


def entry(running: Gateway, row: GatewayArbeidsgiverSykmelding, person: str | None) -> LpsSykmelding:
    return LpsSykmelding(
        loepenr=row.position,
        sykmelding_id=row.sykmelding_id,
        orgnr=row.orgnummer,
        juridisk_orgnr=row.juridisk_orgnummer,
        ansatt_ref=None if person is None else running.ansatt(row.orgnummer, person),
        status=Sendingstatus.TRUKKET if row.view is None else Sendingstatus.SENDT,
        sendt_til_arbeidsgiver=row.updated_at,
        sykmelding=None if row.view is None else ArbeidsgiverSykmelding.model_validate(row.view),
    )


def _with_owner() -> Select[GatewayArbeidsgiverSykmelding, str]:
    return select(GatewayArbeidsgiverSykmelding, GatewaySykmeldingEier.person_ref).outerjoin(
        GatewaySykmeldingEier, GatewaySykmeldingEier.sykmelding_id == GatewayArbeidsgiverSykmelding.sykmelding_id
    )


def _start_of(day: date) -> datetime:
    # In UTC, as the times are stored: SQLite compares them as text.
    return datetime.combine(day, time(), tzinfo=OSLO).astimezone(UTC)
