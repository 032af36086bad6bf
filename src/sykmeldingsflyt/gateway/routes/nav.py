"""For NAV: the tasks (oppgaver) the services raised, as a feed."""

from typing import Annotated

from fastapi import APIRouter, Depends

from sykmeldingsflyt.domain.oppgave import Oppgave
from sykmeldingsflyt.gateway.audit import Purpose, Resource
from sykmeldingsflyt.gateway.auth import Organisation, Scope
from sykmeldingsflyt.gateway.dependencies import AuditDep, SessionDep, organisation_with
from sykmeldingsflyt.gateway.models import OppgaveFeed
from sykmeldingsflyt.gateway.paging import PageDep, page_of
from sykmeldingsflyt.gateway.problems import documented
from sykmeldingsflyt.storage.tables import GatewayOppgave

router = APIRouter(prefix="/nav/v1", tags=["NAV"], responses=documented(401, 403, 429, 503))
Nav = Annotated[Organisation, Depends(organisation_with(Scope.NAV_READ))]


@router.get(
    "/oppgaver",
    response_model=OppgaveFeed,
    responses=documented(422),
    summary="NAV's tasks, oldest change first: each new task, and each task again when it is handled",
)
async def list_oppgaver(_nav: Nav, db: SessionDep, audit: AuditDep, page: PageDep) -> OppgaveFeed:
    rows, next_cursor = await page_of(db, GatewayOppgave, page)
    await audit.record(Purpose.NAV_OPPGAVE, Resource.OPPGAVE, [row.oppgave_id for row in rows])
    return OppgaveFeed(oppgaver=[Oppgave.model_validate(row.oppgave) for row in rows], next_cursor=next_cursor)
