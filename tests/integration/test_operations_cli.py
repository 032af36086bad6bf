"""`sykmeldingsflyt dlq ...`, `outbox status` and `case show` as an operator types them, against the real
broker and a database."""

import asyncio
from pathlib import Path

import pytest
from typer.testing import CliRunner

from sykmeldingsflyt.cli import app
from sykmeldingsflyt.messaging.admin import create_topics
from sykmeldingsflyt.messaging.codec import AvroCodec, SchemaStore
from sykmeldingsflyt.messaging.dead_letter import DeadLetters
from sykmeldingsflyt.messaging.settings import KafkaSettings
from sykmeldingsflyt.messaging.stage import Inbound
from sykmeldingsflyt.messaging.topics import DEAD_LETTER_SCHEMA, NAV_DIALOGMOTE_STATUS, catalogue, dead_letter_topic
from sykmeldingsflyt.services.runtime import ServiceSettings
from tests.support.kafka import produce, read_topic

pytestmark = pytest.mark.integration

FNR = "13031353453"
CANARY = "CANARY-FRITEKST-51c0"


def test_an_operator_lists_shows_and_replays_a_dead_letter_from_the_command_line(
    kafka_settings: KafkaSettings, tmp_path: Path
) -> None:
    prefix = kafka_settings.topic_prefix
    source = f"{prefix}{NAV_DIALOGMOTE_STATUS.name}"
    dlq = f"{prefix}{dead_letter_topic(NAV_DIALOGMOTE_STATUS).name}"
    received = f'{{"fnr": "{FNR}", "note": "{CANARY}"}}'.encode()
    inbound = Inbound(source, 0, 41, b"mote-1", received, ())
    dead_letters = DeadLetters(_codec(), ServiceSettings().dead_letter_keyring)
    record = dead_letters.record(
        inbound, service="tidslinje", reason="MALFORMED_MESSAGE", detail="not Avro", field=None, references={}
    )

    async def dead_letter_it() -> None:
        await create_topics(kafka_settings, catalogue(prefix))
        await produce(
            kafka_settings, dlq, [(inbound.event_id.encode(), _codec().encode(DEAD_LETTER_SCHEMA, record, dlq))]
        )

    asyncio.run(dead_letter_it())
    environment = {
        "KAFKA_BOOTSTRAP_SERVERS": kafka_settings.bootstrap_servers or "",
        "SYKMELDINGSFLYT_TOPIC_PREFIX": prefix,
        "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/operations.sqlite",
        "SYKMELDINGSFLYT_OPERATOR": "Z990001",
    }

    def run(*arguments: str) -> str:
        result = CliRunner().invoke(app, list(arguments), env=environment)
        assert result.exit_code == 0, result.output
        return result.output

    listed = run("dlq", "list")
    shown = run("dlq", "show", inbound.event_id)
    replayed = run("dlq", "replay", "--code", "MALFORMED_MESSAGE", "--reason", "INC-6: parser fixed")
    again = run("dlq", "replay", inbound.event_id)
    pending = run("outbox", "status")
    unknown = CliRunner().invoke(app, ["case", "show", FNR], env=environment)
    [back] = asyncio.run(read_topic(kafka_settings, source, expected=1))

    assert f"{source}  MALFORMED_MESSAGE  1 (0 replayed)" in listed
    assert FNR not in shown and CANARY not in shown and '"redacted": true' in shown
    assert f"{inbound.event_id}  MALFORMED_MESSAGE  REPLAYED" in replayed and "1 replayed, 0 not" in replayed
    assert "ALREADY_REPLAYED  by Z990001" in again
    assert "nothing pending" in pending
    assert unknown.exit_code == 1 and FNR not in unknown.output
    assert (back.key, back.value, back.headers["replay-of"]) == (b"mote-1", received, inbound.event_id)


def _codec() -> AvroCodec:
    return AvroCodec(SchemaStore())
