"""Which OTEL_* settings turn tracing on, as the OpenTelemetry specification reads them."""

import pytest
from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter as GrpcExporter
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter as HttpExporter
from opentelemetry.sdk.trace.export import ConsoleSpanExporter

from sykmeldingsflyt.messaging.settings import SettingsError
from sykmeldingsflyt.observability.tracing import exporters_from_env

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
