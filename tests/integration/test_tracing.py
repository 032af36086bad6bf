"""Tracing through the real broker and database: an EPJ's record with a W3C traceparent is continued by mottak
into everything it writes; with tracing off, nothing is added and the EPJ's header goes no further."""

import random

import pytest
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind

from sykmeldingsflyt import synthetic
from sykmeldingsflyt.messaging import contracts
from sykmeldingsflyt.messaging.settings import KafkaSettings
from sykmeldingsflyt.messaging.topics import EPJ_KVITTERING, NAV_SYKMELDING, SYKMELDING_FRA_EPJ
from sykmeldingsflyt.services.mottak import Mottak
from sykmeldingsflyt.storage.database import Database
from tests.support.kafka import Received, produce, read_topic
from tests.support.services import running
from tests.support.tracing import (
    EPJ_SPAN,
    EPJ_TRACE,
    EPJ_TRACEPARENT,
    assert_nothing_personal,
    finished,
    parent_of,
    stage_of,
)

pytestmark = pytest.mark.integration


async def _through_mottak(kafka_settings: KafkaSettings, database: Database) -> tuple[str, list[Received]]:
    """An EPJ's sykmelding with its traceparent through mottak: the patient's fnr and what mottak wrote."""
    async with running(kafka_settings, database, Mottak) as runtime:
        sykmelding = synthetic.make_sykmelding(random.Random(41), fom=runtime.clock.today())
        source = runtime.topics.name(SYKMELDING_FRA_EPJ)
        await produce(
            kafka_settings,
            source,
            [(sykmelding.msg_id.encode(), contracts.encode(runtime.codec, sykmelding, source))],
            headers=[("traceparent", EPJ_TRACEPARENT.encode())],
        )
        outputs = await read_topic(
            kafka_settings, [runtime.topics.name(EPJ_KVITTERING), runtime.topics.name(NAV_SYKMELDING)], expected=2
        )
    return sykmelding.pasient_fnr, outputs


async def test_mottak_continues_the_epj_trace_into_everything_it_writes(
    kafka_settings: KafkaSettings, database: Database, spans: InMemorySpanExporter
) -> None:
    fnr, outputs = await _through_mottak(kafka_settings, database)

    ended = await finished(spans, lambda found: any(stage_of(span) == "mottak" for span in found))
    [handled] = [span for span in ended if stage_of(span) == "mottak"]
    assert handled.kind is SpanKind.CONSUMER
    assert handled.name == f"process {kafka_settings.topic_prefix}{SYKMELDING_FRA_EPJ.name}"
    assert handled.parent is not None
    assert (handled.parent.trace_id, handled.parent.span_id) == (int(EPJ_TRACE, 16), int(EPJ_SPAN, 16))
    assert len(outputs) == 2
    for output in outputs:
        assert parent_of(output) == (EPJ_TRACE, f"{handled.context.span_id:016x}"), output.topic
    assert_nothing_personal(ended, fnr)


async def test_with_tracing_off_nothing_is_added_and_the_epj_header_goes_no_further(
    kafka_settings: KafkaSettings, database: Database
) -> None:
    _, outputs = await _through_mottak(kafka_settings, database)

    assert len(outputs) == 2
    for output in outputs:
        assert not {"traceparent", "tracestate"} & set(output.headers), (
            f"{output.topic}: no traceparent of ours, and not the EPJ's passed on"
        )
