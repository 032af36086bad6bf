"""For EPJ systems: send a sykmelding, read its kvittering, read the dialogmeldinger to the clinic.

Each clinic reads only its own: kvitteringer by the orgnr of its token, dialogmeldinger by the HER id its
token names (`her_id`), the address the message exchange would deliver them to."""

from typing import Annotated

from fastapi import APIRouter, Depends, Path
from fastapi.responses import JSONResponse
from sqlalchemy import select

from sykmeldingsflyt.domain.kvittering import Kvittering
from sykmeldingsflyt.domain.oppfolgingsplan import Dialogmelding
from sykmeldingsflyt.domain.sykmelding import ReceivedSykmelding
from sykmeldingsflyt.gateway.audit import Purpose, Resource
from sykmeldingsflyt.gateway.auth import Organisation, Scope
from sykmeldingsflyt.gateway.dependencies import AuditDep, ClockDep, SessionDep, SubmissionDep, organisation_with
from sykmeldingsflyt.gateway.models import UUID_PATTERN, Accepted, DialogmeldingFeed
from sykmeldingsflyt.gateway.paging import PageDep, page_of
from sykmeldingsflyt.gateway.problems import ApiError, documented, not_found, wrong_organisation
from sykmeldingsflyt.messaging.topics import SYKMELDING_FRA_EPJ
from sykmeldingsflyt.storage.tables import GatewayDialogmelding, GatewayKvittering

PREFIX = "/epj/v1"
router = APIRouter(prefix=PREFIX, tags=["EPJ"], responses=documented(401, 403, 429, 503))
Epj = Annotated[Organisation, Depends(organisation_with(Scope.EPJ_WRITE))]


@router.post(
    "/sykmeldinger",
    status_code=202,
    response_model=Accepted,
    responses=documented(400, 409, 413, 415, 422),
    summary="Send a sykmelding",
)
async def post_sykmelding(
    sykmelding: ReceivedSykmelding, epj: Epj, submission: SubmissionDep, clock: ClockDep
) -> JSONResponse:
    """The sykmelding goes to intake as if sent on sykmelding.fra-epj; follow its kvittering at `location`.

    `legekontorOrgnr` must be the organisation of the token. `mottattDato` is set by the gateway to the
    time it received the request, as the receiver of a message does. Intake drops a second message with
    the same msgId, so even a retry without an Idempotency-Key is harmless.
    """
    if sykmelding.legekontor_orgnr != epj.orgnr:
        raise wrong_organisation("legekontorOrgnr")
    received = sykmelding.model_copy(update={"mottatt_dato": clock.now()})
    return await submission.send(
        SYKMELDING_FRA_EPJ,
        received.msg_id,
        received,
        identifier=received.msg_id,
        location=f"{PREFIX}/kvitteringer/{received.msg_id}",
    )


@router.get(
    "/kvitteringer/{msgId}",
    response_model=Kvittering,
    responses=documented(404, 422),
    summary="Read the kvittering for a sykmelding",
)
async def get_kvittering(
    msg_id: Annotated[str, Path(alias="msgId", pattern=UUID_PATTERN)], epj: Epj, db: SessionDep, audit: AuditDep
) -> Kvittering:
    """404 until intake has answered, and for a msgId that is not the caller's clinic's."""
    row = await db.scalar(
        select(GatewayKvittering).where(
            GatewayKvittering.msg_id == msg_id, GatewayKvittering.legekontor_orgnr == epj.orgnr
        )
    )
    if row is None:
        raise not_found("No kvittering for this msgId is available to this organisation (yet).")
    kvittering = Kvittering.model_validate(row.kvittering)
    await audit.record(Purpose.EPJ_KVITTERING, Resource.KVITTERING, [kvittering.kvittering_id])
    return kvittering


@router.get(
    "/dialogmeldinger",
    response_model=DialogmeldingFeed,
    responses=documented(422),
    summary="The dialogmeldinger (follow-up plans) to the clinic, oldest first",
)
async def list_dialogmeldinger(epj: Epj, db: SessionDep, audit: AuditDep, page: PageDep) -> DialogmeldingFeed:
    """For the clinic whose HER id the token names (403 HER_ID_REQUIRED without one)."""
    if epj.her_id is None:
        raise ApiError(403, "HER_ID_REQUIRED", "The token must name the clinic's HER id (her_id).")
    rows, next_cursor = await page_of(
        db, GatewayDialogmelding, page, GatewayDialogmelding.legekontor_her_id == epj.her_id
    )
    await audit.record(Purpose.EPJ_DIALOGMELDING, Resource.DIALOGMELDING, [row.dialogmelding_id for row in rows])
    return DialogmeldingFeed(
        dialogmeldinger=[Dialogmelding.model_validate(row.dialogmelding) for row in rows], next_cursor=next_cursor
    )
