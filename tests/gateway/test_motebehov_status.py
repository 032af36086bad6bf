"""Møtebehov read back over HTTP by each party and handled by NAV, through the real broker: the employee
and the employer each see their own answer in their case, NAV sees both and marks them handled through
nav.oppgave-behandlet, and another employer or person sees nothing."""

import asyncio
import random
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any, TypeVar

import httpx
import pytest

from sykmeldingsflyt import synthetic
from sykmeldingsflyt.domain.motebehov import Innmeldertype, MotebehovFraPart, Skjematype
from sykmeldingsflyt.gateway.auth import Scope
from sykmeldingsflyt.gateway.readmodel import GatewayReadModel
from sykmeldingsflyt.messaging.settings import KafkaSettings
from sykmeldingsflyt.services.motebehov import MotebehovService
from sykmeldingsflyt.services.oppgave import OppgaveService
from sykmeldingsflyt.services.personvern import Personvern
from sykmeldingsflyt.services.tidslinje import TidslinjeService
from sykmeldingsflyt.storage.database import Database
from tests.gateway.support import (
    NAV_ORGNR,
    OTHER_EMPLOYER,
    SENDT,
    VIRKSOMHET,
    Tokens,
    eventually,
    publish_nav_sykmelding,
)
from tests.support.services import running

pytestmark = pytest.mark.integration

TODAY = datetime.now(UTC).date()
EMPLOYEE_REASON = "KANARI-til-NAV-fra-arbeidstaker"
EMPLOYER_REASON = "Vi trenger hjelp med tilrettelegging."


def _skjema(innmelder: Innmeldertype, fnr: str, begrunnelse: str) -> dict[str, Any]:
    skjema = MotebehovFraPart(
        id=str(uuid.uuid4()),
        skjematype=Skjematype.MELD_BEHOV,
        innmelder_type=innmelder,
        orgnr=VIRKSOMHET,
        har_motebehov=True,
        begrunnelse=begrunnelse,
        innsendt=datetime.now(UTC),
        arbeidstaker_fnr=fnr,
    )
    return skjema.model_dump(mode="json", by_alias=True)


T = TypeVar("T")


