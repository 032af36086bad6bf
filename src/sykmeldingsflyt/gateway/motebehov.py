"""Møtebehov over HTTP: a party posts one (checked against the caller, then sent), reads the status of its
case, and NAV marks what it has handled (docs/domain.md §4; NAV's syfomotebehov for what the domain leaves
open).

The status is read from the read model: the accepted møtebehov (nav.motebehov), their tasks (nav.oppgave:
handled when BEHANDLET), the day NAV asked the case about dialogmøte 2 (its SVAR_MOTEBEHOV varsel), and
whether a sykmelding sent to the employer is active (the employer views). As in syfomotebehov, each outside
party sees the answers its own side gave (the employee theirs, the employer its own at its virksomhet);
NAV sees all, with who gave them. An employer never sees the employee's answer, nor its reasons, which are
written for NAV.
"""

from collections.abc import Sequence
from datetime import date, datetime

from fastapi.responses import JSONResponse
from pydantic import Field
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from sykmeldingsflyt.domain.base import DomainModel
from sykmeldingsflyt.domain.identifiers import Orgnr, Uuid
from sykmeldingsflyt.domain.motebehov import (
    Besvart,
    Innmeldertype,
    MotebehovFraPart,
    MotebehovMottatt,
    Motebehovstatus,
    Skjematype,
    motebehovstatus,
    oppgave_id,
)
from sykmeldingsflyt.domain.oppfolgingsplan import Refusal, active_sent_sykmelding
from sykmeldingsflyt.domain.oppgave import Oppgave, OppgaveBehandlet, Oppgavestatus
from sykmeldingsflyt.domain.sykmelding import UtcTimestamp
from sykmeldingsflyt.domain.varsel import Varsel, Varseltype
from sykmeldingsflyt.gateway import feeds
from sykmeldingsflyt.gateway.context import Gateway
from sykmeldingsflyt.gateway.dependencies import Submission
from sykmeldingsflyt.gateway.planvurdering import sent_sykmeldinger
from sykmeldingsflyt.gateway.problems import ApiError, invalid_body
from sykmeldingsflyt.messaging.topics import MOTEBEHOV_FRA_PART, NAV_OPPGAVE_BEHANDLET
from sykmeldingsflyt.storage.tables import (
    GatewayArbeidsgiverSykmelding,
    GatewayMotebehov,
    GatewayOppgave,
    GatewaySykmeldingEier,
    GatewayVarsel,
)


async def submit(
    skjema: MotebehovFraPart, innmelder: Innmeldertype, submission: Submission, now: datetime
) -> JSONResponse:
    """`innsendt` becomes the time the gateway received it: the day that counts for the SVAR_BEHOV window
    is the day it was submitted, which the caller must not be able to choose."""
    if skjema.innmelder_type is not innmelder:
        raise invalid_body([("innmelderType", "innmelder_type", f"must be {innmelder.value} for this caller")])
    received = skjema.model_copy(update={"innsendt": now})
    return await submission.send(MOTEBEHOV_FRA_PART, received.id, received, identifier=received.id)


class MotebehovSvar(DomainModel):
    """An answered møtebehov, as the party that gave it (or NAV) reads it."""

    id: Uuid = Field(description="The møtebehov's id.", examples=["0d7e8c1a-2b3c-4d5e-8f90-a1b2c3d4e5f6"])
    skjematype: Skjematype = Field(description="Which question it answered.", examples=["SVAR_BEHOV"])
    innmelder_type: Innmeldertype = Field(description="Who gave it.", examples=["ARBEIDSGIVER"])
    har_motebehov: bool = Field(description="Whether a dialogue meeting with NAV is wanted.", examples=[True])
    begrunnelse: str | None = Field(
        default=None,
        description="Why, in the words of the one who gave it.",
        examples=["Ønsker å drøfte tilrettelegging"],
    )
    onsker_sykmelder_deltar: bool = Field(description="Whether the doctor is wanted at the meeting.", examples=[False])
    onsker_sykmelder_deltar_begrunnelse: str | None = Field(
        default=None, description="Why the doctor is wanted.", examples=["Legen kjenner arbeidsevnen best"]
    )
    onsker_tolk: bool = Field(description="Whether an interpreter is needed.", examples=[False])
    tolk_sprak: str | None = Field(default=None, description="The interpreter's language.", examples=["polsk"])
    innsendt: UtcTimestamp = Field(description="When it was submitted.", examples=["2026-12-01T08:00:00Z"])
    behandlet: UtcTimestamp | None = Field(
        default=None,
        description="When NAV handled it; null while it is not (a no gives NAV nothing to handle).",
        examples=["2026-12-03T10:00:00Z"],
    )


