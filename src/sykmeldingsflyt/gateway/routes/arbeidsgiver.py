"""For employers' HR systems: read the sykmeldinger sent to the organisation, post follow-up plans and
møtebehov, and read the plans' receipts.

An organisation finds a sykmelding under the virksomhet it was sent to and under its legal entity
(juridisk orgnr), since HR systems act for the legal entity and employers often look under the other one.
"""

from typing import Annotated

from fastapi import APIRouter, Depends, Path
from fastapi.responses import JSONResponse

from sykmeldingsflyt.domain.motebehov import Innmeldertype, MotebehovFraPart
from sykmeldingsflyt.domain.oppfolgingsplan import Oppfolgingsplan, PlanKvittering, check_plan
from sykmeldingsflyt.domain.views import ArbeidsgiverSykmelding
from sykmeldingsflyt.gateway import feeds, motebehov
from sykmeldingsflyt.gateway.audit import Purpose, Resource
from sykmeldingsflyt.gateway.auth import Organisation, Scope
from sykmeldingsflyt.gateway.dependencies import (
    AuditDep,
    ClockDep,
    GatewayDep,
    SessionDep,
    SubmissionDep,
    organisation_with,
)
from sykmeldingsflyt.gateway.feeds import LpsSykmelding, SykmeldingFilter, SykmeldingIdPath
from sykmeldingsflyt.gateway.models import (
    UUID_PATTERN,
    Accepted,
    ArbeidsgiverSykmeldingEntry,
    ArbeidsgiverSykmeldingFeed,
)
from sykmeldingsflyt.gateway.paging import PageDep, encode_cursor
from sykmeldingsflyt.gateway.problems import documented, invalid_body, not_found, wrong_organisation
from sykmeldingsflyt.messaging.topics import OPPFOLGINGSPLAN_FRA_HR
from sykmeldingsflyt.storage.tables import GatewayPlanKvittering

PREFIX = "/arbeidsgiver/v1"
router = APIRouter(prefix=PREFIX, tags=["Arbeidsgiver"], responses=documented(401, 403, 429, 503))
Reader = Annotated[Organisation, Depends(organisation_with(Scope.ARBEIDSGIVER_READ))]
Writer = Annotated[Organisation, Depends(organisation_with(Scope.ARBEIDSGIVER_WRITE))]


@router.get(
    "/sykmeldinger",
    response_model=ArbeidsgiverSykmeldingFeed,
    responses=documented(422),
    summary="The sykmeldinger sent to the organisation, and their withdrawals, oldest change first",
)
async def list_sykmeldinger(
    arbeidsgiver: Reader, running: GatewayDep, db: SessionDep, audit: AuditDep, page: PageDep
) -> ArbeidsgiverSykmeldingFeed:
    after = page.after
    wanted = SykmeldingFilter(orgnr=arbeidsgiver.orgnr, fra_loepenr=after)
    rows = await feeds.sykmeldinger(db, running, wanted, limit=page.limit)
    await audit.record(Purpose.ARBEIDSGIVER_OPPFOLGING, Resource.SYKMELDING, [row.sykmelding_id for row in rows])
    return ArbeidsgiverSykmeldingFeed(
        sykmeldinger=[_entry(row) for row in rows],
        next_cursor=encode_cursor(rows[-1].loepenr if rows else after),
    )


@router.get(
    "/sykmeldinger/{sykmeldingId}",
    response_model=ArbeidsgiverSykmelding,
    responses=documented(404, 422),
    summary="One sykmelding sent to the organisation",
)
async def get_sykmelding(
    sykmelding_id: SykmeldingIdPath, arbeidsgiver: Reader, running: GatewayDep, db: SessionDep, audit: AuditDep
) -> ArbeidsgiverSykmelding:
    """404 for one that was not sent to the organisation or was withdrawn, whether or not it exists."""
    found = await feeds.latest_view(db, running, sykmelding_id, arbeidsgiver.orgnr)
    if found is None or found.sykmelding is None:
        raise not_found("No sykmelding with this id is sent to this organisation.")
    await audit.record(Purpose.ARBEIDSGIVER_OPPFOLGING, Resource.SYKMELDING, [sykmelding_id])
    return found.sykmelding


@router.post(
    "/oppfolgingsplaner",
    status_code=202,
    response_model=Accepted,
    responses=documented(400, 409, 413, 415, 422),
    summary="Send a follow-up plan",
)
async def post_plan(
    plan: Oppfolgingsplan, arbeidsgiver: Writer, submission: SubmissionDep, clock: ClockDep
) -> JSONResponse:
    """`orgnummer` must be the organisation of the token. The plan's own rules (a description when help from
    NAV is asked for, an evaluation date not in the past, ...) are checked at once, each refusal naming its
    field; whether the employee has an active sykmelding sent here is learnt from the receipt at `location`."""
    if plan.orgnummer != arbeidsgiver.orgnr:
        raise wrong_organisation("orgnummer")
    refusals = check_plan(plan, clock.today())
    if refusals:
        raise invalid_body((refusal.field, refusal.code.value, refusal.message) for refusal in refusals)
    return await submission.send(
        OPPFOLGINGSPLAN_FRA_HR,
        plan.plan_uuid,
        plan,
        identifier=plan.plan_uuid,
        location=f"{PREFIX}/oppfolgingsplaner/{plan.plan_uuid}/kvittering",
    )


@router.get(
    "/oppfolgingsplaner/{planUuid}/kvittering",
    response_model=PlanKvittering,
    responses=documented(404, 422),
    summary="The receipt for a plan: accepted or refused, and its delivery to the fastlege and to NAV",
)
async def get_plan_kvittering(
    plan_uuid: Annotated[str, Path(alias="planUuid", pattern=UUID_PATTERN)],
    arbeidsgiver: Writer,
    db: SessionDep,
    audit: AuditDep,
) -> PlanKvittering:
    """404 until the plan has been processed, and for a plan this organisation did not send."""
    row = await db.get(GatewayPlanKvittering, (plan_uuid, arbeidsgiver.orgnr))
    if row is None:
        raise not_found("No receipt for this plan is available to this organisation (yet).")
    await audit.record(Purpose.ARBEIDSGIVER_PLANKVITTERING, Resource.PLAN, [plan_uuid])
    return PlanKvittering.model_validate(row.kvittering)


@router.post(
    "/motebehov",
    status_code=202,
    response_model=Accepted,
    responses=documented(400, 409, 413, 415, 422),
    summary="Ask for a dialogue meeting with NAV about an employee, or answer NAV's question about one",
)
async def post_motebehov(
    skjema: MotebehovFraPart, arbeidsgiver: Writer, submission: SubmissionDep, clock: ClockDep
) -> JSONResponse:
    """`orgnr` must be the organisation of the token and `innmelderType` ARBEIDSGIVER."""
    if skjema.orgnr != arbeidsgiver.orgnr:
        raise wrong_organisation("orgnr")
    return await motebehov.submit(skjema, Innmeldertype.ARBEIDSGIVER, submission, clock.now())


def _entry(row: LpsSykmelding) -> ArbeidsgiverSykmeldingEntry:
    return ArbeidsgiverSykmeldingEntry(
        sykmelding_id=row.sykmelding_id,
        orgnummer=row.orgnr,
        juridisk_orgnummer=row.juridisk_orgnr,
        status=row.status,
        ansatt_ref=row.ansatt_ref,
        sykmelding=row.sykmelding,
    )
