"""Every metric the product records, in Prometheus's default registry (one per process).

Names follow Prometheus's conventions (`_total` for counters, `_seconds` for durations). The Grafana
dashboard in deploy/grafana/sykmeldingsflyt.json reads exactly these.
"""

import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

from prometheus_client import Counter, Gauge, Histogram

MESSAGES_CONSUMED = Counter(
    "sykmeldingsflyt_messages_consumed_total", "Kafka records a service took from a topic", ["service", "topic"]
)
MESSAGES_HANDLED = Counter(
    "sykmeldingsflyt_messages_handled_total",
    "Records whose batch was applied and committed (outcome=handled) or failed and will be redelivered "
    "(outcome=failed)",
    ["service", "topic", "outcome"],
)
MESSAGES_FAILED = Counter(
    "sykmeldingsflyt_messages_failed_total",
    "Records in batches that raised, by the error's type (the batch is redelivered)",
    ["service", "topic", "error"],
)
HANDLER_SECONDS = Histogram(
    "sykmeldingsflyt_handler_seconds",
    "Time to apply one batch in one database transaction",
    ["service", "topic"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0),
)
MESSAGES_PUBLISHED = Counter(
    "sykmeldingsflyt_messages_published_total", "Outbox rows the relay published", ["producer", "topic"]
)
DEAD_LETTERS = Counter(
    "sykmeldingsflyt_dead_letters_total", "Messages published to a dead-letter topic, by reason", ["topic", "reason"]
)
RULE_HITS = Counter(
    "sykmeldingsflyt_rule_hits_total", "Validation rules that fired on a sykmelding, by outcome", ["rule", "status"]
)
OUTBOX_DEPTH = Gauge("sykmeldingsflyt_outbox_depth", "Outbox rows not yet published", ["producer"])
OUTBOX_OLDEST_SECONDS = Gauge(
    "sykmeldingsflyt_outbox_oldest_seconds", "Age of the oldest unpublished outbox row (0 when none)", ["producer"]
)
CONSUMER_LAG = Gauge(
    "sykmeldingsflyt_consumer_lag",
    "Records on a partition not yet consumed by this instance's group",
    ["group", "topic", "partition"],
)
HTTP_REQUESTS = Counter(
    "sykmeldingsflyt_http_requests_total", "HTTP requests to the gateway", ["method", "route", "status"]
)
HTTP_SECONDS = Histogram("sykmeldingsflyt_http_request_seconds", "Time to answer an HTTP request", ["method", "route"])
REGISTER_CALLS = Counter(
    "sykmeldingsflyt_register_calls_total",
    "Tries against a remote register, retries included, by outcome: answered, transient (a timeout, a lost "
    "connection, a 5xx, a refused token), invalid (an answer we cannot read) or error (a bug)",
    ["register", "outcome"],
)
REGISTER_ERRORS = Counter(
    "sykmeldingsflyt_register_errors_total",
    "Lookups that got no fresh answer after their retries, by reason (transient, invalid, circuit_open) and "
    "what was served instead (stale: a cached answer; nothing: the caller waits)",
    ["register", "reason", "served"],
)
REGISTER_CIRCUIT = Gauge(
    "sykmeldingsflyt_register_circuit_state",
    "A register's circuit breaker: 0 closed, 1 half-open (one call probes), 2 open (calls are refused)",
    ["register"],
)
CIRCUIT_STATES = {"closed": 0, "half-opened": 1, "opened": 2}


@contextmanager
def handling(service: str, topic: str, records: int) -> Iterator[None]:
    """Count a batch of `records` from `topic` in and its outcome out, and time it."""
    MESSAGES_CONSUMED.labels(service, topic).inc(records)
    began = time.perf_counter()
    try:
        yield
    except Exception as error:
        MESSAGES_HANDLED.labels(service, topic, "failed").inc(records)
        MESSAGES_FAILED.labels(service, topic, type(error).__name__).inc(records)
        raise
    finally:
        HANDLER_SECONDS.labels(service, topic).observe(time.perf_counter() - began)
    MESSAGES_HANDLED.labels(service, topic, "handled").inc(records)


def published(producer: str, rows: Iterable[tuple[str, dict[str, str]]]) -> None:
    """Count what the relay published: (topic, headers) per row; dead letters also by their reason."""
    # Counted first, then one increment per label set: a batch is a thousand rows of a few topics.
    per_topic: dict[str, int] = {}
    per_reason: dict[tuple[str, str], int] = {}
    for topic, headers in rows:
        per_topic[topic] = per_topic.get(topic, 0) + 1
        if topic.endswith(".dlq"):
            labels = (topic, headers.get("reason", "UNKNOWN"))
            per_reason[labels] = per_reason.get(labels, 0) + 1
    for topic, count in per_topic.items():
        MESSAGES_PUBLISHED.labels(producer, topic).inc(count)
    for labels, count in per_reason.items():
        DEAD_LETTERS.labels(*labels).inc(count)


def rule_hits(hits: Iterable[tuple[str, str]]) -> None:
    """Count (rule name, status) pairs of one sykmelding's validation."""
    for rule, status in hits:
        RULE_HITS.labels(rule, status).inc()
