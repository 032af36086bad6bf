"""For HR systems (LPS) reading for their customers, as NAV's LPS API serves them (docs/domain.md §7).

The vendor holds a Maskinporten token with the scope `nav:helseytelser/sykepenger` for its customer's
Altinn system user; every read asks Altinn whether that system user may read for the organisation asked
about (refused: 401 IKKE_TILGANG_TIL_RESSURS). The feeds are ordered by a running number (`loepenr`): pass
the last one you got as `fraLoepenr` to resume, as from a Kafka offset. Send `Prefer: wait=25` to hold the
request until something new arrives (long-polling) instead of polling in a tight loop.
"""

from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse

from sykmeldingsflyt.domain.altinn import AltinnUnavailableError, Systembruker
from sykmeldingsflyt.gateway import feeds
from sykmeldingsflyt.gateway.audit import Purpose, Resource
from sykmeldingsflyt.gateway.auth import Organisation, Scope
from sykmeldingsflyt.gateway.dependencies import AuditDep, GatewayDep, SessionDep, organisation_with
from sykmeldingsflyt.gateway.feeds import LpsSykmelding, LpsVarsel, SykmeldingFilter, SykmeldingIdPath, VarselFilter
from sykmeldingsflyt.gateway.problems import ApiError, documented, not_found

router = APIRouter(prefix="/v1", tags=["Arbeidsgiver (LPS)"], responses=documented(401, 403, 429, 503))
Vendor = Annotated[Organisation, Depends(organisation_with(Scope.SYKEPENGER))]
WaitDep = Annotated[int, Depends(feeds.wait_seconds)]


def _systembruker(vendor: Organisation) -> Systembruker:
    if vendor.systembruker is None:
        raise ApiError(403, "SYSTEMBRUKER_REQUIRED", "The token must be issued for an Altinn system user.")
    return vendor.systembruker


async def _allowed(running: GatewayDep, systembruker: Systembruker, orgnr: str) -> bool:
    try:
        return await running.altinn.har_tilgang(systembruker, orgnr)
    except AltinnUnavailableError:
        raise ApiError(503, "ALTINN_UNAVAILABLE", "Altinn's authorisation could not be asked; try again.") from None


async def _require(running: GatewayDep, vendor: Organisation, orgnr: str) -> None:
    if not await _allowed(running, _systembruker(vendor), orgnr):
        raise ApiError(401, "IKKE_TILGANG_TIL_RESSURS", "The system user may not read for this organisation.")


@router.post(
    "/sykmeldinger",
    response_model=list[LpsSykmelding],
    responses=documented(400, 422),
    summary="The sykmeldinger sent to an organisation, and their withdrawals, by running number",
)
async def post_sykmeldinger(
    *, filter_: SykmeldingFilter, vendor: Vendor, running: GatewayDep, db: SessionDep, audit: AuditDep, wait: WaitDep
) -> JSONResponse:
    """At most 1,000, oldest change first; the header `X-Warning-limit-reached` says the answer was cut: ask
    again with the last `loepenr` as `fraLoepenr`."""
    await _require(running, vendor, filter_.orgnr)
    found = await feeds.long_poll(db, wait, lambda: feeds.sykmeldinger(db, running, filter_))
    entries, headers = feeds.capped(found)
    await audit.record(Purpose.ARBEIDSGIVER_OPPFOLGING, Resource.SYKMELDING, [e.sykmelding_id for e in entries])
    return _answer(entries, headers)


@router.get(
    "/sykmelding/{sykmeldingId}",
    response_model=LpsSykmelding,
    responses=documented(404, 422),
    summary="One sykmelding sent to an organisation the system user may read for",
)
async def get_sykmelding(
    sykmelding_id: SykmeldingIdPath, vendor: Vendor, running: GatewayDep, db: SessionDep, audit: AuditDep
) -> LpsSykmelding:
    """404 for one that was withdrawn or not sent to an organisation the system user may read for, whether
    or not it exists."""
    systembruker = _systembruker(vendor)
    found = await feeds.latest_view(db, running, sykmelding_id)
    if found is None or not (
        await _allowed(running, systembruker, found.orgnr)
        or await _allowed(running, systembruker, found.juridisk_orgnr)
    ):
        raise not_found("No sykmelding with this id is sent to an organisation this system user may read for.")
    await audit.record(Purpose.ARBEIDSGIVER_OPPFOLGING, Resource.SYKMELDING, [sykmelding_id])
    return found


@router.post(
    "/varsler",
    response_model=list[LpsVarsel],
    responses=documented(400, 422),
    summary="The varsler to an organisation (stop points of its employees' cases), by running number",
)
async def post_varsler(
    *, filter_: VarselFilter, vendor: Vendor, running: GatewayDep, db: SessionDep, audit: AuditDep, wait: WaitDep
) -> JSONResponse:
    await _require(running, vendor, filter_.orgnr)
    found = await feeds.long_poll(db, wait, lambda: feeds.varsler(db, running, filter_))
    entries, headers = feeds.capped(found)
    await audit.record(Purpose.ARBEIDSGIVER_OPPFOLGING, Resource.VARSEL, [e.varsel.id for e in entries])
    return _answer(entries, headers)


def _answer(entries: list[LpsSykmelding] | list[LpsVarsel], headers: dict[str, str]) -> JSONResponse:
    body = [e.model_dump(mode="json", by_alias=True) for e in entries]
    return JSONResponse(body, headers=headers)
