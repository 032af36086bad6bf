"""The operator's tools through the real broker and database: dead letters sealed, fixed, replayed once;
and a 26-week case as `case show` tells it."""

import base64
import os
import random
import uuid
from datetime import UTC, datetime, timedelta
from functools import partial

import pytest
from sqlalchemy import select

from sykmeldingsflyt.domain.clock import VirtualClock
from sykmeldingsflyt.domain.oppgave import Oppgave, OppgaveBehandlet, Oppgavestatus, Oppgavetype
from sykmeldingsflyt.domain.stoppunkter import regelverk_for
from sykmeldingsflyt.gateway.audit import Purpose
from sykmeldingsflyt.messaging import contracts
from sykmeldingsflyt.messaging.settings import KafkaSettings
from sykmeldingsflyt.messaging.topics import (
    NAV_OPPGAVE,
    NAV_OPPGAVE_BEHANDLET,
    OPPGAVE_BESTILLING,
    SYKMELDING_FRA_EPJ,
    dead_letter_topic,
)
from sykmeldingsflyt.operations import case, dead_letters, outbox
from sykmeldingsflyt.operations.audit import command_line_operator
from sykmeldingsflyt.operations.dead_letters import Outcome
from sykmeldingsflyt.services.mottak import Mottak
from sykmeldingsflyt.services.oppgave import UKJENT_OPPGAVE, OppgaveService
from sykmeldingsflyt.services.personvern import Personvern
from sykmeldingsflyt.services.runtime import Runtime, ServiceSettings
from sykmeldingsflyt.services.tidslinje import TidslinjeService
from sykmeldingsflyt.storage.database import Database
from sykmeldingsflyt.storage.tables import GatewayAudit, OutboxMessage
from tests.support.inputs import send
from tests.support.kafka import produce, read_topic
from tests.support.services import running
from tests.support.timeline import START, advance, has_case, send_to_employer, sykmelding, sykmeldt

pytestmark = pytest.mark.integration

OPERATOR = command_line_operator("Z990001")
FNR = "13031353453"
CANARY = "CANARY-MEDISINSK-9d2e"


def _task(number: int, runtime: Runtime) -> Oppgave:
    return Oppgave(
        id=f"00000000-0000-4000-8000-{number:012d}",
        type=Oppgavetype.DIALOGMOTE_KANDIDAT,
        referanse="2011-07/DIALOGMOTE_KANDIDAT",
        tilfelle_id="00000000-0000-4000-8000-0000000000bb",
        person_ref="person-ref-1",
        opprettet=runtime.clock.now(),
    )


async def test_a_poisoned_batch_is_dead_lettered_fixed_replayed_and_handled_exactly_once(
    kafka_settings: KafkaSettings, database: Database
) -> None:
    async with running(kafka_settings, database, OppgaveService) as runtime:
        tasks = [_task(n, runtime) for n in range(1, 5)]
        at = runtime.clock.now() + timedelta(days=1)
        # NAV reports tasks handled that it was never given (as after a restore): each is dead-lettered.
        await send(
            kafka_settings,
            runtime,
            NAV_OPPGAVE_BEHANDLET,
            *((t.id, OppgaveBehandlet(oppgave_id=t.id, behandlet=at)) for t in tasks),
        )
        dlq = runtime.topics.name(dead_letter_topic(NAV_OPPGAVE_BEHANDLET))
        assert len(await read_topic(kafka_settings, dlq, expected=4)) == 4
        [group] = await dead_letters.summary(runtime, NAV_OPPGAVE_BEHANDLET.name)
        assert (group.reason, group.count, group.replayed) == (UKJENT_OPPGAVE, 4, 0)

        # The fix: the tasks are ordered after all; then the dead letters are replayed.
        await send(kafka_settings, runtime, OPPGAVE_BESTILLING, *((t.id, t) for t in tasks))
        await read_topic(kafka_settings, runtime.topics.name(NAV_OPPGAVE), expected=4, until_quiet=False)
        first = await dead_letters.replay(runtime, OPERATOR, code=UKJENT_OPPGAVE, why="INC-1: tasks restored")
        second = await dead_letters.replay(runtime, OPERATOR, code=UKJENT_OPPGAVE, why="INC-1: again")
        published = await read_topic(kafka_settings, runtime.topics.name(NAV_OPPGAVE), expected=8)
        again = await read_topic(kafka_settings, dlq, expected=4)
        [after] = await dead_letters.summary(runtime, NAV_OPPGAVE_BEHANDLET.name)

    assert [r.outcome for r in first] == [Outcome.REPLAYED] * 4
    assert [r.outcome for r in second] == [Outcome.ALREADY_REPLAYED] * 4
    states = sorted(
        (o.id, o.status) for o in (contracts.decode(runtime.codec, m.value or b"", Oppgave) for m in published)
    )
    assert states == sorted(
        [(t.id, Oppgavestatus.MOTTATT) for t in tasks] + [(t.id, Oppgavestatus.BEHANDLET) for t in tasks]
    )
    assert len(again) == 4 and after.replayed == 4  # the replays were handled: no new dead letter
    async with database.session() as session:
        reasons = set(await session.scalars(select(GatewayAudit.reason).where(GatewayAudit.purpose == Purpose.DRIFT)))
    assert reasons == {"INC-1: tasks restored", "INC-1: again"}


