"""One sykmelding, one trace: an EPJ's POST with a W3C traceparent, through the gateway, the real broker, mottak
and on to oppgave and personvern, with every output carrying the trace."""

import random
from datetime import UTC, datetime

import httpx
import pytest
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind

from sykmeldingsflyt import synthetic
from sykmeldingsflyt.domain.sykmelding import MeldingTilNAV
from sykmeldingsflyt.messaging.settings import KafkaSettings
from sykmeldingsflyt.messaging.topics import EPJ_KVITTERING, NAV_OPPGAVE, NAV_SYKMELDING, SYKMELDING_FRA_EPJ, Topic
from sykmeldingsflyt.services.mottak import Mottak
from sykmeldingsflyt.services.oppgave import OppgaveService
from sykmeldingsflyt.services.personvern import Personvern
from sykmeldingsflyt.storage.database import Database
from tests.gateway.support import Tokens
from tests.support.kafka import read_topic
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

STAGES = ("mottak", "oppgave", "personvern")


def _ids(span: ReadableSpan) -> tuple[str, str]:
    return f"{span.context.trace_id:032x}", f"{span.context.span_id:016x}"


def _parent(span: ReadableSpan) -> tuple[str, str] | None:
    return (f"{span.parent.trace_id:032x}", f"{span.parent.span_id:016x}") if span.parent else None


async def test_a_posted_sykmelding_is_one_trace_through_the_gateway_mottak_oppgave_and_personvern(
    client: httpx.AsyncClient,
    tokens: Tokens,
    kafka_settings: KafkaSettings,
    database: Database,
    spans: InMemorySpanExporter,
) -> None:
    sykmelding = synthetic.make_sykmelding(random.Random(13), fom=datetime.now(UTC).date())
    # The doctor asks NAV for help at once: oppgave makes a task of it.
    sykmelding = sykmelding.model_copy(
        update={
            "sykmelding": sykmelding.sykmelding.model_copy(
                update={"melding_til_nav": MeldingTilNAV(bistand_umiddelbart=True)}
            )
        }
    )

    def topic(of: Topic) -> str:
        return f"{kafka_settings.topic_prefix}{of.name}"

    async with running(kafka_settings, database, Mottak, OppgaveService, Personvern):
        posted = await client.post(
            "/epj/v1/sykmeldinger",
            json=sykmelding.model_dump(mode="json", by_alias=True),
            headers={**tokens.epj(), "traceparent": EPJ_TRACEPARENT},
        )
        assert posted.status_code == 202, posted.text
        outputs = {
            record.topic: record
            for record in await read_topic(
                kafka_settings,
                [topic(SYKMELDING_FRA_EPJ), topic(EPJ_KVITTERING), topic(NAV_SYKMELDING), topic(NAV_OPPGAVE)],
                expected=4,
            )
        }
        ended = await finished(spans, lambda found: set(STAGES) <= {stage_of(span) for span in found})

    [server] = [span for span in ended if span.kind is SpanKind.SERVER]
    [send] = [span for span in ended if span.kind is SpanKind.PRODUCER]
    handled = {stage_of(span): span for span in ended if span.kind is SpanKind.CONSUMER}
    assert sorted(map(str, handled)) == sorted(STAGES), "one span per service, each record handled once"
    assert {_ids(span)[0] for span in ended} == {EPJ_TRACE}, "one trace"
    assert server.name == "POST /epj/v1/sykmeldinger"
    assert _parent(server) == (EPJ_TRACE, EPJ_SPAN)
    assert _parent(send) == _ids(server)
    assert _parent(handled["mottak"]) == _ids(send)
    assert _parent(handled["oppgave"]) == _parent(handled["personvern"]) == _ids(handled["mottak"])
    # Each record names the span that wrote it.
    assert parent_of(outputs[topic(SYKMELDING_FRA_EPJ)]) == _ids(send)
    assert parent_of(outputs[topic(EPJ_KVITTERING)]) == _ids(handled["mottak"])
    assert parent_of(outputs[topic(NAV_SYKMELDING)]) == _ids(handled["mottak"])
    assert parent_of(outputs[topic(NAV_OPPGAVE)]) == _ids(handled["oppgave"])
    assert_nothing_personal(ended, sykmelding.pasient_fnr)
