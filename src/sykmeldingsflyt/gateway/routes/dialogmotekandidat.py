"""For NAV's officers: dialogmøte-2 candidates (docs/domain.md §5.2, NAV's isdialogmotekandidat API).

The candidature is tidslinje's (read from its table, in the same database, as motebehov reads the
cases); an exception or "ikke aktuell" is checked here, so the officer gets 400 or 409 at once, and
then goes to tidslinje on nav.dialogmotekandidat-vurdering, which records it.
"""

from datetime import datetime
from functools import partial
from typing import Annotated

from fastapi import APIRouter, Depends, Header
from fastapi.responses import JSONResponse
from pydantic import Field

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


PersonidentFelt = Annotated[Fnr, Field(description="The person's fnr.", examples=["17858413745"])]
Veilederident = Annotated[
    str,
    Field(
        pattern=r"^[A-Z][0-9]{6}$",
        description="The officer's NAV ident (one letter, six digits).",
        examples=["Z990123"],
    ),
]


class Dialogmotekandidat(DomainModel):
    """Whether the person is a dialogmøte-2 candidate, as NAV's own API shows it."""

    kandidat: bool = Field(description="A candidate now, decided at least 7 days ago.", examples=[True])
    kandidat_at: datetime | None = Field(
        default=None,
        description="When the person became a candidate; null when not one.",
        examples=["2026-06-29T06:00:00Z"],
    )


class Unntak(DomainModel):
    """An exception (unntak): the person stays sick-listed but needs no dialogmøte 2."""

    personident: PersonidentFelt
    arsak: UnntakArsak = Field(
        description="Why no meeting is needed. FRISKMELDT and ARBEIDSFORHOLD_OPPHORT are refused (400): record "
        "ikke aktuell instead.",
        examples=["MEDISINSKE_GRUNNER"],
    )
    veilederident: Veilederident


class IkkeAktuell(DomainModel):
    """Ikke aktuell: a dialogmøte 2 is not relevant for the person."""

    personident: PersonidentFelt
    arsak: IkkeAktuellArsak = Field(description="Why a meeting is not relevant.", examples=["ARBEIDSTAKER_AAP"])
    veilederident: Veilederident


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


class Vurderinger:
    """Records an officer's assessment: checked against the current candidature here, then sent to tidslinje."""

    def __init__(
        self, _nav: NavWriter, running: GatewayDep, db: SessionDep, submission: SubmissionDep, clock: ClockDep
    ) -> None:
        self.running, self.db, self.submission, self.clock = running, db, submission, clock

    async def submit(self, body: "Unntak | IkkeAktuell") -> JSONResponse:
        reason = {"unntak_arsak": body.arsak} if isinstance(body, Unntak) else {"ikke_aktuell_arsak": body.arsak}
        vurdering = DialogmotekandidatVurdering.model_validate(
            {
                "uuid": self.submission.message_id(type(body).__name__),
                "personident": body.personident,
                "veilederident": body.veilederident,
                "created_at": self.clock.now(),
                **reason,
            }
        )
        endringer = await kandidat_endringer(self.db, self.running.pseudonym(vurdering.personident))
        outcome = kandidat.vurder(kandidat.gjeldende(endringer), vurdering, vurdering.created_at)
        if outcome is Avslag.UGYLDIG_ARSAK:
            raise ApiError(400, "VALIDATION_ERROR", f"arsak: {AVSLAG_FORKLARING[outcome]}")
        if outcome is Avslag.IKKE_KANDIDAT:
            raise ApiError(409, "IKKE_KANDIDAT", AVSLAG_FORKLARING[outcome])
        return await self.submission.send(
            NAV_DIALOGMOTEKANDIDAT_VURDERING, vurdering.uuid, vurdering, identifier=vurdering.uuid
        )


VurderingerDep = Annotated[Vurderinger, Depends()]
_post_vurdering = partial(router.post, status_code=202, response_model=Accepted, responses=documented(400, 409, 422))


@_post_vurdering("/unntak", summary="Record an exception (unntak) for a dialogmøte-2 candidate")
async def post_unntak(body: Unntak, vurderinger: VurderingerDep) -> JSONResponse:
    """400 for a reason no longer used for an exception (FRISKMELDT, ARBEIDSFORHOLD_OPPHORT: record
    ikke aktuell), 409 when the person is not a candidate now."""
    return await vurderinger.submit(body)


@_post_vurdering("/ikke-aktuell", summary="Record that a dialogmøte-2 candidate is not relevant (ikke aktuell)")
async def post_ikke_aktuell(body: IkkeAktuell, vurderinger: VurderingerDep) -> JSONResponse:
    """409 when the person is not a candidate now."""
    return await vurderinger.submit(body)