async def test_dead_letters_keep_no_fnr_or_medical_text_in_the_clear_and_open_after_key_rotation(
    kafka_settings: KafkaSettings, database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    old_key = "k1:" + base64.b64encode(os.urandom(32)).decode()
    new_key = "k2:" + base64.b64encode(os.urandom(32)).decode()
    received = f"<sykmelding><fnr>{FNR}</fnr><diagnose>{CANARY}</diagnose></sykmelding>".encode()
    monkeypatch.setenv("SYKMELDINGSFLYT_DEAD_LETTER_KEYS", old_key)
    async with running(kafka_settings, database, Mottak) as runtime:
        await produce(kafka_settings, runtime.topics.name(SYKMELDING_FRA_EPJ), [(FNR.encode(), received)])
        [letter] = await read_topic(kafka_settings, runtime.topics.name(dead_letter_topic(SYKMELDING_FRA_EPJ)), 1)

    on_the_topic = (letter.key or b"") + (letter.value or b"") + repr(letter.headers).encode()
    assert FNR.encode() not in on_the_topic and CANARY.encode() not in on_the_topic
    rotated = runtime.with_settings(ServiceSettings(dead_letter_keys=f"{new_key},{old_key}"))
    topics = dead_letters.dead_letter_topics(rotated, SYKMELDING_FRA_EPJ.name)
    [entry] = await dead_letters.read_entries(rotated, topics)
    assert (entry.letter.key_id, entry.letter.reason) == ("k1", "MALFORMED_MESSAGE")
    assert rotated.dead_letters.original(entry.letter) == (FNR.encode(), received)

    unasked = await dead_letters.show(rotated, entry.id, OPERATOR)
    assert FNR not in repr(unasked) and CANARY not in repr(unasked)
    assert unasked["redacted"] and str(unasked["key"]).startswith("person:")
    asked = await dead_letters.show(rotated, entry.id, OPERATOR, reason="INC-2: what did the EPJ send?")
    assert asked["key"] == FNR and not asked["redacted"]
    [cannot] = await dead_letters.replay(
        runtime.with_settings(ServiceSettings(dead_letter_keys=new_key)), OPERATOR, entry_id=entry.id
    )
    assert cannot.outcome is Outcome.CANNOT_OPEN
    async with database.session() as session:
        looks = (await session.scalars(select(GatewayAudit).where(GatewayAudit.resource_id == entry.id))).all()
    assert [(look.actor, look.reason) for look in looks] == [
        ("Z990001", None),
        ("Z990001", "INC-2: what did the EPJ send?"),
        ("Z990001", None),
    ]


async def test_case_show_lists_every_stop_point_of_a_26_week_case_on_its_date(
    kafka_settings: KafkaSettings, database: Database
) -> None:
    rng = random.Random(41)
    clock = VirtualClock.on(START)
    tidslinje = partial(TidslinjeService, poll_interval=0.05)
    async with running(kafka_settings, database, Personvern, tidslinje, clock=clock) as runtime:
        person = sykmeldt(rng, runtime)
        first = sykmelding(rng, person, 0, 200)
        await send_to_employer(kafka_settings, runtime, first)
        await has_case(database, person, 0, 200)
        await advance(clock, database, 182)
        timeline = await case.case_timeline(runtime, case.Who(fnr=person.fnr), OPERATOR, "INC-3: week 26")
        by_id = await case.case_timeline(runtime, case.Who(sykmelding_id=first.sykmelding.id), OPERATOR, None)

    assert by_id["personRef"] == timeline["personRef"] == person.person_ref
    assert person.fnr not in repr(timeline)
    [tilfelle] = timeline["tilfeller"]
    assert tilfelle["start"] == START.isoformat()
    listed = [(p["stoppunkt"], p["dato"]) for p in tilfelle["stoppunkter"]]
    expected = [(s.name.value, s.date_for(START).isoformat()) for s in regelverk_for(START).stoppunkter]
    assert listed == expected
    for point in tilfelle["stoppunkter"]:
        if point["dag"] <= 182 and point["hendelser"]:
            assert point["status"] == "SENDT", point
            assert all(h["sendt"] for h in point["hendelser"])
        elif point["dag"] > 182:
            assert point["status"] == "KOMMER", point
    assert [s["sykmeldingId"] for s in timeline["sykmeldinger"]] == [first.sykmelding.id]
    assert timeline["sykmeldinger"][0]["status"] == "SENDT"
    assert case.table(timeline)  # renders


async def test_outbox_status_counts_what_is_pending_per_producer_and_topic_with_the_oldest_age(
    database: Database,
) -> None:
    runtime = Runtime.from_env(KafkaSettings(KAFKA_BOOTSTRAP_SERVERS="not-used:9092"), database)
    now = datetime.now(UTC)

    def row(producer: str, topic: str, minutes: int, published: bool = False) -> OutboxMessage:
        return OutboxMessage(
            producer=producer,
            event_id=str(uuid.uuid4()),
            topic=topic,
            key=b"k",
            value=b"v",
            headers={},
            created_at=now - timedelta(minutes=minutes),
            published_at=now if published else None,
        )

    async with database.session.begin() as session:
        session.add_all(
            [
                row("mottak", "epj.kvittering", 5),
                row("mottak", "epj.kvittering", 1),
                row("mottak", "nav.sykmelding", 30, published=True),
                row("tidslinje", "varsel", 2),
            ]
        )
    pending = await outbox.status(runtime)

    assert [(p.producer, p.topic, p.count) for p in pending] == [
        ("mottak", "epj.kvittering", 2),
        ("tidslinje", "varsel", 1),
    ]
    assert timedelta(minutes=5) <= pending[0].oldest_age < timedelta(minutes=6)
