"""A dialogmøte-2 candidate who gets an exception, through the real broker: tidslinje decides on day
119, NAV's read API shows it, an officer's exception is refused (400, 409) or recorded, and every
change is an event on nav.dialogmotekandidat with its reason."""

import random
from functools import partial

import httpx
import pytest
from sqlalchemy import Select, select

from sykmeldingsflyt.domain.clock import VirtualClock
from sykmeldingsflyt.domain.dialogmotekandidat import DialogmotekandidatEndring, Endringsarsak
from sykmeldingsflyt.gateway.auth import Scope
from sykmeldingsflyt.messaging import contracts
from sykmeldingsflyt.messaging.settings import KafkaSettings
from sykmeldingsflyt.messaging.topics import NAV_DIALOGMOTEKANDIDAT
from sykmeldingsflyt.services.tidslinje import TidslinjeService
from sykmeldingsflyt.storage.database import Database
from sykmeldingsflyt.storage.tables import TidslinjeKandidatEndring
from tests.gateway.support import NAV_ORGNR, Tokens
from tests.support.kafka import read_topic
from tests.support.services import running
from tests.support.timeline import START, has_case, send_to_employer, settled, sykmelding, sykmeldt, until

pytestmark = pytest.mark.integration

Tidslinje = partial(TidslinjeService, poll_interval=0.05)
PATH = "/nav/v1/dialogmotekandidat"


def _latest(person_ref: str) -> Select[str]:
    """The reason of the person's latest candidature change."""
    return (
        select(TidslinjeKandidatEndring.arsak)
        .where(TidslinjeKandidatEndring.person_ref == person_ref)
        .order_by(TidslinjeKandidatEndring.position.desc())
        .limit(1)
    )


async def test_a_candidate_gets_an_exception(
    client: httpx.AsyncClient, tokens: Tokens, kafka_settings: KafkaSettings, database: Database
) -> None:
    rng = random.Random(119)
    clock = VirtualClock.on(START)
    nav = tokens.organisation(NAV_ORGNR, Scope.NAV_READ, Scope.NAV_WRITE)
    async with running(kafka_settings, database, Tidslinje, clock=clock) as runtime:
        who, not_sick = sykmeldt(rng, runtime), sykmeldt(rng, runtime)
        await send_to_employer(kafka_settings, runtime, sykmelding(rng, who, 0, 200))
        await has_case(database, who, 0, 200)
        clock.advance(119)
        await settled(clock, database)
        await until(database, _latest(who.person_ref), lambda arsak: arsak == "STOPPUNKT")

        # Decided in 2024 on the virtual clock, long over 7 days ago by the gateway's wall clock.
        shown = await client.get(PATH, headers={**nav, "Nav-Personident": who.fnr})
        assert shown.status_code == 200 and shown.json()["kandidat"] is True
        assert (await client.get(PATH, headers={**nav, "Nav-Personident": not_sick.fnr})).json()["kandidat"] is False

        def unntak(fnr: str, arsak: str) -> dict[str, str]:
            return {"personident": fnr, "arsak": arsak, "veilederident": "Z990000"}

        outdated = await client.post(f"{PATH}/unntak", json=unntak(who.fnr, "FRISKMELDT"), headers=nav)
        assert (outdated.status_code, outdated.json()["code"]) == (400, "VALIDATION_ERROR")
        no_candidate = await client.post(f"{PATH}/unntak", json=unntak(not_sick.fnr, "MEDISINSKE_GRUNNER"), headers=nav)
        assert (no_candidate.status_code, no_candidate.json()["code"]) == (409, "IKKE_KANDIDAT")
        reader_only = tokens.organisation(NAV_ORGNR, Scope.NAV_READ)
        refused = await client.post(f"{PATH}/unntak", json=unntak(who.fnr, "MEDISINSKE_GRUNNER"), headers=reader_only)
        assert refused.status_code == 403

        recorded = await client.post(f"{PATH}/unntak", json=unntak(who.fnr, "MEDISINSKE_GRUNNER"), headers=nav)
        assert recorded.status_code == 202, recorded.text
        await until(database, _latest(who.person_ref), lambda arsak: arsak == "UNNTAK")
        assert (await client.get(PATH, headers={**nav, "Nav-Personident": who.fnr})).json()["kandidat"] is False
        again = await client.post(f"{PATH}/unntak", json=unntak(who.fnr, "MEDISINSKE_GRUNNER"), headers=nav)
        assert again.status_code == 409

        topic = runtime.topics.name(NAV_DIALOGMOTEKANDIDAT)
        messages = await read_topic(kafka_settings, topic, 2, timeout=60)
    endringer = [contracts.decode(runtime.codec, m.value or b"", DialogmotekandidatEndring) for m in messages]
    assert [(e.arsak, e.kandidat, e.unntak_arsak) for e in endringer] == [
        (Endringsarsak.STOPPUNKT, True, None),
        (Endringsarsak.UNNTAK, False, "MEDISINSKE_GRUNNER"),
    ]
    assert {m.key for m in messages} == {e.tilfelle_id.encode() for e in endringer}
    assert who.fnr not in repr([m.value for m in messages])
