"""What tracing tests share: a caller's traceparent, and how to read one off a record and check spans."""

import asyncio
from collections.abc import Callable, Iterable

from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from tests.support.kafka import Received

EPJ_TRACE = "4bf92f3577b34da6a3ce929d0e0e4736"
EPJ_SPAN = "00f067aa0ba902b7"
EPJ_TRACEPARENT = f"00-{EPJ_TRACE}-{EPJ_SPAN}-01"

# Every attribute a span of ours may have: names of places and outcomes, never content.
ALLOWED_ATTRIBUTES = frozenset(
    {
        "messaging.system",
        "messaging.operation.type",
        "messaging.operation.name",
        "messaging.destination.name",
        "messaging.destination.partition.id",
        "messaging.kafka.offset",
        "messaging.message.body.size",
        "sykmeldingsflyt.stage",
        "http.request.method",
        "http.route",
        "http.response.status_code",
        "error.type",
    }
)


def parent_of(record: Received) -> tuple[str, str]:
    """The (trace id, parent span id) of a record's traceparent header."""
    return ids_of(record.headers["traceparent"])


def ids_of(traceparent: str) -> tuple[str, str]:
    """The (trace id, span id) of a W3C traceparent, which must say the trace is sampled."""
    version, trace_id, span_id, flags = traceparent.split("-")
    assert version == "00" and int(flags, 16) & 1, traceparent
    return trace_id, span_id


def stage_of(span: ReadableSpan) -> object:
    """The stage (service) that handled a record in `span`; None for a span of another kind."""
    return (span.attributes or {}).get("sykmeldingsflyt.stage")


def assert_nothing_personal(spans: Iterable[ReadableSpan], fnr: str) -> None:
    """No span carries an attribute outside ALLOWED_ATTRIBUTES, an event, or the fnr anywhere."""
    for span in spans:
        attributes = dict(span.attributes or {})
        assert set(attributes) <= ALLOWED_ATTRIBUTES, span.name
        assert not span.events, span.name
        assert fnr not in f"{span.name} {attributes}"


async def finished(
    spans: InMemorySpanExporter, wanted: Callable[[list[ReadableSpan]], bool], timeout: float = 30.0
) -> list[ReadableSpan]:
    """The finished spans, once `wanted` holds for them (a span ends after its transaction commits, so a
    consumer may see the output before the span that wrote it is over)."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        found = list(spans.get_finished_spans())
        if wanted(found):
            return found
        assert asyncio.get_running_loop().time() < deadline, f"spans seen: {[span.name for span in found]}"
        await asyncio.sleep(0.1)