async def until(read: Callable[[], Awaitable[T]], done: Callable[[T], bool], timeout: float = 30.0) -> T:
    """`read` again until `done` says its answer is there: the read model follows the topics asynchronously."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        found = await read()
        if done(found) or loop.time() > deadline:
            return found
        await asyncio.sleep(0.2)


async def test_each_party_reads_its_own_and_nav_handles_them(  # noqa: PLR0915
    client: httpx.AsyncClient, tokens: Tokens, kafka_settings: KafkaSettings, database: Database
) -> None:
    received = synthetic.make_sykmelding(random.Random(1505), fom=TODAY - timedelta(days=10))
    fnr = received.pasient_fnr
    stranger = synthetic.synthetic_pasient_fnr(random.Random(1506))
    person, hr = tokens.person(fnr), tokens.hr(VIRKSOMHET)
    nav_read, nav_write = (
        tokens.nav(),
        {
            **tokens.organisation(NAV_ORGNR, Scope.NAV_READ, Scope.NAV_WRITE),
            "Nav-Personident": fnr,
        },
    )
    services = (Personvern, MotebehovService, partial(TidslinjeService, poll_interval=0.05), OppgaveService)
    async with running(kafka_settings, database, *services, GatewayReadModel) as runtime:
        await publish_nav_sykmelding(kafka_settings, runtime, received)
        path = f"/sykmeldt/v1/sykmeldinger/{received.sykmelding.id}/status"
        await eventually(lambda: client.post(path, json=SENDT, headers=person), 202)
        await eventually(lambda: client.get(f"/arbeidsgiver/v1/sykmeldinger/{received.sykmelding.id}", headers=hr))
        before = (await client.get("/sykmeldt/v1/motebehov", headers=person)).json()

        from_employee = _skjema(Innmeldertype.ARBEIDSTAKER, fnr, EMPLOYEE_REASON)
        from_employer = _skjema(Innmeldertype.ARBEIDSGIVER, fnr, EMPLOYER_REASON)
        assert (await client.post("/sykmeldt/v1/motebehov", json=from_employee, headers=person)).status_code == 202
        assert (await client.post("/arbeidsgiver/v1/motebehov", json=from_employer, headers=hr)).status_code == 202

        async def nav_list() -> list[dict[str, Any]]:
            answer = await client.get("/nav/v1/motebehov", headers={**nav_read, "Nav-Personident": fnr})
            listed: list[dict[str, Any]] = answer.json()["motebehov"]
            return listed

        async def tasks() -> list[dict[str, Any]]:
            found: list[dict[str, Any]] = (await client.get("/nav/v1/oppgaver", headers=nav_read)).json()["oppgaver"]
            return found

        nav_before = await until(nav_list, lambda listed: len(listed) == 2)
        await until(tasks, lambda found: len(found) == 2)
        employee = (await client.get("/sykmeldt/v1/motebehov", headers=person)).json()
        employer = (await client.get("/arbeidsgiver/v1/motebehov", headers=hr)).json()
        one = await client.get(f"/arbeidsgiver/v1/motebehov/{employer[0]['ansattRef']}", headers=hr)
        other_list = await client.get("/arbeidsgiver/v1/motebehov", headers=tokens.hr(OTHER_EMPLOYER))
        other_one = await client.get(
            f"/arbeidsgiver/v1/motebehov/{employer[0]['ansattRef']}", headers=tokens.hr(OTHER_EMPLOYER)
        )
        strangers = await client.get("/sykmeldt/v1/motebehov", headers=tokens.person(stranger))
        person_at_nav = await client.get("/nav/v1/motebehov", headers={**person, "Nav-Personident": fnr})
        read_only_handles = await client.post(
            "/nav/v1/motebehov/behandle", headers={**nav_read, "Nav-Personident": fnr}
        )

        handled = await client.post("/nav/v1/motebehov/behandle", headers=nav_write)

        nav_after = await until(nav_list, lambda listed: all(m["behandlet"] for m in listed))
        employee_after = (await client.get("/sykmeldt/v1/motebehov", headers=person)).json()
        again = await client.post("/nav/v1/motebehov/behandle", headers=nav_write)

    assert before == [{"orgnr": VIRKSOMHET, "visMotebehov": True, "skjematype": "MELD_BEHOV", "motebehov": None}]
    # Each outside party sees its own answer, and only its own.
    assert [s["motebehov"]["id"] for s in employee] == [from_employee["id"]]
    assert employee[0]["skjematype"] == "MELD_BEHOV" and employee[0]["motebehov"]["behandlet"] is None
    assert [(s["orgnr"], s["motebehov"]["id"]) for s in employer] == [(VIRKSOMHET, from_employer["id"])]
    assert employer[0]["motebehov"]["begrunnelse"] == EMPLOYER_REASON
    assert EMPLOYEE_REASON not in str(employer) + one.text and fnr not in str(employer) + one.text
    assert one.status_code == 200 and one.json() == employer[0]
    # NAV sees both, with who gave them.
    by_innmelder = {m["innmelderType"]: m for m in nav_before}
    assert by_innmelder["ARBEIDSTAKER"]["begrunnelse"] == EMPLOYEE_REASON
    assert by_innmelder["ARBEIDSGIVER"]["orgnr"] == VIRKSOMHET
    # Another employer, another person, and callers without NAV's scopes get nothing.
    assert (other_list.status_code, other_list.json()) == (200, [])
    assert other_one.status_code == 404 and other_one.json()["code"] == "NOT_FOUND"
    assert (strangers.status_code, strangers.json()) == (200, [])
    assert (person_at_nav.status_code, person_at_nav.json()["code"]) == (403, "ORGANISATION_TOKEN_REQUIRED")
    assert (read_only_handles.status_code, read_only_handles.json()["code"]) == (403, "INSUFFICIENT_SCOPE")
    # NAV handles them: each answer shows when, and a handled MELD_BEHOV is no longer shown as open.
    assert handled.status_code == 202, handled.text
    assert all(m["behandlet"] for m in nav_after)
    assert employee_after[0]["motebehov"] is None and employee_after[0]["skjematype"] == "MELD_BEHOV"
    assert (again.status_code, again.json()["code"]) == (409, "INGEN_UBEHANDLET_MOTEBEHOV")
