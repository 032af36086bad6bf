"""For operators (an Azure AD token whose `groups` include SYKMELDINGSFLYT_OPERATOR_GROUP): the operator's
tools of `sykmeldingsflyt dlq|outbox|case` over HTTP, so nobody needs a shell on a pod. Every look at
personal data is audited with the operator's NAV ident and the `reason` they give; an fnr is only ever
taken in a POST body, never in a URL that access logs keep."""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query
from pydantic import BaseModel, Field, model_validator

from sykmeldingsflyt.gateway.auth import Operator
from sykmeldingsflyt.gateway.dependencies import CallerDep, GatewayDep
from sykmeldingsflyt.gateway.models import UUID_PATTERN
from sykmeldingsflyt.gateway.problems import ApiError, documented, not_found
from sykmeldingsflyt.messaging.dead_letter import KeyringError
from sykmeldingsflyt.operations import case, dead_letters, outbox

router = APIRouter(prefix="/admin/v1", tags=["Operators"], responses=documented(401, 403, 429, 503))

Reason = Annotated[str | None, Query(max_length=500, description="Why you look: written to the audit log")]


def _reason() -> Any:
    return Field(
        default=None, max_length=500, description="Why: written to the audit log", examples=["INC-1234: EPJ asks"]
    )


async def operator(who: CallerDep, running: GatewayDep) -> Operator:
    group = running.settings.operator_group
    if not isinstance(who, Operator) or group is None or group not in who.groups:
        raise ApiError(403, "OPERATOR_ROLE_REQUIRED", "Only members of the operators' group may do this.")
    return who


OperatorDep = Annotated[Operator, Depends(operator)]


@contextmanager
def _answered() -> Iterator[None]:
    """The tools' errors as the problems they are for the caller."""
    try:
        yield
    except (dead_letters.NotFoundError, outbox.NothingToRepublishError, case.UnknownPersonError) as error:
        raise not_found(str(error)) from None
    except KeyringError as error:
        raise ApiError(503, "DEAD_LETTER_KEY_MISSING", str(error)) from None
    except TimeoutError:
        raise ApiError(503, "KAFKA_UNAVAILABLE", "The dead-letter topics could not be read in time.") from None


@router.get(
    "/dlq",
    responses=documented(404, 422),
    summary="Dead letters per source topic and reason, with the oldest and newest",
)
async def list_dead_letters(
    _who: OperatorDep, running: GatewayDep, topic: Annotated[str | None, Query(max_length=249)] = None
) -> list[dict[str, Any]]:
    with _answered():
        return [group.to_json() for group in await dead_letters.summary(running.runtime, topic)]


@router.get(
    "/dlq/{entryId}",
    responses=documented(404, 422),
    summary="One dead letter, its body redacted; as received when a reason is given (audited)",
)
async def show_dead_letter(
    who: OperatorDep,
    running: GatewayDep,
    entry_id: Annotated[str, Path(alias="entryId", max_length=300)],
    reason: Reason = None,
) -> dict[str, Any]:
    with _answered():
        return await dead_letters.show(running.runtime, entry_id, who, reason)


class Replay(BaseModel):
    """Which dead letters to send back: one by its id, every one with a reason code, or all."""

    entry_id: str | None = Field(
        default=None,
        alias="entryId",
        max_length=300,
        description="One dead letter, by its source position `topic:partition:offset`",
        examples=["sykmelding.fra-epj:3:1234"],
    )
    code: str | None = Field(
        default=None, max_length=64, description="Every dead letter with this reason code", examples=["UKJENT_OPPGAVE"]
    )
    all: bool = Field(default=False, description="Every dead letter (of `topic`, if given)", examples=[False])
    topic: str | None = Field(
        default=None,
        max_length=249,
        description="Only the dead letters of this source topic",
        examples=["nav.oppgave-behandlet"],
    )
    reason: str | None = _reason()

    @model_validator(mode="after")
    def _one_selection(self) -> "Replay":
        if sum((self.entry_id is not None, self.code is not None, self.all)) != 1:
            raise ValueError("give one of entryId, code, or all")
        return self


@router.post(
    "/dlq/replay", responses=documented(400, 404, 413, 422), summary="Send dead letters back to their source, once"
)
async def replay_dead_letters(who: OperatorDep, running: GatewayDep, body: Replay) -> list[dict[str, str]]:
    with _answered():
        results = await dead_letters.replay(
            running.runtime, who, entry_id=body.entry_id, code=body.code, source=body.topic, why=body.reason
        )
    return [result.to_json() for result in results]


@router.get("/outbox", summary="Messages committed but not yet published, per producer and topic")
async def outbox_status(_who: OperatorDep, running: GatewayDep) -> list[dict[str, Any]]:
    return [row.to_json() for row in await outbox.status(running.runtime)]


class Why(BaseModel):
    """Why the operator does this, for the audit log."""

    reason: str | None = _reason()


@router.post(
    "/arbeidsgiver-sykmeldinger/{sykmeldingId}/republish",
    responses=documented(400, 404, 413, 422),
    summary="Send an employer view again, or its retraction, as last published (audited)",
)
async def republish(
    who: OperatorDep,
    running: GatewayDep,
    sykmelding_id: Annotated[str, Path(alias="sykmeldingId", pattern=UUID_PATTERN)],
    body: Why,
) -> dict[str, str]:
    with _answered():
        return {"republished": await outbox.republish(running.runtime, sykmelding_id, who, body.reason)}


class CaseQuery(BaseModel):
    """Whose case: by fnr (in the body, never a URL) or by one of their sykmeldinger."""

    fnr: str | None = Field(
        default=None,
        pattern=r"^\d{11}$",
        description="The person's fødselsnummer; pseudonymised at once, never stored",
        examples=["17857233115"],
    )
    sykmelding_id: str | None = Field(
        default=None,
        alias="sykmeldingId",
        pattern=UUID_PATTERN,
        description="One of the person's sykmeldinger",
        examples=["6c1c3a0e-52a6-4e4b-9f6e-0a2f0c7f9b11"],
    )
    reason: str | None = _reason()

    @model_validator(mode="after")
    def _one_person(self) -> "CaseQuery":
        if (self.fnr is None) == (self.sykmelding_id is None):
            raise ValueError("give fnr or sykmeldingId")
        return self


@router.post("/cases", responses=documented(400, 404, 413, 422), summary="One person's case timeline (audited)")
async def show_case(who: OperatorDep, running: GatewayDep, body: CaseQuery) -> dict[str, Any]:
    with _answered():
        return await case.case_timeline(
            running.runtime, case.Who(fnr=body.fnr, sykmelding_id=body.sykmelding_id), who, body.reason
        )
