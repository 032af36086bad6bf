"""Which OTEL_* settings turn tracing on, as the OpenTelemetry specification reads them; what a handling span
continues, records and writes."""

import pytest
from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter as GrpcExporter
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter as HttpExporter
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.sdk.trace.export import ConsoleSpanExporter
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind, StatusCode

from sykmeldingsflyt.messaging.settings import SettingsError
from sykmeldingsflyt.messaging.stage import Inbound
from sykmeldingsflyt.observability import tracing
from sykmeldingsflyt.observability.tracing import configure_tracing, exporters_from_env
from tests.support.http import http_server
from tests.support.tracing import EPJ_SPAN, EPJ_TRACE, EPJ_TRACEPARENT, ids_of

ENDPOINT = {"OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:4318"}


@pytest.mark.parametrize(
    ("environ", "exporters"),
    [
        ({}, []),
        ({"OTEL_SERVICE_NAME": "mottak", "OTEL_EXPORTER_OTLP_PROTOCOL": "grpc"}, []),
        (ENDPOINT, [HttpExporter]),
        ({"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "http://127.0.0.1:4318/v1/traces"}, [HttpExporter]),
        ({**ENDPOINT, "OTEL_EXPORTER_OTLP_PROTOCOL": "grpc"}, [GrpcExporter]),
        (
            {**ENDPOINT, "OTEL_EXPORTER_OTLP_PROTOCOL": "grpc", "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL": "http/protobuf"},
            [HttpExporter],
        ),
        ({"OTEL_TRACES_EXPORTER": "otlp"}, [HttpExporter]),
        ({"OTEL_TRACES_EXPORTER": "console"}, [ConsoleSpanExporter]),
        ({**ENDPOINT, "OTEL_TRACES_EXPORTER": "otlp, console"}, [HttpExporter, ConsoleSpanExporter]),
        ({**ENDPOINT, "OTEL_TRACES_EXPORTER": "none"}, []),
        ({**ENDPOINT, "OTEL_SDK_DISABLED": "TRUE"}, []),
        ({**ENDPOINT, "OTEL_SDK_DISABLED": "false"}, [HttpExporter]),
    ],
)
def test_tracing_is_off_unless_an_exporter_or_endpoint_is_set_and_the_sdk_is_not_disabled(
    environ: dict[str, str], exporters: list[type]
) -> None:
    assert [type(exporter) for exporter in exporters_from_env(environ)] == exporters


@pytest.mark.parametrize(
    ("environ", "named"),
    [
        ({"OTEL_TRACES_EXPORTER": "zipkin"}, "OTEL_TRACES_EXPORTER"),
        ({**ENDPOINT, "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL": "http/json"}, "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL"),
    ],
)
def test_what_the_sdk_cannot_do_is_refused_naming_the_variable(environ: dict[str, str], named: str) -> None:
    with pytest.raises(SettingsError, match=named):
        exporters_from_env(environ)


@pytest.mark.parametrize(
    ("headers", "parent"),
    [
        ((("traceparent", EPJ_TRACEPARENT.encode()),), (EPJ_TRACE, EPJ_SPAN)),
        ((), None),
        ((("traceparent", b"00-not-a-trace-01"),), None),
    ],
)
def test_a_record_continues_its_traceparent_or_starts_a_trace_of_its_own(
    spans: InMemorySpanExporter, headers: tuple[tuple[str, bytes], ...], parent: tuple[str, str] | None
) -> None:
    record = Inbound("sykmelding.fra-epj", 2, 41, b"key", b"value", headers)

    # Inside another span, as a task started from one would be: the record's own header decides, nothing else.
    with tracing.serving("POST", None) as ambient, tracing.consuming("mottak", record):
        written = tracing.current_headers()

    assert ambient is not None
    handled = next(span for span in spans.get_finished_spans() if span.kind is SpanKind.CONSUMER)
    assert handled.context is not None
    if parent is None:
        assert handled.parent is None
        assert handled.context.trace_id != ambient.get_span_context().trace_id
    else:
        assert handled.parent is not None
        assert (f"{handled.parent.trace_id:032x}", f"{handled.parent.span_id:016x}") == parent
    assert list(written) == ["traceparent"]
    assert ids_of(written["traceparent"]) == (f"{handled.context.trace_id:032x}", f"{handled.context.span_id:016x}")
    assert dict(handled.attributes or {}) == {
        "messaging.system": "kafka",
        "messaging.operation.type": "process",
        "messaging.operation.name": "process",
        "messaging.destination.name": "sykmelding.fra-epj",
        "messaging.destination.partition.id": "2",
        "messaging.kafka.offset": 41,
        "messaging.message.body.size": 5,
        "sykmeldingsflyt.stage": "mottak",
    }


def test_a_handling_that_raises_is_an_error_span_naming_the_type_only(spans: InMemorySpanExporter) -> None:
    record = Inbound("sykmelding.fra-epj", 0, 1, None, None, ())

    with pytest.raises(ValueError, match="12345678901"), tracing.consuming("mottak", record):
        raise ValueError("a message quoting 12345678901")

    [span] = spans.get_finished_spans()
    assert span.status.status_code is StatusCode.ERROR
    assert span.status.description is None
    assert (span.attributes or {})["error.type"] == "ValueError"
    assert not span.events, "the exception's text is not recorded"


def test_with_tracing_off_nothing_is_written_even_inside_a_record_s_trace() -> None:
    record = Inbound("sykmelding.fra-epj", 0, 1, None, None, (("traceparent", EPJ_TRACEPARENT.encode()),))

    with tracing.consuming("mottak", record):
        assert tracing.current_headers() == {}


def test_configured_by_the_environment_spans_go_over_otlp_to_the_collector(monkeypatch: pytest.MonkeyPatch) -> None:
    with http_server() as collector:
        collector.expect_request("/v1/traces", method="POST").respond_with_data(b"", status=200)
        for name in ("OTEL_SERVICE_NAME", "OTEL_RESOURCE_ATTRIBUTES", "OTEL_SDK_DISABLED", "OTEL_TRACES_EXPORTER"):
            monkeypatch.delenv(name, raising=False)
        monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", collector.url_for("/").rstrip("/"))
        provider = configure_tracing("sykmeldingsflyt-mottak")
        assert provider is not None
        try:
            with tracing.serving("GET", EPJ_TRACEPARENT.encode()) as span:
                tracing.served(span, "GET", "/internal/isready", 200)
            assert provider.force_flush()
        finally:
            tracing.install(None)
            provider.shutdown()
        [(request, _)] = collector.log

    sent = ExportTraceServiceRequest.FromString(request.get_data())
    [resource_spans] = sent.resource_spans
    resource = {attribute.key: attribute.value.string_value for attribute in resource_spans.resource.attributes}
    [[exported]] = [scope.spans for scope in resource_spans.scope_spans]
    assert resource["service.name"] == "sykmeldingsflyt-mottak"
    assert exported.name == "GET /internal/isready"
    assert (exported.trace_id.hex(), exported.parent_span_id.hex()) == (EPJ_TRACE, EPJ_SPAN)
