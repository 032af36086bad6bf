"""OpenTelemetry tracing: one sykmelding is one trace, from the gateway (or the EPJ's own record) through every
service to every topic it reaches.

A W3C `traceparent` travels in the Kafka headers. A service continues the one on the record it handles (a span
per message), and every record it writes in that handling carries the handling span's: the outbox keeps the
header with the row, and the relay publishes the row's headers as they are. The gateway continues the one an
HTTP caller sent, and its publish is a span of the request's.

Off unless the standard OTEL_* variables ask for it (see `exporters_from_env`); off, nothing is read from or
added to a record, and a record's own `traceparent` passes no further than the service that read it.

Only `traceparent` is read and written. `tracestate` and W3C baggage are neither read nor passed on: they
carry whatever a sender put there, which could be an fnr. Span attributes name topics, partitions, offsets,
routes and error types, never a key, a value, a path or an exception's text.
"""

import os
from collections.abc import Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager, nullcontext
from typing import Protocol

from opentelemetry import trace
from opentelemetry.context import Context
from opentelemetry.sdk.resources import SERVICE_NAME, Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, ConsoleSpanExporter, SpanExporter
from opentelemetry.trace import Span, SpanKind, Status, StatusCode
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

from sykmeldingsflyt.messaging.settings import SettingsError

TRACEPARENT = "traceparent"

_PROPAGATOR = TraceContextTextMapPropagator()
_tracer: trace.Tracer | None = None
_OFF: AbstractContextManager[None] = nullcontext()


class Delivered(Protocol):
    """A Kafka record as a stage holds it (messaging.stage.Inbound)."""

    @property
    def topic(self) -> str: ...
    @property
    def partition(self) -> int: ...
    @property
    def offset(self) -> int: ...
    @property
    def value(self) -> bytes | None: ...
    @property
    def headers(self) -> tuple[tuple[str, bytes], ...]: ...


def exporters_from_env(environ: Mapping[str, str] = os.environ) -> list[SpanExporter]:
    """The span exporters the OTEL_* variables ask for, as the OpenTelemetry specification reads them; none
    (tracing off) unless OTEL_TRACES_EXPORTER or an OTLP endpoint is set.

    OTEL_SDK_DISABLED=true turns tracing off whatever else is set; OTEL_TRACES_EXPORTER is a list of `otlp`
    (the default once tracing is on), `console` and `none`; OTEL_EXPORTER_OTLP_(TRACES_)PROTOCOL is
    `http/protobuf` (the default) or `grpc`. The OTLP exporters read their endpoint, headers, timeout and
    certificates from the standard variables themselves."""
    if environ.get("OTEL_SDK_DISABLED", "").strip().lower() == "true":
        return []
    named = environ.get("OTEL_TRACES_EXPORTER", "").strip()
    endpoint = environ.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") or environ.get("OTEL_EXPORTER_OTLP_ENDPOINT")
    if not named and not endpoint:
        return []
    names = [name.strip().lower() for name in (named or "otlp").split(",") if name.strip()]
    unknown = sorted(set(names) - {"otlp", "console", "none"})
    if unknown:
        raise SettingsError(f"OTEL_TRACES_EXPORTER: {', '.join(unknown)} is not one of otlp, console, none")
    if "none" in names:
        return []
    return [_otlp(environ) if name == "otlp" else ConsoleSpanExporter() for name in names]


