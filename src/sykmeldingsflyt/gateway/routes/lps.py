"""For HR systems (LPS) reading for their customers, as NAV's LPS API serves them (docs/domain.md §7).

The vendor holds a Maskinporten token with the scope `nav:helseytelser/sykepenger` for its customer's
Altinn system user; every read asks Altinn whether that system user may read for the organisation asked
about (refused: 401 IKKE_TILGANG_TIL_RESSURS). The feeds are ordered by a running number (`loepenr`): pass
the last one you got as `fraLoepenr` to resume, as from a Kafka offset. Send `Prefer: wait=25` to hold the
request until something new arrives (long-polling) instead of polling in a tight loop.

Besides the sykmeldinger and varsler of NAV's LPS API, the same door serves the employer's sykepengesøknader
(a feed by running number as the sykmeldinger) and the møtebehov status of each employee, as the employer's
own door (/arbeidsgiver/v1) has them: what one organisation reads, its system user must have in Altinn.
"""

from collections.abc import Sequence
from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse
from pydantic import ConfigDict, Field

from sykmeldingsflyt.domain.altinn import AltinnUnavailableError, Systembruker
from sykmeldingsflyt.domain.base import DomainModel
from sykmeldingsflyt.domain.identifiers import Orgnr
from sykmeldingsflyt.gateway import feeds, motebehov, soknader
from sykmeldingsflyt.gateway.audit import Purpose, Resource
from sykmeldingsflyt.gateway.auth import Organisation, Scope
from sykmeldingsflyt.gateway.dependencies import AuditDep, ClockDep, GatewayDep, SessionDep, organisation_with
from sykmeldingsflyt.gateway.feeds import SykmeldingFilter, SykmeldingIdPath, VarselFilter
from sykmeldingsflyt.gateway.problems import ApiError, documented, not_found

router = APIRouter(prefix="/v1", tags=["Arbeidsgiver (LPS)"], responses=documented(401, 403, 429, 503))
Vendor = Annotated[Organisation, Depends(organisation_with(Scope.SYKEPENGER))]
WaitDep = Annotated[int, Depends(feeds.wait_seconds)]


class SoknadFilter(VarselFilter):
    """Which søknader: those sent to the organisation (as the virksomhet, or to any of the legal entity's
    virksomheter), after a running number."""


class MotebehovFilter(DomainModel):
    model_config = ConfigDict(extra="forbid")

    orgnr: Orgnr = Field(
        description="The virksomhet or legal entity to read for; the system user must have it in Altinn.",
        examples=["311000101"],
    )


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
    response_model=list[feeds.LpsSykmelding],
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
    response_model=feeds.LpsSykmelding,
    responses=documented(404, 422),
    summary="One sykmelding sent to an organisation the system user may read for",
)
async def get_sykmelding(
    sykmelding_id: SykmeldingIdPath, vendor: Vendor, running: GatewayDep, db: SessionDep, audit: AuditDep
) -> feeds.LpsSykmelding:
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
    response_model=list[feeds.LpsVarsel],
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


@router.post(
    "/soknader",
    response_model=list[soknader.ArbeidsgiverSoknadEntry],
    responses=documented(400, 422),
    summary="The sykepengesøknader sent to an organisation, in the employer's view, by running number",
)
async def post_soknader(
    *, filter_: SoknadFilter, vendor: Vendor, running: GatewayDep, db: SessionDep, audit: AuditDep, wait: WaitDep
) -> JSONResponse:
    """What NAV's sendt-søknad to the employer shows: periods and grade, work resumed, holiday and leave,
    egenmelding and treatment days; no diagnosis, nothing medical, no fnr. The employee is the same
    `ansattRef` as on their sykmeldinger here. At most 1,000, as `/v1/sykmeldinger`."""
    await _require(running, vendor, filter_.orgnr)
    after = filter_.fra_loepenr or 0
    found = await feeds.long_poll(
        db, wait, lambda: soknader.entries(db, running, filter_.orgnr, after=after, limit=feeds.MAKS_ANTALL + 1)
    )
    entries, headers = feeds.capped(found)
    await audit.record(Purpose.ARBEIDSGIVER_OPPFOLGING, Resource.SOKNAD, [e.soknad.id for e in entries])
    return _answer(entries, headers)


@router.post(
    "/motebehov",
    response_model=list[motebehov.ArbeidsgiverMotebehovStatus],
    responses=documented(400, 422),
    summary="The møtebehov status of each employee who sent a sykmelding to an organisation: the question "
    "open, the organisation's own answer, and whether NAV handled it",
)
async def post_motebehov(
    *, filter_: MotebehovFilter, vendor: Vendor, running: GatewayDep, db: SessionDep, audit: AuditDep, clock: ClockDep
) -> list[motebehov.ArbeidsgiverMotebehovStatus]:
    """Each employee as `ansattRef`. The answers shown are the employer's own: the employee's answers, and the
    reasons they give NAV, are not the employer's to read."""
    await _require(running, vendor, filter_.orgnr)
    statuses = await motebehov.for_arbeidsgiver(db, running, filter_.orgnr, clock.today())
    await audit.record(Purpose.MOTEBEHOV, Resource.MOTEBEHOV, motebehov.shown(statuses))
    return statuses


def _answer(entries: Sequence[DomainModel], headers: dict[str, str]) -> JSONResponse:
    body = [e.model_dump(mode="json", by_alias=True) for e in entries]
    return JSONResponse(body, headers=headers)
