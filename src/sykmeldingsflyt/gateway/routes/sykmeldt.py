"""For the employee (through nav.no, with a TokenX token): act on one's own sykmelding, ask for a meeting,
read one's own varsler."""

from typing import Annotated

from fastapi import APIRouter, Path
from fastapi.responses import JSONResponse
from pydantic import ValidationError

from sykmeldingsflyt.domain.motebehov import Innmeldertype, MotebehovFraPart
from sykmeldingsflyt.domain.status import SykmeldingStatusEvent
from sykmeldingsflyt.domain.varsel import Mottaker, Varsel
from sykmeldingsflyt.gateway import motebehov
from sykmeldingsflyt.gateway.audit import Purpose, Resource
from sykmeldingsflyt.gateway.dependencies import AuditDep, ClockDep, GatewayDep, PersonDep, SessionDep, SubmissionDep
from sykmeldingsflyt.gateway.models import UUID_PATTERN, Accepted, ArbeidstakerVarselFeed, StatusAction
from sykmeldingsflyt.gateway.paging import PageDep, page_of
from sykmeldingsflyt.gateway.problems import ApiError, documented, invalid_model, not_found
from sykmeldingsflyt.messaging.topics import SYKMELDING_STATUS
from sykmeldingsflyt.storage.tables import GatewaySykmeldingEier, GatewayVarsel

router = APIRouter(prefix="/sykmeldt/v1", tags=["Sykmeldt"], responses=documented(401, 403, 429, 503))


@router.post(
    "/sykmeldinger/{sykmeldingId}/status",
    status_code=202,
    response_model=Accepted,
    responses=documented(400, 404, 409, 413, 415, 422),
    summary="Send, confirm, cancel, reopen or delete one's own sykmelding",
)
async def post_status(
    *,
    sykmelding_id: Annotated[str, Path(alias="sykmeldingId", pattern=UUID_PATTERN)],
    action: StatusAction,
    sykmeldt: PersonDep,
    db: SessionDep,
    submission: SubmissionDep,
    clock: ClockDep,
) -> JSONResponse:
    """SENDT names the employer (`arbeidsgiver`); every other action must not. 404 for a sykmelding that
    is not the caller's, whether or not it exists."""
    try:
        event = SykmeldingStatusEvent(
            event_id=submission.message_id("status"),
            sykmelding_id=sykmelding_id,
            timestamp=clock.now(),
            status_event=action.status_event,
            arbeidsgiver=action.arbeidsgiver,
            sporsmals=action.sporsmals,
        )
    except ValidationError as invalid:
        raise invalid_model(invalid) from None
    owner = await db.get(GatewaySykmeldingEier, sykmelding_id)
    if owner is None or owner.person_ref != sykmeldt.person_ref:
        raise not_found("No sykmelding with this id belongs to the caller.")
    return await submission.send(SYKMELDING_STATUS, sykmelding_id, event, identifier=event.event_id)


@router.post(
    "/motebehov",
    status_code=202,
    response_model=Accepted,
    responses=documented(400, 409, 413, 415, 422),
    summary="Ask for a dialogue meeting with NAV, or answer NAV's question about one",
)
async def post_motebehov(
    skjema: MotebehovFraPart, sykmeldt: PersonDep, running: GatewayDep, submission: SubmissionDep, clock: ClockDep
) -> JSONResponse:
    """`arbeidstakerFnr` must be the caller's own and `innmelderType` ARBEIDSTAKER."""
    if running.pseudonym(skjema.arbeidstaker_fnr) != sykmeldt.person_ref:
        raise ApiError(403, "WRONG_PERSON", "A person may ask for a meeting about themselves only.")
    return await motebehov.submit(skjema, Innmeldertype.ARBEIDSTAKER, submission, clock.now())


@router.get(
    "/motebehov",
    response_model=list[motebehov.ArbeidstakerMotebehovStatus],
    summary="One's own møtebehov status: the question open in each case, one's answer, and whether NAV handled it",
)
async def list_motebehov(
    sykmeldt: PersonDep, db: SessionDep, audit: AuditDep, clock: ClockDep
) -> list[motebehov.ArbeidstakerMotebehovStatus]:
    """One entry per employer the person has sent a sykmelding to. The answers shown are the person's own;
    the employer's answers are the employer's."""
    statuses = await motebehov.for_arbeidstaker(db, sykmeldt.person_ref, clock.today())
    await audit.record(Purpose.MOTEBEHOV, Resource.MOTEBEHOV, motebehov.shown(statuses))
    return statuses


@router.get(
    "/varsler",
    response_model=ArbeidstakerVarselFeed,
    responses=documented(422),
    summary="One's own varsler, oldest first",
)
async def list_varsler(sykmeldt: PersonDep, db: SessionDep, audit: AuditDep, page: PageDep) -> ArbeidstakerVarselFeed:
    rows, next_cursor = await page_of(
        db,
        GatewayVarsel,
        page,
        GatewayVarsel.person_ref == sykmeldt.person_ref,
        GatewayVarsel.mottaker == Mottaker.ARBEIDSTAKER.value,
    )
    await audit.record(Purpose.ARBEIDSTAKER_VARSEL, Resource.VARSEL, [row.varsel_id for row in rows])
    return ArbeidstakerVarselFeed(
        varsler=[Varsel.model_validate(row.varsel).for_arbeidstaker() for row in rows], next_cursor=next_cursor
    )