def _otlp(environ: Mapping[str, str]) -> SpanExporter:
    variable = next(
        (name for name in ("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "OTEL_EXPORTER_OTLP_PROTOCOL") if environ.get(name)),
        None,
    )
    protocol = environ[variable].strip().lower() if variable else "http/protobuf"
    # Imported only when asked for: the gRPC exporter loads grpcio, which a process not exporting never needs.
    if protocol == "http/protobuf":
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import (  # noqa: PLC0415
            OTLPSpanExporter as HttpExporter,
        )

        return HttpExporter()
    if protocol == "grpc":
        from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import (  # noqa: PLC0415
            OTLPSpanExporter as GrpcExporter,
        )

        return GrpcExporter()
    raise SettingsError(f"{variable}: {protocol!r} is not one of http/protobuf, grpc")


def configure_tracing(service_name: str, environ: Mapping[str, str] = os.environ) -> TracerProvider | None:
    """Turn tracing on for this process if the OTEL_* variables ask for it; the provider, or None when off.
    `service_name` is the resource's service.name unless OTEL_SERVICE_NAME or OTEL_RESOURCE_ATTRIBUTES name it.
    The provider flushes its spans when the process exits."""
    exporters = exporters_from_env(environ)
    if not exporters:
        return None
    resource = Resource.create()
    if str(resource.attributes.get(SERVICE_NAME, "")).startswith("unknown_service"):
        resource = resource.merge(Resource({SERVICE_NAME: service_name}))
    # The sampler is the SDK's default, which honours OTEL_TRACES_SAMPLER and OTEL_TRACES_SAMPLER_ARG.
    provider = TracerProvider(resource=resource)
    for exporter in exporters:
        provider.add_span_processor(BatchSpanProcessor(exporter))
    # Not made the global provider: a library that traces when one is set (FastAPI does) would then record
    # what it sees, exception messages and request paths among it.
    install(provider)
    return provider


def install(provider: TracerProvider | None) -> None:
    """Trace with `provider` from now on (None: off). Tests install one with an in-memory exporter."""
    global _tracer  # noqa: PLW0603 - one tracer per process, like the metrics registry
    _tracer = provider.get_tracer("sykmeldingsflyt") if provider is not None else None


def enabled() -> bool:
    return _tracer is not None


def consuming(stage: str, record: Delivered) -> AbstractContextManager[object]:
    """The span of handling one record, a child of the record's traceparent (or a new trace's root); what the
    handling writes to the outbox carries it."""
    if _tracer is None:
        return _OFF
    parent = _extract(next((value for name, value in record.headers if name == TRACEPARENT), None))
    attributes: dict[str, str | int] = {
        "messaging.system": "kafka",
        "messaging.operation.type": "process",
        "messaging.operation.name": "process",
        "messaging.destination.name": record.topic,
        "messaging.destination.partition.id": str(record.partition),
        "messaging.kafka.offset": record.offset,
        "messaging.message.body.size": len(record.value or b""),
        "sykmeldingsflyt.stage": stage,
    }
    return _span(f"process {record.topic}", SpanKind.CONSUMER, parent, attributes)


@contextmanager
def publishing(topic: str) -> Iterator[list[tuple[str, bytes]]]:
    """A send to `topic`: inside, the Kafka headers that carry its span (none when tracing is off)."""
    if _tracer is None:
        yield []
        return
    attributes: dict[str, str | int] = {
        "messaging.system": "kafka",
        "messaging.operation.type": "send",
        "messaging.operation.name": "send",
        "messaging.destination.name": topic,
    }
    with _span(f"send {topic}", SpanKind.PRODUCER, None, attributes):
        yield [(name, value.encode()) for name, value in current_headers().items()]


@contextmanager
def serving(method: str, traceparent: bytes | None) -> Iterator[Span | None]:
    """The server span of an HTTP request, a child of the caller's traceparent; name it with `served`."""
    if _tracer is None:
        yield None
        return
    parent = _extract(traceparent)
    with _span(method, SpanKind.SERVER, parent, {"http.request.method": method}) as span:
        yield span


def served(span: Span | None, method: str, route: str, status: int) -> None:
    """Name a server span by its route's template (never the path: it holds ids) and give its status."""
    if span is None:
        return
    span.update_name(f"{method} {route}")
    span.set_attribute("http.route", route)
    span.set_attribute("http.response.status_code", status)
    if status >= 500:
        span.set_attribute("error.type", str(status))
        span.set_status(Status(StatusCode.ERROR))


def current_headers() -> dict[str, str]:
    """The traceparent of the current span, as a header to write; empty when tracing is off or no span is."""
    if _tracer is None:
        return {}
    carrier: dict[str, str] = {}
    _PROPAGATOR.inject(carrier)
    return {TRACEPARENT: carrier[TRACEPARENT]} if TRACEPARENT in carrier else {}


def current_ids() -> dict[str, str]:
    """The current span's trace_id and span_id (hex), for log lines; empty when no span is recording."""
    context = trace.get_current_span().get_span_context()
    if not context.is_valid:
        return {}
    return {"trace_id": trace.format_trace_id(context.trace_id), "span_id": trace.format_span_id(context.span_id)}


def _extract(traceparent: bytes | None) -> Context:
    """The context a received traceparent names; without one (or a malformed one), a new trace's root, never
    a child of whatever span the receiving task happens to run in."""
    if not traceparent:
        return Context()
    return _PROPAGATOR.extract({TRACEPARENT: traceparent.decode("latin-1")}, context=Context())


@contextmanager
def _span(name: str, kind: SpanKind, parent: Context | None, attributes: Mapping[str, str | int]) -> Iterator[Span]:
    assert _tracer is not None
    # The SDK's own recording of an exception would keep its message and stack, which may quote a value.
    with _tracer.start_as_current_span(
        name, context=parent, kind=kind, attributes=attributes, record_exception=False, set_status_on_exception=False
    ) as span:
        try:
            yield span
        except Exception as error:
            span.set_attribute("error.type", type(error).__qualname__)
            span.set_status(Status(StatusCode.ERROR))
            raise
