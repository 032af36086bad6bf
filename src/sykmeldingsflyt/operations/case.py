"""`case show`: one person's case timeline from the services' tables, for an operator answering "what
happened to this sykmelding, and what comes next?".

The person is found by fnr (pseudonymised at once, never stored or printed) or by a sykmelding id.
Per employer and case: the stop points with their dates, each passed, sent (with the varsler and tasks
it gave), not relevant, or still to come, under the rule set of the case's start; and the sykmeldinger,
plans, møtebehov, dialogmøter and tasks the services hold. Every look is audited under the pseudonym.
"""

from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any
from uuid import UUID

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from sykmeldingsflyt.domain.oppgave import Oppgavetype
from sykmeldingsflyt.domain.pseudonym import person_ref
from sykmeldingsflyt.domain.stoppunkter import OppgaveHendelse, Stoppunkt, VarselHendelse, regelverk_for
from sykmeldingsflyt.domain.timeline import CaseFacts, due
from sykmeldingsflyt.gateway.audit import Resource
from sykmeldingsflyt.gateway.auth import Operator
from sykmeldingsflyt.operations.audit import audited
from sykmeldingsflyt.services.runtime import Runtime
from sykmeldingsflyt.storage.tables import (
    MottattSykmelding,
    NavOppgave,
    PersonvernSykmelding,
    TidslinjeDialogmote,
    TidslinjeFiredAction,
    TidslinjeOppfolgingsplan,
    TidslinjeSykmelding,
)
from sykmeldingsflyt.storage.tidslinje import case_inputs


class UnknownPersonError(LookupError):
    """Nothing is known about this person or sykmelding."""


class Stoppunktstatus(StrEnum):
    SENDT = "SENDT"
    """Its day came and it gave its varsler and tasks."""
    PASSERT = "PASSERT"
    """Its day came; it gives nothing of its own (e.g. the end of the employer period)."""
    IKKE_AKTUELL = "IKKE_AKTUELL"
    """Its day came and it was not relevant (a plan was there, the case had ended, ...)."""
    KOMMER = "KOMMER"
    """Its day is ahead."""


@dataclass(frozen=True)
class Who:
    """The person asked for: by fnr, or by one of their sykmeldinger."""

    fnr: str | None = None
    sykmelding_id: str | None = None


async def case_timeline(runtime: Runtime, who: Who, operator: Operator, why: str | None) -> dict[str, Any]:
    async with runtime.database.session() as session:
        pasient = await _person(session, runtime, who)
        if pasient is None:
            raise UnknownPersonError("no sykmelding or case is known for this person or sykmelding id")
    await audited(runtime, operator, Resource.CASE, [pasient], why)
    today = runtime.clock.today()
    async with runtime.database.session() as session:
        return {
            "personRef": pasient,
            "today": today.isoformat(),
            "sykmeldinger": await _sykmeldinger(session, pasient),
            "tilfeller": await _tilfeller(session, pasient, today),
            "oppfolgingsplaner": [
                {"planUuid": row.plan_uuid, "orgnummer": row.orgnummer, "mottatt": row.mottatt.isoformat()}
                for row in await session.scalars(
                    select(TidslinjeOppfolgingsplan)
                    .where(TidslinjeOppfolgingsplan.person_ref == pasient)
                    .order_by(TidslinjeOppfolgingsplan.mottatt)
                )
            ],
            "dialogmoter": [
                {"moteId": row.mote_id, "orgnummer": row.orgnummer, "status": row.status, "dato": row.dato.isoformat()}
                for row in await session.scalars(
                    select(TidslinjeDialogmote)
                    .where(TidslinjeDialogmote.person_ref == pasient)
                    .order_by(TidslinjeDialogmote.position)
                )
            ],
            **await _oppgaver(session, pasient),
        }


async def _person(session: AsyncSession, runtime: Runtime, who: Who) -> str | None:
    """The person's pseudonym, if any service knows of them."""
    for column, key in (
        (TidslinjeSykmelding.person_ref, TidslinjeSykmelding.sykmelding_id),
        (MottattSykmelding.pasient_ref, MottattSykmelding.sykmelding_id),
    ):
        found = await session.scalar(
            select(column)
            .where(
                column == person_ref(who.fnr, runtime.settings.pseudonym_key)
                if who.fnr is not None
                else key == who.sykmelding_id
            )
            .limit(1)
        )
        if found is not None:
            return found
    return None


async def _sykmeldinger(session: AsyncSession, pasient: str) -> list[dict[str, Any]]:
    rows = (await session.scalars(select(TidslinjeSykmelding).where(TidslinjeSykmelding.person_ref == pasient))).all()
    ids = [row.sykmelding_id for row in rows]
    mottatt = {
        row.sykmelding_id: row
        for row in await session.scalars(select(MottattSykmelding).where(MottattSykmelding.sykmelding_id.in_(ids)))
    }
    status = dict(
        (
            await session.execute(
                select(PersonvernSykmelding.sykmelding_id, PersonvernSykmelding.status).where(
                    PersonvernSykmelding.sykmelding_id.in_(ids)
                )
            )
        ).all()
    )
    listed = [
        {
            "sykmeldingId": row.sykmelding_id,
            "fom": min((str(p[0]) for p in row.perioder), default=None),
            "tom": max((str(p[1]) for p in row.perioder), default=None),
            "validering": mottatt[row.sykmelding_id].validation_status if row.sykmelding_id in mottatt else None,
            "status": status.get(row.sykmelding_id),
            "orgnummer": row.orgnummer,
        }
        for row in rows
    ]
    return sorted(listed, key=lambda s: (s["fom"] or "", s["sykmeldingId"]))


