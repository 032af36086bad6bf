"""For employers' HR systems: read the sykmeldinger sent to the organisation, post follow-up plans and
møtebehov, and read the plans' receipts.

An organisation finds a sykmelding under the virksomhet it was sent to and under its legal entity
(juridisk orgnr), since HR systems act for the legal entity and employers often look under the other one.
"""

from typing import Annotated

from fastapi import APIRouter, Depends, Path
from fastapi.responses import JSONResponse

from sykmeldingsflyt.domain.motebehov import Innmeldertype, MotebehovFraPart
from sykmeldingsflyt.domain.oppfolgingsplan import Oppfolgingsplan, PlanKvittering
from sykmeldingsflyt.domain.views import ArbeidsgiverSykmelding
from sykmeldingsflyt.gateway import feeds, motebehov, planvurdering, soknader
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
from sykmeldingsflyt.gateway.problems import Problem, documented, not_found, wrong_organisation
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
    responses={
        **documented(409, 413, 415, 422),
        400: {
            "model": Problem,
            "description": "The plan breaks one of NAV's rules (`VALIDATION_ERROR`, each field named).",
        },
        403: {
            "model": Problem,
            "description": "`NO_ACTIVE_EMPLOYMENT` (Aareg has no employment of the employee at the organisation), "
            "`NO_ACTIVE_SENT_SYKMELDING` (no sykmelding sent to it is active: last tom + 16 days), or a token problem "
            "(`WRONG_ORGANISATION`, `INSUFFICIENT_SCOPE`, `ORGANISATION_TOKEN_REQUIRED`).",
        },
        404: {"model": Problem, "description": "`EMPLOYEE_NOT_FOUND`: the population register has no such person."},
        503: {
            "model": Problem,
            "description": "A register (Aareg, the population register) could not answer (`REGISTER_UNAVAILABLE`), or "
            "the broker did not confirm the plan (`BROKER_UNAVAILABLE`): send it again after Retry-After.",
        },
    },
    summary="Send a follow-up plan: refused at once where NAV refuses it, else delivered with a receipt",
)
async def post_plan(
    *,
    plan: Oppfolgingsplan,
    arbeidsgiver: Writer,
    running: GatewayDep,
    db: SessionDep,
    submission: SubmissionDep,
    clock: ClockDep,
) -> JSONResponse:
    """`orgnummer` must be the organisation of the token. Checked at once in the order of NAV's
    lps-oppfolgingsplan-mottak: the plan's own rules (400 VALIDATION_ERROR), an employment at the organisation in
    Aareg (403 NO_ACTIVE_EMPLOYMENT), an active sykmelding sent to it (403 NO_ACTIVE_SENT_SYKMELDING), the person in
    the population register (404 EMPLOYEE_NOT_FOUND). An accepted plan is answered 202; its delivery to the fastlege
    and to NAV is in the receipt at `location`."""
    if plan.orgnummer != arbeidsgiver.orgnr:
        raise wrong_organisation("orgnummer")
    location = f"{PREFIX}/oppfolgingsplaner/{plan.plan_uuid}/kvittering"
    return await planvurdering.send(plan, running, db, submission, clock.today(), location=location)


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


@router.get(
    "/soknader",
    response_model=soknader.ArbeidsgiverSoknadFeed,
    responses=documented(422),
    summary="The sykepengesøknader sent to the organisation, in the employer's view, oldest change first",
)
async def list_soknader(
    arbeidsgiver: Reader, running: GatewayDep, db: SessionDep, audit: AuditDep, page: PageDep
) -> soknader.ArbeidsgiverSoknadFeed:
    """What NAV's sendt-søknad to the employer shows: periods and grade, work resumed, holiday and leave,
    egenmelding and treatment days; no diagnosis, nothing medical, no fnr. A corrected søknad comes as its own
    entry, naming the one it corrects (`korrigerer`)."""
    found = await soknader.feed(db, running, arbeidsgiver.orgnr, page)
    await audit.record(Purpose.ARBEIDSGIVER_OPPFOLGING, Resource.SOKNAD, [e.soknad.id for e in found.soknader])
    return found


@router.get(
    "/motebehov",
    response_model=list[motebehov.ArbeidsgiverMotebehovStatus],
    responses=documented(422),
    summary="The møtebehov status of each employee who sent a sykmelding here: the question open, the "
    "organisation's own answer, and whether NAV handled it",
)
async def list_motebehov(
    arbeidsgiver: Reader, running: GatewayDep, db: SessionDep, audit: AuditDep, clock: ClockDep
) -> list[motebehov.ArbeidsgiverMotebehovStatus]:
    """Each employee as `ansattRef`. The answers shown are the organisation's own: the employee's answers, and
    the reasons they give NAV, are not the employer's to read."""
    statuses = await motebehov.for_arbeidsgiver(db, running, arbeidsgiver.orgnr, clock.today())
    await audit.record(Purpose.MOTEBEHOV, Resource.MOTEBEHOV, motebehov.shown(statuses))
    return statuses


@router.get(
    "/motebehov/{ansattRef}",
    response_model=motebehov.ArbeidsgiverMotebehovStatus,
    responses=documented(404, 422),
    summary="The møtebehov status of one employee, by `ansattRef`",
)
async def get_motebehov(
    *,
    ansatt_ref: Annotated[str, Path(alias="ansattRef", pattern=r"^[0-9a-f]{1,128}$")],
    arbeidsgiver: Reader,
    running: GatewayDep,
    db: SessionDep,
    audit: AuditDep,
    clock: ClockDep,
) -> motebehov.ArbeidsgiverMotebehovStatus:
    """404 for an `ansattRef` that is not an employee who sent a sykmelding to this organisation."""
    statuses = await motebehov.for_arbeidsgiver(db, running, arbeidsgiver.orgnr, clock.today())
    found = next((s for s in statuses if s.ansatt_ref == ansatt_ref), None)
    if found is None:
        raise not_found("No employee with this ansattRef has sent a sykmelding to this organisation.")
    await audit.record(Purpose.MOTEBEHOV, Resource.MOTEBEHOV, motebehov.shown([found]))
    return found


def _entry(row: LpsSykmelding) -> ArbeidsgiverSykmeldingEntry:
    return ArbeidsgiverSykmeldingEntry(
        sykmelding_id=row.sykmelding_id,
        orgnummer=row.orgnr,
        juridisk_orgnummer=row.juridisk_orgnr,
        status=row.status,
        ansatt_ref=row.ansatt_ref,
        sykmelding=row.sykmelding,
    )