class MotebehovStatus(DomainModel):
    """The question a party has open in its case with one employer, and its answer (syfomotebehov's shape)."""

    vis_motebehov: bool = Field(
        description="Whether there is a question to show: only in an active case.", examples=[True]
    )
    skjematype: Skjematype | None = Field(
        default=None,
        description="SVAR_BEHOV while NAV's question about dialogmøte 2 is open (case weeks 16 to 26), else "
        "MELD_BEHOV (a meeting may be asked for at any time); null when no case is active.",
        examples=["SVAR_BEHOV"],
    )
    motebehov: MotebehovSvar | None = Field(
        default=None,
        description="The party's newest answer in the case: for SVAR_BEHOV one given in its window or not yet "
        "handled, for MELD_BEHOV one not yet handled; null when there is none to show.",
    )


class ArbeidstakerMotebehovStatus(MotebehovStatus):
    orgnr: Orgnr = Field(description="The employer the case is with.", examples=["311000101"])


class ArbeidsgiverMotebehovStatus(MotebehovStatus):
    ansatt_ref: str = Field(
        description="The employee as this virksomhet alone knows them (the same as on their sykmeldinger here).",
        examples=["3f1c0e9a7b5d4c2e8a6f1b3d5c7e9a0b2d4f6a8c"],
    )
    orgnr: Orgnr = Field(description="The virksomhet the case is with.", examples=["311000101"])


class NavMotebehov(MotebehovSvar):
    orgnr: Orgnr = Field(description="The employer whose case it concerns.", examples=["311000101"])
    tilfelle_id: Uuid = Field(
        description="The case it was accepted in.", examples=["1f2e3d4c-5b6a-4978-8a9b-0c1d2e3f4a5b"]
    )


class NavMotebehovListe(DomainModel):
    motebehov: list[NavMotebehov] = Field(description="Every accepted møtebehov of the person, newest first.")


def svar(besvart: Besvart) -> MotebehovSvar:
    return MotebehovSvar.model_validate({**_fields(besvart.motebehov, MotebehovSvar), "behandlet": besvart.behandlet})


def nav_svar(besvart: Besvart) -> NavMotebehov:
    return NavMotebehov.model_validate({**_fields(besvart.motebehov, NavMotebehov), "behandlet": besvart.behandlet})


def _fields(mottatt: MotebehovMottatt, view: type[DomainModel]) -> dict[str, object]:
    # By whitelist: the view's own fields, so the person reference never leaves.
    return {name: getattr(mottatt, name) for name in view.model_fields if name != "behandlet"}


def status_fields(status: Motebehovstatus) -> dict[str, object]:
    return {
        "vis_motebehov": status.vis_motebehov,
        "skjematype": status.skjematype,
        "motebehov": None if status.besvart is None else svar(status.besvart),
    }


async def for_arbeidstaker(db: AsyncSession, person: str, today: date) -> list[ArbeidstakerMotebehovStatus]:
    """The employee's status in the case with each employer they have sent a sykmelding to."""
    employers = sorted({s.orgnummer for s in await sent_sykmeldinger(db, person) if s.orgnummer is not None})
    return [
        ArbeidstakerMotebehovStatus(
            orgnr=orgnr, **status_fields(await status(db, person, orgnr, Innmeldertype.ARBEIDSTAKER, today))
        )
        for orgnr in employers
    ]


async def for_arbeidsgiver(
    db: AsyncSession, running: Gateway, orgnr: str, today: date
) -> list[ArbeidsgiverMotebehovStatus]:
    """The employer's status in the case of each employee who has sent a sykmelding to `orgnr` (as the
    virksomhet or its legal entity), each employee named by their `ansattRef` at the virksomhet."""
    rows = await db.execute(
        select(GatewaySykmeldingEier.person_ref, GatewayArbeidsgiverSykmelding.orgnummer)
        .join(GatewaySykmeldingEier, GatewaySykmeldingEier.sykmelding_id == GatewayArbeidsgiverSykmelding.sykmelding_id)
        .where(feeds.sent_to(orgnr))
        .distinct()
    )
    statuses = []
    for person, virksomhet in sorted((str(p), str(v)) for p, v in rows):
        found = await status(db, person, virksomhet, Innmeldertype.ARBEIDSGIVER, today)
        statuses.append(
            ArbeidsgiverMotebehovStatus(
                ansatt_ref=running.ansatt(virksomhet, person), orgnr=virksomhet, **status_fields(found)
            )
        )
    return statuses


