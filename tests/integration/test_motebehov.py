"""motebehov through the real broker and database: judged against the cases tidslinje keeps, a yes
becomes one NAV task, and every refusal reaches the dead-letter topic with its reason."""

import io
import random
import uuid
from datetime import datetime, time
from typing import Any

import pytest
from sqlalchemy import select

from sykmeldingsflyt.domain.clock import OSLO, VirtualClock
from sykmeldingsflyt.domain.motebehov import Innmeldertype, MotebehovAvvisning, MotebehovFraPart, Skjematype
from sykmeldingsflyt.domain.oppgave import Oppgave, Oppgavetype
from sykmeldingsflyt.logs import configure_logging
from sykmeldingsflyt.messaging import contracts
from sykmeldingsflyt.messaging.settings import KafkaSettings
from sykmeldingsflyt.messaging.topics import MOTEBEHOV_FRA_PART, NAV_OPPGAVE, dead_letter_topic
from sykmeldingsflyt.services.motebehov import MotebehovService
from sykmeldingsflyt.services.oppgave import OppgaveService
from sykmeldingsflyt.services.personvern import Personvern
from sykmeldingsflyt.services.tidslinje import TidslinjeService
from sykmeldingsflyt.storage.database import Database
from sykmeldingsflyt.storage.tables import TidslinjeTilfelle
from sykmeldingsflyt.synthetic import DEMO_ARBEIDSGIVER, synthetic_orgnr
from tests.support.inputs import send
from tests.support.kafka import produce, read_topic
from tests.support.services import running
from tests.support.timeline import START, Sykmeldt, has_case, on, send_to_employer, sykmelding, sykmeldt

pytestmark = pytest.mark.integration


def _motebehov(who: Sykmeldt, day: int, **fields: Any) -> MotebehovFraPart:
    values: dict[str, Any] = {
        "id": str(uuid.uuid4()),
        "skjematype": Skjematype.SVAR_BEHOV,
        "innmelder_type": Innmeldertype.ARBEIDSTAKER,
        "orgnr": DEMO_ARBEIDSGIVER.orgnummer,
        "har_motebehov": True,
        "begrunnelse": "KANARI-begrunnelse",
        "innsendt": datetime.combine(on(day), time(12), tzinfo=OSLO),
        "arbeidstaker_fnr": who.fnr,
    }
    return MotebehovFraPart(**(values | fields))


async def test_motebehov_inside_and_outside_the_window(kafka_settings: KafkaSettings, database: Database) -> None:
    captured = io.StringIO()
    configure_logging("DEBUG", stream=captured)
    rng = random.Random(41)
    clock = VirtualClock.on(START)
    async with running(
        kafka_settings, database, Personvern, TidslinjeService, MotebehovService, OppgaveService, clock=clock
    ) as runtime:
        who, stranger = sykmeldt(rng, runtime), sykmeldt(rng, runtime)
        await send_to_employer(kafka_settings, runtime, sykmelding(rng, who, 0, 200))
        await has_case(database, who, 0, 200)
        answer = _motebehov(who, 120)
        from_employer = _motebehov(who, 10, skjematype=Skjematype.MELD_BEHOV, innmelder_type=Innmeldertype.ARBEIDSGIVER)
        refused = {
            MotebehovAvvisning.SVAR_BEHOV_FOR_TIDLIG: _motebehov(who, 111),
            MotebehovAvvisning.SVAR_BEHOV_FOR_SENT: _motebehov(who, 182),
            MotebehovAvvisning.IKKE_SENDT_TIL_ARBEIDSGIVER: _motebehov(
                who,
                20,
                skjematype=Skjematype.MELD_BEHOV,
                innmelder_type=Innmeldertype.ARBEIDSGIVER,
                orgnr=synthetic_orgnr(rng),
            ),
            MotebehovAvvisning.INGEN_AKTIVT_TILFELLE: _motebehov(stranger, 20, skjematype=Skjematype.MELD_BEHOV),
        }
        no_need = _motebehov(who, 130, har_motebehov=False)
        await send(
            kafka_settings,
            runtime,
            MOTEBEHOV_FRA_PART,
            *((m.id, m) for m in (answer, answer, from_employer, no_need, *refused.values())),
        )
        await produce(kafka_settings, runtime.topics.name(MOTEBEHOV_FRA_PART), [(b"x", b"garbage")])
        dead = await read_topic(kafka_settings, runtime.topics.name(dead_letter_topic(MOTEBEHOV_FRA_PART)), 5)
        tasks = await read_topic(kafka_settings, runtime.topics.name(NAV_OPPGAVE), expected=2)
        async with database.session() as session:
            case_id = await session.scalar(
                select(TidslinjeTilfelle.tilfelle_id).where(TidslinjeTilfelle.person_ref == who.person_ref)
            )

    assert sorted(m.headers["reason"] for m in dead) == sorted(["MALFORMED_MESSAGE", *refused])
    oppgaver = {o.referanse: o for o in (contracts.decode(runtime.codec, m.value or b"", Oppgave) for m in tasks)}
    assert set(oppgaver) == {answer.id, from_employer.id}
    assert {(o.type, o.tilfelle_id, o.person_ref) for o in oppgaver.values()} == {
        (Oppgavetype.MOTEBEHOV_SVAR, case_id, who.person_ref)
    }
    for task in tasks:
        assert b"KANARI" not in (task.value or b"") and who.fnr.encode() not in (task.value or b"")
    # The dead letters keep the party's message for operators, but never key by it.
    assert all(who.fnr.encode() not in (message.key or b"") for message in dead)
    assert who.fnr not in captured.getvalue() and stranger.fnr not in captured.getvalue()