async def _tilfeller(session: AsyncSession, pasient: str, today: date) -> list[dict[str, Any]]:
    cases: list[dict[str, Any]] = []
    # The person's cases, once per employer's view (tidslinje keeps one case per person across employers).
    for facts in (await case_inputs(session, pasient)).cases():
        fired = {
            row.action_id: row.fired_at
            for row in await session.scalars(
                select(TidslinjeFiredAction).where(TidslinjeFiredAction.tilfelle_id == str(facts.tilfelle_id))
            )
        }
        cases.append(
            {
                "tilfelleId": str(facts.tilfelle_id),
                "orgnummer": facts.orgnr,
                "start": facts.tilfelle.start.isoformat(),
                "slutt": facts.tilfelle.end.isoformat(),
                "regelverk": regelverk_for(facts.tilfelle.start).version,
                "stoppunkter": [
                    _stoppunkt(stoppunkt, facts, today, fired)
                    for stoppunkt in regelverk_for(facts.tilfelle.start).stoppunkter
                ],
            }
        )
    return cases


def _stoppunkt(stoppunkt: Stoppunkt, facts: CaseFacts, today: date, fired: dict[str, Any]) -> dict[str, Any]:
    day = stoppunkt.date_for(facts.tilfelle.start)
    regelverk = regelverk_for(facts.tilfelle.start)
    # What it gives (or gave) on its own day, as the facts stand now: the ids the timeline fires under.
    actions = due(stoppunkt, facts, regelverk, day)
    sent = [action for action in actions if str(action.id) in fired]
    if day > today:
        status = Stoppunktstatus.KOMMER
    elif sent:
        status = Stoppunktstatus.SENDT
    elif not stoppunkt.hendelser:
        status = Stoppunktstatus.PASSERT
    else:
        status = Stoppunktstatus.IKKE_AKTUELL
    return {
        "stoppunkt": stoppunkt.name.value,
        "dato": day.isoformat(),
        "dag": facts.tilfelle.day_number(day),
        "status": status.value,
        "hendelser": [
            {
                "id": str(action.id),
                "hendelse": _hendelse(action.hendelse),
                "sendt": fired[str(action.id)].isoformat() if str(action.id) in fired else None,
            }
            for action in actions
        ],
    }


def _hendelse(hendelse: VarselHendelse | OppgaveHendelse) -> str:
    if isinstance(hendelse, VarselHendelse):
        return f"varsel {hendelse.varseltype.value} til {hendelse.mottaker.value}"
    return f"oppgave {hendelse.oppgavetype.value}"


async def _oppgaver(session: AsyncSession, pasient: str) -> dict[str, list[dict[str, Any]]]:
    """NAV's tasks for the person; a møtebehov is known by the task it gave NAV."""
    rows = await session.scalars(select(NavOppgave).where(NavOppgave.oppgave["personRef"].as_string() == pasient))
    tasks = [
        {
            "oppgaveId": row.oppgave_id,
            "type": row.oppgave["type"],
            "status": row.status,
            "referanse": row.oppgave["referanse"],
            "opprettet": row.oppgave["opprettet"],
        }
        for row in rows
    ]
    tasks.sort(key=lambda task: str(task["opprettet"]))
    motebehov = [
        {"motebehovId": task["referanse"], "oppgaveId": task["oppgaveId"], "opprettet": task["opprettet"]}
        for task in tasks
        if task["type"] == Oppgavetype.MOTEBEHOV_SVAR.value
    ]
    return {"oppgaver": tasks, "motebehov": motebehov}


def table(timeline: dict[str, Any]) -> list[str]:
    """The timeline as lines for a terminal."""
    lines = [f"person {timeline['personRef']} (today {timeline['today']})", "", "sykmeldinger:"]
    lines += [
        f"  {s['sykmeldingId']}  {s['fom']}..{s['tom']}  {s['validering'] or '-'}  {s['status'] or '-'}"
        f"  {s['orgnummer'] or '-'}"
        for s in timeline["sykmeldinger"]
    ] or ["  (none)"]
    for case in timeline["tilfeller"]:
        lines += ["", f"tilfelle {case['tilfelleId']} with {case['orgnummer']}: {case['start']}..{case['slutt']}"]
        for point in case["stoppunkter"]:
            lines.append(f"  {point['dato']}  day {point['dag']:>3}  {point['stoppunkt']:<28} {point['status']}")
            lines += [
                f"      {h['hendelse']}" + (f"  sent {h['sendt']}" if h["sendt"] else "") for h in point["hendelser"]
            ]
    for title, rows in (
        ("oppfolgingsplaner", timeline["oppfolgingsplaner"]),
        ("motebehov", timeline["motebehov"]),
        ("dialogmoter", timeline["dialogmoter"]),
        ("oppgaver", timeline["oppgaver"]),
    ):
        lines += ["", f"{title}:"] + (["  " + "  ".join(str(v) for v in row.values()) for row in rows] or ["  (none)"])
    return lines


def uuid_or_none(text: str) -> str | None:
    try:
        return str(UUID(text))
    except ValueError:
        return None
