"""For employers' HR systems: read the sykmeldinger sent to the organisation.

An organisation finds a sykmelding under the virksomhet it was sent to and under its legal entity
(juridisk orgnr), since HR systems act for the legal entity and employers often look under the other one.
"""

from typing import Annotated

from fastapi import APIRouter, Depends, Path
from sqlalchemy import ColumnElement, or_, select

from sykmeldingsflyt.domain.views import ArbeidsgiverSykmelding
from sykmeldingsflyt.gateway.audit import Purpose, Resource
from sykmeldingsflyt.gateway.auth import Organisation, Scope
from sykmeldingsflyt.gateway.dependencies import AuditDep, SessionDep, organisation_with
from sykmeldingsflyt.gateway.models import (
    UUID_PATTERN,
    ArbeidsgiverSykmeldingEntry,
    ArbeidsgiverSykmeldingFeed,
    Sendingstatus,
)
from sykmeldingsflyt.gateway.paging import CursorQuery, LimitQuery, decode_cursor, encode_cursor
from sykmeldingsflyt.gateway.problems import documented, not_found
from sykmeldingsflyt.storage.tables import GatewayArbeidsgiverSykmelding

router = APIRouter(prefix="/arbeidsgiver/v1", tags=["Arbeidsgiver"], responses=documented(401, 403, 429, 503))
Reader = Annotated[Organisation, Depends(organisation_with(Scope.ARBEIDSGIVER_READ))]


def _for(orgnr: str) -> ColumnElement[bool]:
    return or_(
        GatewayArbeidsgiverSykmelding.orgnummer == orgnr, GatewayArbeidsgiverSykmelding.juridisk_orgnummer == orgnr
    )


@router.get(
    "/sykmeldinger",
    response_model=ArbeidsgiverSykmeldingFeed,
    responses=documented(422),
    summary="The sykmeldinger sent to the organisation, and their withdrawals, oldest change first",
)
async def list_sykmeldinger(
    arbeidsgiver: Reader, db: SessionDep, audit: AuditDep, cursor: CursorQuery = None, limit: LimitQuery = 100
) -> ArbeidsgiverSykmeldingFeed:
    after = decode_cursor(cursor)
    rows = list(
        await db.scalars(
            select(GatewayArbeidsgiverSykmelding)
            .where(_for(arbeidsgiver.orgnr), GatewayArbeidsgiverSykmelding.position > after)
            .order_by(GatewayArbeidsgiverSykmelding.position)
            .limit(limit)
        )
    )
    await audit.record(Purpose.ARBEIDSGIVER_OPPFOLGING, Resource.SYKMELDING, [row.sykmelding_id for row in rows])
    return ArbeidsgiverSykmeldingFeed(
        sykmeldinger=[_entry(row) for row in rows],
        next_cursor=encode_cursor(rows[-1].position if rows else after),
    )


@router.get(
    "/sykmeldinger/{sykmeldingId}",
    response_model=ArbeidsgiverSykmelding,
    responses=documented(404, 422),
    summary="One sykmelding sent to the organisation",
)
async def get_sykmelding(
    sykmelding_id: Annotated[str, Path(alias="sykmeldingId", pattern=UUID_PATTERN)],
    arbeidsgiver: Reader,
    db: SessionDep,
    audit: AuditDep,
) -> ArbeidsgiverSykmelding:
    """404 for one that was not sent to the organisation or was withdrawn, whether or not it exists."""
    row = await db.scalar(
        select(GatewayArbeidsgiverSykmelding)
        .where(
            GatewayArbeidsgiverSykmelding.sykmelding_id == sykmelding_id,
            _for(arbeidsgiver.orgnr),
            GatewayArbeidsgiverSykmelding.view.is_not(None),
        )
        .order_by(GatewayArbeidsgiverSykmelding.position.desc())
        .limit(1)
    )
    if row is None or row.view is None:
        raise not_found("No sykmelding with this id is sent to this organisation.")
    await audit.record(Purpose.ARBEIDSGIVER_OPPFOLGING, Resource.SYKMELDING, [row.sykmelding_id])
    return ArbeidsgiverSykmelding.model_validate(row.view)


def _entry(row: GatewayArbeidsgiverSykmelding) -> ArbeidsgiverSykmeldingEntry:
    return ArbeidsgiverSykmeldingEntry(
        sykmelding_id=row.sykmelding_id,
        orgnummer=row.orgnummer,
        juridisk_orgnummer=row.juridisk_orgnummer,
        status=Sendingstatus.TRUKKET if row.view is None else Sendingstatus.SENDT,
        sykmelding=None if row.view is None else ArbeidsgiverSykmelding.model_validate(row.view),
    )
