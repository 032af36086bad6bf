"""oppgave through the real broker and database: one task per trigger, its lifecycle, and refusals."""

import random
import uuid
from datetime import date, timedelta

import pytest

from sykmeldingsflyt import synthetic
from sykmeldingsflyt.domain.clock import VirtualClock
from sykmeldingsflyt.domain.oppgave import Oppgave, OppgaveBehandlet, Oppgavestatus, Oppgavetype
from sykmeldingsflyt.domain.pseudonym import person_ref
from sykmeldingsflyt.domain.sykmelding import MeldingTilNAV
from sykmeldingsflyt.messaging import contracts
from sykmeldingsflyt.messaging.settings import KafkaSettings
from sykmeldingsflyt.messaging.topics import (
    NAV_OPPGAVE,
    NAV_OPPGAVE_BEHANDLET,
    OPPGAVE_BESTILLING,
    dead_letter_topic,
)
from sykmeldingsflyt.services.oppgave import UKJENT_OPPGAVE, OppgaveService
from sykmeldingsflyt.services.runtime import Runtime
from sykmeldingsflyt.storage.database import Database
from tests.support.inputs import send, send_nav
from tests.support.kafka import produce, read_topic
from tests.support.services import running

pytestmark = pytest.mark.integration

DAY = date(2024, 3, 4)


def _stop_point_task(runtime: Runtime, hours_later: int = 0) -> Oppgave:
    return Oppgave(
        id="00000000-0000-4000-8000-00000000000a",
        type=Oppgavetype.DIALOGMOTE_KANDIDAT,
        referanse="2011-07/DIALOGMOTE_KANDIDAT",
        tilfelle_id="00000000-0000-4000-8000-00000000000b",
        person_ref="person-ref-1",
        opprettet=runtime.clock.now() + timedelta(hours=hours_later),
    )


async def _order(settings: KafkaSettings, runtime: Runtime, *oppgaver: Oppgave) -> None:
    await send(settings, runtime, OPPGAVE_BESTILLING, *((o.id, o) for o in oppgaver))


async def _handled(settings: KafkaSettings, runtime: Runtime, *oppgave_ids: str) -> None:
    at = runtime.clock.now() + timedelta(days=2)
    events = [(oppgave_id, OppgaveBehandlet(oppgave_id=oppgave_id, behandlet=at)) for oppgave_id in oppgave_ids]
    await send(settings, runtime, NAV_OPPGAVE_BEHANDLET, *events)


async def _tasks(settings: KafkaSettings, runtime: Runtime, expected: int) -> list[Oppgave]:
    messages = await read_topic(settings, runtime.topics.name(NAV_OPPGAVE), expected)
    tasks = [contracts.decode(runtime.codec, m.value or b"", Oppgave) for m in messages]
    assert [m.key for m in messages] == [t.id.encode() for t in tasks]
    return tasks


async def test_one_trigger_makes_one_task_which_nav_handles_once(
    kafka_settings: KafkaSettings, database: Database
) -> None:
    async with running(kafka_settings, database, OppgaveService, clock=VirtualClock.on(DAY)) as runtime:
        # The same stop point ordered three times, the last with another creation time: still one task.
        first = _stop_point_task(runtime)
        await _order(kafka_settings, runtime, first, first, _stop_point_task(runtime, hours_later=5))
        new = await _tasks(kafka_settings, runtime, expected=1)
        await _handled(kafka_settings, runtime, first.id, first.id)
        await _order(kafka_settings, runtime, first)  # ordered again after it was handled: not reopened
        after = await _tasks(kafka_settings, runtime, expected=2)

    assert new == [first]
    handled = after[1]
    assert (handled.id, handled.status, handled.behandlet) == (
        first.id,
        Oppgavestatus.BEHANDLET,
        runtime.clock.now() + timedelta(days=2),
    )
    assert handled.opprettet == first.opprettet


async def test_a_doctor_asking_for_help_makes_one_task_without_the_text(
    kafka_settings: KafkaSettings, database: Database
) -> None:
    canary = f"KANARI{uuid.uuid4().hex[:8]}"
    rng = random.Random(21)
    async with running(kafka_settings, database, OppgaveService, clock=VirtualClock.on(DAY)) as runtime:
        asks = synthetic.make_sykmelding(rng, fom=DAY)
        asks = asks.model_copy(
            update={
                "sykmelding": asks.sykmelding.model_copy(
                    update={
                        "melding_til_nav": MeldingTilNAV(bistand_umiddelbart=True, beskriv_bistand=canary),
                        "tiltak_nav": canary,
                    }
                )
            }
        )
        quiet = synthetic.make_sykmelding(rng, fom=DAY)
        await send_nav(kafka_settings, runtime, asks, quiet, asks)
        [task] = await _tasks(kafka_settings, runtime, expected=1)

    assert (task.type, task.referanse, task.tilfelle_id) == (
        Oppgavetype.BEHANDLER_BER_OM_BISTAND,
        asks.sykmelding.id,
        None,
    )
    assert task.person_ref == person_ref(asks.pasient_fnr, runtime.settings.pseudonym_key)
    wire = contracts.encode(runtime.codec, task, "t")
    assert canary.encode() not in wire and asks.pasient_fnr.encode() not in wire


async def test_unknown_or_unreadable_handled_events_go_to_the_dead_letter_topic(
    kafka_settings: KafkaSettings, database: Database
) -> None:
    async with running(kafka_settings, database, OppgaveService, clock=VirtualClock.on(DAY)) as runtime:
        await _handled(kafka_settings, runtime, str(uuid.uuid4()))
        await produce(kafka_settings, runtime.topics.name(NAV_OPPGAVE_BEHANDLET), [(b"x", b"garbage")])
        dead = await read_topic(kafka_settings, runtime.topics.name(dead_letter_topic(NAV_OPPGAVE_BEHANDLET)), 2)
        tasks = await read_topic(kafka_settings, runtime.topics.name(NAV_OPPGAVE), expected=0)

    assert sorted(m.headers["reason"] for m in dead) == ["MALFORMED_MESSAGE", UKJENT_OPPGAVE]
    assert tasks == []
