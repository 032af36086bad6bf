"""The employer's view of a sykepengesøknad, through the real broker: personvern publishes the whitelist
view of a søknad sent to the employer on arbeidsgiver.soknad, the gateway keeps it per employer, and no
canary, fnr or stay abroad reaches the topic or the door; another employer reads only its own."""

import random
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from aiokafka.partitioner import murmur2

from sykmeldingsflyt import synthetic
from sykmeldingsflyt.domain.sykepengesoknad import Sykepengesoknad
from sykmeldingsflyt.gateway.readmodel import GatewayReadModel
from sykmeldingsflyt.messaging.settings import KafkaSettings
from sykmeldingsflyt.messaging.topics import ARBEIDSGIVER_SOKNAD, SYKEPENGESOKNAD
from sykmeldingsflyt.services.personvern import Personvern
from sykmeldingsflyt.storage.database import Database
from tests.gateway.support import OTHER_EMPLOYER, VIRKSOMHET, Tokens, eventually, publish_nav_sykmelding
from tests.support.inputs import send
from tests.support.kafka import read_topic
from tests.support.services import running

pytestmark = pytest.mark.integration

CANARY = "KANARI-soknad"
TODAY = datetime.now(UTC).date()


def _soknad(fnr: str, sykmelding_id: str, orgnr: str, *, to_employer: bool, soknad_id: str | None = None) -> Any:
    sent = datetime.now(UTC)
    return Sykepengesoknad.model_validate(
        {
            "id": soknad_id or str(uuid.uuid4()),
            "type": "ARBEIDSTAKERE",
            "fnr": fnr,
            "sykmeldingId": sykmelding_id,
            "arbeidsgiver": {"orgnummer": orgnr, "navn": "Arbeidsgiver AS"},
            "fom": TODAY - timedelta(days=20),
            "tom": TODAY - timedelta(days=1),
            "sendtNav": sent,
            "sendtArbeidsgiver": sent if to_employer else None,
            "arbeidGjenopptatt": TODAY - timedelta(days=3),
            "soknadsperioder": [
                {
                    "fom": TODAY - timedelta(days=20),
                    "tom": TODAY - timedelta(days=1),
                    "sykmeldingsgrad": 50,
                    "faktiskGrad": 60,
                    "sykmeldingstype": "GRADERT",
                }
            ],
            "fravar": [
                {"fom": TODAY - timedelta(days=15), "tom": TODAY - timedelta(days=14), "type": "FERIE"},
                {"fom": TODAY - timedelta(days=10), "tom": TODAY - timedelta(days=8), "type": "UTLANDSOPPHOLD"},
            ],
            "meldingTilNav": f"{CANARY}-til-nav",
        }
    )


def _partition(key: str, partitions: int = 6) -> int:
    return int(murmur2(key.encode()) & 0x7FFFFFFF) % partitions


async def test_the_employer_reads_its_own_soknad_without_anything_medical(
    client: httpx.AsyncClient, tokens: Tokens, kafka_settings: KafkaSettings, database: Database
) -> None:
    received = synthetic.make_sykmelding(random.Random(1518), fom=TODAY - timedelta(days=20))
    fnr, sykmelding_id = received.pasient_fnr, received.sykmelding.id
    to_us = _soknad(fnr, sykmelding_id, VIRKSOMHET, to_employer=True)
    elsewhere = _soknad(fnr, sykmelding_id, OTHER_EMPLOYER, to_employer=True)
    # Only to NAV, on the partition of the last one: once that one is through, so is this.
    only_nav_id = next(i for i in (str(uuid.uuid4()) for _ in range(1000)) if _partition(i) == _partition(elsewhere.id))
    only_nav = _soknad(fnr, sykmelding_id, VIRKSOMHET, to_employer=False, soknad_id=only_nav_id)
    ours, theirs = tokens.hr(VIRKSOMHET), tokens.hr(OTHER_EMPLOYER)
    async with running(kafka_settings, database, Personvern, GatewayReadModel) as runtime:
        await publish_nav_sykmelding(kafka_settings, runtime, received)
        await send(kafka_settings, runtime, SYKEPENGESOKNAD, *((s.id, s) for s in (to_us, only_nav, elsewhere)))

        async def both_there() -> httpx.Response:
            mine = await client.get("/arbeidsgiver/v1/soknader", headers=ours)
            other = await client.get("/arbeidsgiver/v1/soknader", headers=theirs)
            ready = mine.json()["soknader"] and other.json()["soknader"]
            return mine if ready else httpx.Response(404)

        await eventually(both_there)
        mine = (await client.get("/arbeidsgiver/v1/soknader", headers=ours)).json()
        other = (await client.get("/arbeidsgiver/v1/soknader", headers=theirs)).json()
        on_topic = await read_topic(kafka_settings, runtime.topics.name(ARBEIDSGIVER_SOKNAD), expected=0, settle=0)

    assert [e["soknad"]["id"] for e in mine["soknader"]] == [to_us.id]
    assert [e["soknad"]["id"] for e in other["soknader"]] == [elsewhere.id]
    entry = mine["soknader"][0]
    assert entry["ansattRef"] and entry["ansattRef"] != other["soknader"][0]["ansattRef"]
    view = entry["soknad"]
    assert view["soknadsperioder"][0]["sykmeldingsgrad"] == 50 and view["soknadsperioder"][0]["faktiskGrad"] == 60
    assert view["arbeidGjenopptatt"] == (TODAY - timedelta(days=3)).isoformat()
    assert [f["type"] for f in view["fravar"]] == ["FERIE"]
    assert sorted(m.key or b"" for m in on_topic) == sorted(s.id.encode() for s in (to_us, elsewhere))
    assert {m.headers["orgnummer"] for m in on_topic} == {VIRKSOMHET, OTHER_EMPLOYER}
    for leak in (CANARY, fnr, "UTLANDSOPPHOLD"):
        assert leak not in str(mine) + str(other)
        assert all(leak.encode() not in (m.value or b"") + (m.key or b"") for m in on_topic)