async def for_nav(db: AsyncSession, person: str) -> NavMotebehovListe:
    found = sorted(await besvart(db, person), key=lambda b: b.motebehov.innsendt, reverse=True)
    return NavMotebehovListe(motebehov=[nav_svar(b) for b in found])


def shown(statuses: Sequence[MotebehovStatus]) -> list[str]:
    """The ids of the møtebehov a read showed, for the audit log."""
    return [s.motebehov.id for s in statuses if s.motebehov is not None]


async def besvart(
    db: AsyncSession, person: str, *, orgnr: str | None = None, innmelder: Innmeldertype | None = None
) -> list[Besvart]:
    """The person's accepted møtebehov (with one employer, from one side, when asked), each with when NAV
    handled its task."""
    query = select(GatewayMotebehov).where(GatewayMotebehov.person_ref == person)
    if orgnr is not None:
        query = query.where(GatewayMotebehov.orgnr == orgnr)
    mottatte = [MotebehovMottatt.model_validate(row.motebehov) for row in await db.scalars(query)]
    mottatte = [m for m in mottatte if innmelder is None or m.innmelder_type is innmelder]
    handled = await _behandlet(db, [oppgave_id(m.id) for m in mottatte])
    return [Besvart(m, handled.get(oppgave_id(m.id))) for m in mottatte]


async def ubehandlede_oppgaver(db: AsyncSession, person: str) -> list[str]:
    """The tasks of the person's møtebehov NAV has got and not handled: what NAV can mark handled."""
    ids = [oppgave_id(b.motebehov.id) for b in await besvart(db, person) if b.ubehandlet]
    rows = await db.scalars(select(GatewayOppgave).where(GatewayOppgave.oppgave_id.in_(ids)))
    return sorted(row.oppgave_id for row in rows if Oppgave.model_validate(row.oppgave).status is Oppgavestatus.MOTTATT)


async def behandle(db: AsyncSession, person: str, submission: Submission, now: datetime) -> JSONResponse:
    """NAV's word that every open møtebehov of the person is handled, as syfomotebehov's `behandle`: one
    OppgaveBehandlet per task on nav.oppgave-behandlet, as any NAV client writes it. 409 when none is open."""
    oppgaver = await ubehandlede_oppgaver(db, person)
    if not oppgaver:
        raise ApiError(409, "INGEN_UBEHANDLET_MOTEBEHOV", "The person has no møtebehov NAV has not handled.")
    meldinger = [(i, OppgaveBehandlet(oppgave_id=i, behandlet=now)) for i in oppgaver]
    return await submission.send_all(NAV_OPPGAVE_BEHANDLET, meldinger, identifier=submission.message_id("behandle"))


async def status(db: AsyncSession, person: str, orgnr: str, innmelder: Innmeldertype, today: date) -> Motebehovstatus:
    """The status of the person's case with employer `orgnr`, for the side `innmelder`."""
    sent = await sent_sykmeldinger(db, person)
    aktivt = bool(sent) and not isinstance(active_sent_sykmelding(orgnr, sent, today), Refusal)
    return motebehovstatus(
        today,
        aktivt=aktivt,
        sporsmal_apnet=await _sporsmal_apnet(db, person, orgnr),
        besvart=await besvart(db, person, orgnr=orgnr, innmelder=innmelder),
    )


async def _sporsmal_apnet(db: AsyncSession, person: str, orgnr: str) -> date | None:
    """The day NAV last asked the case with `orgnr` about dialogmøte 2 (its SVAR_MOTEBEHOV varsel)."""
    rows = await db.scalars(
        select(GatewayVarsel).where(GatewayVarsel.person_ref == person, GatewayVarsel.orgnr == orgnr)
    )
    varsler = [Varsel.model_validate(row.varsel) for row in rows]
    return max((v.stoppunkt_dato for v in varsler if v.type is Varseltype.SVAR_MOTEBEHOV), default=None)


async def _behandlet(db: AsyncSession, oppgaver: Sequence[str]) -> dict[str, datetime | None]:
    rows = await db.scalars(select(GatewayOppgave).where(GatewayOppgave.oppgave_id.in_(oppgaver)))
    return {row.oppgave_id: Oppgave.model_validate(row.oppgave).behandlet for row in rows}
