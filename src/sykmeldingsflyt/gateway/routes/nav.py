"""For NAV: the tasks (oppgaver) the services raised, as a feed; a person's møtebehov, and marking them handled."""

from typing import Annotated

from fastapi import APIRouter, Depends, Header
from fastapi.responses import JSONResponse

from sykmeldingsflyt.domain.oppgave import Oppgave
from sykmeldingsflyt.gateway import motebehov
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
from sykmeldingsflyt.gateway.models import Accepted, OppgaveFeed
from sykmeldingsflyt.gateway.paging import PageDep, page_of
from sykmeldingsflyt.gateway.problems import documented
from sykmeldingsflyt.storage.tables import GatewayOppgave

router = APIRouter(prefix="/nav/v1", tags=["NAV"], responses=documented(401, 403, 429, 503))
Nav = Annotated[Organisation, Depends(organisation_with(Scope.NAV_READ))]
NavWriter = Annotated[Organisation, Depends(organisation_with(Scope.NAV_WRITE))]
Personident = Annotated[str, Header(alias="Nav-Personident", pattern=r"^\d{11}$", description="The person's fnr.")]


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


@router.get(
    "/motebehov",
    response_model=motebehov.NavMotebehovListe,
    responses=documented(422),
    summary="Every accepted møtebehov of a person, from both parties, newest first, and whether it is handled",
)
async def list_motebehov(
    _nav: Nav, personident: Personident, running: GatewayDep, db: SessionDep, audit: AuditDep
) -> motebehov.NavMotebehovListe:
    liste = await motebehov.for_nav(db, running.pseudonym(personident))
    await audit.record(Purpose.MOTEBEHOV, Resource.MOTEBEHOV, [m.id for m in liste.motebehov])
    return liste


@router.post(
    "/motebehov/behandle",
    status_code=202,
    response_model=Accepted,
    responses=documented(409, 422),
    summary="Mark every møtebehov of a person that NAV has not handled as handled",
)
async def post_behandle(
    _nav: NavWriter,
    personident: Personident,
    running: GatewayDep,
    db: SessionDep,
    submission: SubmissionDep,
    clock: ClockDep,
) -> JSONResponse:
    """As syfomotebehov's `behandle`: each open yes (its NAV task MOTTATT) is handled, written as
    OppgaveBehandlet on nav.oppgave-behandlet, the topic any NAV client writes; the status each party reads
    shows it once the oppgave service has recorded it. 409 `INGEN_UBEHANDLET_MOTEBEHOV` when none is open."""
    return await motebehov.behandle(db, running.pseudonym(personident), submission, clock.now())
