"""For NAV's officers: dialogmøte-2 candidates (DOMAIN.md §5.2, NAV's isdialogmotekandidat API).

The candidature is tidslinje's (read from its table, in the same database, as motebehov reads the
cases); an exception or "ikke aktuell" is checked here, so the officer gets 400 or 409 at once, and
then goes to tidslinje on nav.dialogmotekandidat-vurdering, which records it.
"""

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Header
from fastapi.responses import JSONResponse

from sykmeldingsflyt.domain import dialogmotekandidat as kandidat
from sykmeldingsflyt.domain.base import DomainModel
from sykmeldingsflyt.domain.dialogmotekandidat import (
    AVSLAG_FORKLARING,
    Avslag,
    DialogmotekandidatVurdering,
    IkkeAktuellArsak,
    UnntakArsak,
)
from sykmeldingsflyt.domain.identifiers import Fnr
from sykmeldingsflyt.gateway.auth import Organisation, Scope
from sykmeldingsflyt.gateway.dependencies import ClockDep, GatewayDep, SessionDep, SubmissionDep, organisation_with
from sykmeldingsflyt.gateway.models import Accepted
from sykmeldingsflyt.gateway.problems import ApiError, documented
from sykmeldingsflyt.messaging.topics import NAV_DIALOGMOTEKANDIDAT_VURDERING
from sykmeldingsflyt.storage.tidslinje import kandidat_endringer

router = APIRouter(prefix="/nav/v1/dialogmotekandidat", tags=["NAV"], responses=documented(401, 403, 429, 503))
NavReader = Annotated[Organisation, Depends(organisation_with(Scope.NAV_READ))]
NavWriter = Annotated[Organisation, Depends(organisation_with(Scope.NAV_WRITE))]
Personident = Annotated[str, Header(alias="Nav-Personident", pattern=r"^\d{11}$", description="The person's fnr.")]


class Dialogmotekandidat(DomainModel):
    kandidat: bool
    """A candidate now, decided at least 7 days ago."""
    kandidat_at: datetime | None = None
    """When the person became a candidate; null when not one."""


class Unntak(DomainModel):
    personident: Fnr
    arsak: UnntakArsak
    veilederident: str
    """The officer's NAV ident (one letter, six digits)."""


class IkkeAktuell(DomainModel):
    personident: Fnr
    arsak: IkkeAktuellArsak
    veilederident: str
    """The officer's NAV ident (one letter, six digits)."""


@router.get(
    "",
    response_model=Dialogmotekandidat,
    responses=documented(422),
    summary="Whether the person is a dialogmøte-2 candidate",
)
async def get_kandidat(
    _nav: NavReader, personident: Personident, running: GatewayDep, db: SessionDep, clock: ClockDep
) -> Dialogmotekandidat:
    """A candidate is shown only from 7 days after the decision, as NAV's own API does."""
    current = kandidat.gjeldende(await kandidat_endringer(db, running.pseudonym(personident)))
    visible = kandidat.synlig_kandidat(current, clock.now())
    return Dialogmotekandidat(kandidat=visible is not None, kandidat_at=None if visible is None else visible.created_at)


async def _submit(
    body: "Unntak | IkkeAktuell", running: GatewayDep, db: SessionDep, submission: SubmissionDep, clock: ClockDep
) -> JSONResponse:
    reason = {"unntak_arsak": body.arsak} if isinstance(body, Unntak) else {"ikke_aktuell_arsak": body.arsak}
    vurdering = DialogmotekandidatVurdering.model_validate(
        {
            "uuid": submission.message_id(type(body).__name__),
            "personident": body.personident,
            "veilederident": body.veilederident,
            "created_at": clock.now(),
            **reason,
        }
    )
    current = kandidat.gjeldende(await kandidat_endringer(db, running.pseudonym(vurdering.personident)))
    outcome = kandidat.vurder(current, vurdering, vurdering.created_at)
    if outcome is Avslag.UGYLDIG_ARSAK:
        raise ApiError(400, "VALIDATION_ERROR", f"arsak: {AVSLAG_FORKLARING[outcome]}")
    if outcome is Avslag.IKKE_KANDIDAT:
        raise ApiError(409, "IKKE_KANDIDAT", AVSLAG_FORKLARING[outcome])
    return await submission.send(NAV_DIALOGMOTEKANDIDAT_VURDERING, vurdering.uuid, vurdering, identifier=vurdering.uuid)


@router.post(
    "/unntak",
    status_code=202,
    response_model=Accepted,
    responses=documented(400, 409, 422),
    summary="Record an exception (unntak) for a dialogmøte-2 candidate",
)
async def post_unntak(
    body: Unntak, _nav: NavWriter, running: GatewayDep, db: SessionDep, submission: SubmissionDep, clock: ClockDep
) -> JSONResponse:
    """400 for a reason no longer used for an exception (FRISKMELDT, ARBEIDSFORHOLD_OPPHORT: record
    ikke aktuell), 409 when the person is not a candidate now."""
    return await _submit(body, running, db, submission, clock)


@router.post(
    "/ikke-aktuell",
    status_code=202,
    response_model=Accepted,
    responses=documented(400, 409, 422),
    summary="Record that a dialogmøte-2 candidate is not relevant (ikke aktuell)",
)
async def post_ikke_aktuell(
    body: IkkeAktuell, _nav: NavWriter, running: GatewayDep, db: SessionDep, submission: SubmissionDep, clock: ClockDep
) -> JSONResponse:
    """409 when the person is not a candidate now."""
    return await _submit(body, running, db, submission, clock)
