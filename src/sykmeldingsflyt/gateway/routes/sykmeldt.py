"""For the employee (through nav.no, with a TokenX token): act on one's own sykmelding."""

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Path
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import ValidationError

from sykmeldingsflyt.domain.status import SykmeldingStatusEvent
from sykmeldingsflyt.gateway.dependencies import OnceDep, PersonDep, PublisherDep, SessionDep
from sykmeldingsflyt.gateway.idempotency import Answer
from sykmeldingsflyt.gateway.models import UUID_PATTERN, Accepted, StatusAction, accepted
from sykmeldingsflyt.gateway.problems import documented, not_found
from sykmeldingsflyt.messaging.topics import SYKMELDING_STATUS
from sykmeldingsflyt.storage.tables import GatewaySykmeldingEier

router = APIRouter(prefix="/sykmeldt/v1", tags=["Sykmeldt"], responses=documented(401, 403, 429, 503))


@router.post(
    "/sykmeldinger/{sykmeldingId}/status",
    status_code=202,
    response_model=Accepted,
    responses=documented(404, 409, 413, 422),
    summary="Send, confirm, cancel, reopen or delete one's own sykmelding",
)
async def post_status(
    *,
    sykmelding_id: Annotated[str, Path(alias="sykmeldingId", pattern=UUID_PATTERN)],
    action: StatusAction,
    sykmeldt: PersonDep,
    once: OnceDep,
    db: SessionDep,
    publisher: PublisherDep,
) -> JSONResponse:
    """SENDT names the employer (`arbeidsgiver`); every other action must not. 404 for a sykmelding that
    is not the caller's, whether or not it exists."""
    try:
        event = SykmeldingStatusEvent(
            event_id=once.message_id("status"),
            sykmelding_id=sykmelding_id,
            timestamp=datetime.now(UTC),
            status_event=action.status_event,
            arbeidsgiver=action.arbeidsgiver,
            sporsmals=action.sporsmals,
        )
    except ValidationError as invalid:
        raise RequestValidationError(
            [{**error, "loc": ("body", *error["loc"])} for error in invalid.errors(include_input=False)]
        ) from None
    owner = await db.get(GatewaySykmeldingEier, sykmelding_id)
    if owner is None or owner.person_ref != sykmeldt.person_ref:
        raise not_found("No sykmelding with this id belongs to the caller.")

    async def send() -> Answer:
        await publisher.publish(SYKMELDING_STATUS, sykmelding_id, event)
        return accepted(event.event_id)

    return await once(send)
