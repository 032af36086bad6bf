"""mottak while HPR is down, through the real broker and database, with HPR a real HTTP server: nothing is
rejected or lost, other doctors' sykmeldinger are decided meanwhile, and the waiting ones are decided in
order for each patient once HPR answers again."""

import asyncio
import json
import random
from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta

import httpx
import pytest
import yaml
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from pytest_httpserver import HTTPServer
from sqlalchemy import Connection, func, select
from werkzeug import Request, Response

from sykmeldingsflyt import synthetic
from sykmeldingsflyt.domain.kvittering import Kvittering, KvitteringStatus
from sykmeldingsflyt.domain.sykmelding import ReceivedSykmelding
from sykmeldingsflyt.messaging import contracts
from sykmeldingsflyt.messaging.settings import KafkaSettings
from sykmeldingsflyt.messaging.topics import EPJ_KVITTERING, NAV_SYKMELDING, SYKMELDING_FRA_EPJ
from sykmeldingsflyt.registers.files import bundled_folder, bundled_registre
from sykmeldingsflyt.registers.nav.hpr import Syfohelsenettproxy
from sykmeldingsflyt.registers.resilience import Policy
from sykmeldingsflyt.services.mottak import Mottak, Venting
from sykmeldingsflyt.services.runtime import Runtime
from sykmeldingsflyt.storage.database import Database
from sykmeldingsflyt.storage.tables import metadata
from sykmeldingsflyt.storage.tables.registers import MottakParkert
from tests.support.http import http_server, register_klient, serve_tokens
from tests.support.kafka import produce, read_topic
from tests.support.registers import TANNLEGE
from tests.support.services import running

pytestmark = pytest.mark.integration


class Hpr:
    """syfohelsenettproxy over the bundled doctors; while `down`, it answers 503 for Dr. Test Legesen."""

    def __init__(self) -> None:
        text = (bundled_folder() / "behandlere.yaml").read_text(encoding="utf-8")
        self.doctors = {entry["hprNummer"]: entry for entry in yaml.safe_load(text)}
        self.down = True
        self.refused = 0

    def __call__(self, request: Request) -> Response:
        nummer = request.headers.get("hprNummer", "")
        if self.down and nummer == synthetic.DEMO_BEHANDLER.hpr:
            self.refused += 1
            return Response("Service Unavailable", status=503)
        if nummer not in self.doctors:
            return Response("Not Found", status=404)
        return Response(json.dumps(self.doctors[nummer]), content_type="application/json")


@pytest.fixture
def hpr_server() -> Iterator[HTTPServer]:
    with http_server() as server:
        yield server


async def _parked(database: Database) -> int:
    async with database.session() as session:
        return int(await session.scalar(select(func.count()).select_from(MottakParkert)) or 0)


async def _sealed_at_rest(database: Database, fnrs: list[str]) -> set[str | None]:
    """The key ids of the parked rows, once none holds any of `fnrs` in the clear."""
    async with database.session() as session:
        rows = list(await session.scalars(select(MottakParkert)))
    assert not [row.id for row in rows for fnr in fnrs if fnr.encode() in (row.value or b"")]
    return {row.key_id for row in rows}


