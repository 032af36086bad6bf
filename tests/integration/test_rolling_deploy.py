"""A rolling deploy without a schema registry: a newer build writes a sykmelding with a schema the running
(older) mottak has never seen. The newer producer published its schema to the schema topic first, so
mottak finds it and reads the message with its own schema (Avro resolution) instead of dead-lettering it;
a schema nobody published is still an unknown schema, dead-lettered with the reason."""

import json
import random
import shutil
from datetime import date
from pathlib import Path

import pytest

from sykmeldingsflyt import synthetic
from sykmeldingsflyt.domain.kvittering import Kvittering, KvitteringStatus
from sykmeldingsflyt.messaging import contracts
from sykmeldingsflyt.messaging.codec import AvroCodec, SchemaStore, default_schema_dir
from sykmeldingsflyt.messaging.schema_topic import SchemaTopic
from sykmeldingsflyt.messaging.settings import KafkaSettings
from sykmeldingsflyt.messaging.topics import EPJ_KVITTERING, SYKMELDING_FRA_EPJ, Topics, dead_letter_topic
from sykmeldingsflyt.services.mottak import Mottak
from sykmeldingsflyt.storage.database import Database
from tests.support.kafka import produce, read_topic
from tests.support.services import running

pytestmark = pytest.mark.integration


def _newer_build(folder: Path, field: str) -> SchemaStore:
    """This build's schemas, with one more optional field in received_sykmelding."""
    shutil.copytree(default_schema_dir(), folder)
    path = folder / "received_sykmelding.avsc"
    schema = json.loads(path.read_text())
    schema["fields"].append({"name": field, "type": ["null", "string"], "default": None})
    path.write_text(json.dumps(schema))
    return SchemaStore(folder)


async def test_an_older_mottak_reads_a_newer_sykmelding_whose_schema_was_published(
    kafka_settings: KafkaSettings, database: Database, tmp_path: Path
) -> None:
    topics = Topics(kafka_settings.topic_prefix)
    published = _newer_build(tmp_path / "published", "nyttFelt")
    unpublished = _newer_build(tmp_path / "unpublished", "hemmeligFelt")
    rng = random.Random(5)
    readable, unreadable = (synthetic.make_sykmelding(rng, fom=date.today()) for _ in range(2))
    source = topics.name(SYKMELDING_FRA_EPJ)

    async with running(kafka_settings, database, Mottak) as runtime:
        await SchemaTopic(kafka_settings, published, topics).publish()
        await produce(
            kafka_settings,
            source,
            [
                (readable.msg_id.encode(), contracts.encode(AvroCodec(published), readable, source)),
                (unreadable.msg_id.encode(), contracts.encode(AvroCodec(unpublished), unreadable, source)),
            ],
        )
        answers = await read_topic(kafka_settings, topics.name(EPJ_KVITTERING), expected=2)
        dead_letters = await read_topic(kafka_settings, topics.name(dead_letter_topic(SYKMELDING_FRA_EPJ)), expected=1)

    kvitteringer = {answer.key: contracts.decode(runtime.codec, answer.value or b"", Kvittering) for answer in answers}
    assert len(answers) == 2
    assert kvitteringer[readable.msg_id.encode()].status is KvitteringStatus.OK
    assert [letter.headers["reason"] for letter in dead_letters] == ["UNKNOWN_SCHEMA"]
    assert not runtime.codec.store.is_unknown(contracts.encode(AvroCodec(published), readable, source))