async def test_an_hpr_outage_parks_and_later_decides_in_order_and_rejects_nothing(
    kafka_settings: KafkaSettings, database: Database, hpr_server: HTTPServer
) -> None:
    hpr = Hpr()
    serve_tokens(hpr_server)
    hpr_server.expect_request("/api/v2/behandlerMedHprNummer").respond_with_handler(hpr)
    policy = Policy(
        timeout=2.0, attempts=2, backoff_initial=0.01, backoff_max=0.02, open_seconds=0.5, ttl=0.0, stale_for=0.0
    )
    async with httpx.AsyncClient() as http:
        registre = replace(bundled_registre(), hpr=Syfohelsenettproxy(register_klient(hpr_server, http, "hpr", policy)))
        venting = Venting(forste=timedelta(milliseconds=200), lengste=timedelta(seconds=1), runde=0.2)

        def mottak(runtime: Runtime) -> Mottak:
            return Mottak(runtime, registre=registre, venting=venting)

        async with running(kafka_settings, database, mottak) as runtime:
            rng = random.Random(12)
            today = runtime.clock.today()
            a, b = synthetic.synthetic_pasient_fnr(rng), synthetic.synthetic_pasient_fnr(rng)
            a1 = synthetic.make_sykmelding(rng, fom=today, pasient_fnr=a)
            # The same message sent again under a new sykmelding id: a duplicate of a1, if a1 comes first.
            a2 = a1.model_copy(
                update={"sykmelding": a1.sykmelding.model_copy(update={"id": synthetic.synthetic_uuid(rng)})}
            )
            a3 = synthetic.make_sykmelding(rng, fom=today, tom=today + timedelta(days=20), pasient_fnr=a)
            b1 = synthetic.make_sykmelding(rng, fom=today, pasient_fnr=b)
            tannlege = synthetic.DEMO_BEHANDLER.model_copy(update={"hpr": TANNLEGE.hpr_nummer, "fnr": TANNLEGE.fnr})
            d1 = synthetic.make_sykmelding(rng, fom=today, behandler=tannlege)
            waiting = [a1, a2, a3, b1]

            def record(received: ReceivedSykmelding) -> tuple[bytes, bytes]:
                topic = runtime.topics.name(SYKMELDING_FRA_EPJ)
                return received.msg_id.encode(), contracts.encode(runtime.codec, received, topic)

            await produce(kafka_settings, runtime.topics.name(SYKMELDING_FRA_EPJ), map(record, [*waiting, d1]))

            # The tannlege's sykmelding is decided while Dr. Legesen's wait, none of them answered.
            [decided] = await read_topic(kafka_settings, runtime.topics.name(EPJ_KVITTERING), 1)
            assert decided.key == d1.msg_id.encode()
            for _ in range(100):
                if await _parked(database) == len(waiting):
                    break
                await asyncio.sleep(0.1)
            assert await _parked(database) == len(waiting)
            await asyncio.sleep(1.0)  # a few retry rounds while HPR is still down
            assert await _parked(database) == len(waiting)
            refused_while_down = hpr.refused
            assert refused_while_down >= 2
            # At rest a parked sykmelding is sealed as a dead letter is: no fnr in the row (the record has it).
            assert a.encode() in record(a1)[1]
            assert await _sealed_at_rest(database, [a, b]) == {runtime.dead_letters.keyring.current}

            hpr.down = False
            messages = await read_topic(kafka_settings, runtime.topics.name(EPJ_KVITTERING), 1 + len(waiting))
            assert await _parked(database) == 0

    kvitteringer: dict[str, list[Kvittering]] = {}
    for message in messages:
        kvittering = contracts.decode(runtime.codec, message.value or b"", Kvittering)
        kvitteringer.setdefault(kvittering.msg_id, []).append(kvittering)
    # a1 before a2 (one key, one partition): a1 accepted, a2 its duplicate; nothing refused for the outage.
    first, second = kvitteringer[a1.msg_id]
    assert (first.sykmelding_id, first.status) == (a1.sykmelding.id, KvitteringStatus.OK)
    assert (second.sykmelding_id, second.status) == (a2.sykmelding.id, KvitteringStatus.AVVIST)
    assert [g.rule_name for g in second.avvisningsgrunner] == ["DUPLIKAT"]
    for received in (a3, b1, d1):
        [kvittering] = kvitteringer[received.msg_id]
        assert kvittering.status is KvitteringStatus.OK, kvittering.avvisningsgrunner
    nav = await read_topic(kafka_settings, runtime.topics.name(NAV_SYKMELDING), 4)
    assert {m.key for m in nav} == {r.sykmelding.id.encode() for r in (a1, a3, b1, d1)}


def _parking_differences(connection: Connection) -> list[object]:
    differences = compare_metadata(MigrationContext.configure(connection), metadata)
    return [difference for difference in differences if "mottak_parkert" in repr(difference)]


async def test_the_migration_makes_the_parking_table_the_code_declares(database: Database) -> None:
    async with database.engine.connect() as connection:
        assert await connection.run_sync(_parking_differences) == []
