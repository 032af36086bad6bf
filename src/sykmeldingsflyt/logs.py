"""Structured JSON logs that cannot carry an fnr, a diagnosis code or free text.

Every log event, ours and the libraries' (aiokafka, FastStream, SQLAlchemy through the standard library),
passes `redact` last, after exceptions have been rendered to text, so a traceback that quotes a value is
scrubbed too. Code should log ids only; the redactor is the safety net for when it does not.

Each line is one JSON object with the keys NAV's log pipeline reads from logstash-logback-encoder:
`@timestamp`, `level` (INFO, WARN, ...), `message`, `logger_name`, `stack_trace`, and `callId`,
`trace_id` and `span_id` when a call or trace is bound (`bind_call`), or, with tracing on, of the current
OpenTelemetry span.
"""

import dataclasses
import logging
import os
import re
import sys
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import date
from enum import Enum
from pathlib import PurePath
from typing import Any
from uuid import UUID

import structlog
from pydantic import BaseModel
from structlog.typing import EventDict, Processor, WrappedLogger

from sykmeldingsflyt.domain.identifiers import is_valid_fnr
from sykmeldingsflyt.messaging.settings import SettingsError
from sykmeldingsflyt.messaging.transient import KafkaOutageLines
from sykmeldingsflyt.observability.tracing import current_ids

REDACTED = "[redacted]"

# Eleven digits not inside a longer number: fnr, D-number, H-number and synthetic numbers alike.
_FNR = re.compile(r"(?<![0-9])[0-9]{6}[ ]?[0-9]{5}(?![0-9])")
# Ids that may hold eleven digits in a row and must stay whole: UUIDs (a last group of a letter and eleven
# digits is common) and hex digests such as pseudonyms. Neither shape is an fnr, so they are kept as they are.
_ID = re.compile(
    r"(?<![0-9A-Za-z])(?:[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}|[0-9a-fA-F]{32,})"
    r"(?![0-9A-Za-z])"
)
# ICPC-2 (L87, P74) and ICD-10 (M54.5, F32.1, J06) codes, as words on their own.
_DIAGNOSIS_CODE = re.compile(r"(?<![A-Za-z0-9_.-])[A-Z][0-9]{2}(?:\.?[0-9]{1,2})?(?![A-Za-z0-9_-])")

# Fields whose value is free text or medical by nature: dropped whatever they contain.
FREE_TEXT_FIELDS = frozenset(
    {
        "tekst",
        "beskrivelse",
        "begrunnelse",
        "begrunnelseikkekontakt",
        "beskrivbistand",
        "meldingtilnav",
        "meldingtilarbeidsgiver",
        "tiltaknav",
        "tiltakarbeidsplassen",
        "andretiltak",
        "svar",
        "sporsmal",
        "diagnose",
        "hoveddiagnose",
        "bidiagnoser",
        "medisinskarsak",
        "annenfraversarsak",
        "fnr",
        "pasientfnr",
        "avsenderfnr",
        "navn",
        "fornavn",
        "etternavn",
        "body",
        "payload",
        "value",
    }
)


def _normalise(name: str) -> str:
    return name.replace("_", "").replace("-", "").lower()


def scrub_text(text: str) -> str:
    """The text with every fnr-shaped number and diagnosis code replaced; ids are left whole."""
    kept = 0
    parts: list[str] = []
    for found in _ID.finditer(text):
        parts += [_scrub_words(text[kept : found.start()]), found.group()]
        kept = found.end()
    parts.append(_scrub_words(text[kept:]))
    return "".join(parts)


def _scrub_words(text: str) -> str:
    return _DIAGNOSIS_CODE.sub(REDACTED, _FNR.sub(REDACTED, text))


def _scrub(value: Any) -> Any:
    if isinstance(value, str):
        return scrub_text(value)
    if isinstance(value, bytes):
        return REDACTED
    if isinstance(value, Mapping):
        return {scrub_text(str(key)): _scrub_field(str(key), item) for key, item in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_scrub(item) for item in value]
    if isinstance(value, bool | float) or value is None:
        return value
    if isinstance(value, int):
        return REDACTED if _could_be_fnr(value) else value
    if isinstance(value, BaseModel):
        return _scrub(value.model_dump(mode="json"))
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return _scrub(dataclasses.asdict(value))
    if isinstance(value, UUID | date | Enum | PurePath):
        return scrub_text(str(value))
    # An object we do not know could print anything: its type is all that is safe to say.
    return f"<{type(value).__name__}>"


def _could_be_fnr(number: int) -> bool:
    text = str(number)
    # Born on day 1-9, an fnr held as an int has lost its leading zero and is ten digits long.
    return bool(_FNR.fullmatch(text)) or (len(text) == 10 and is_valid_fnr(text.zfill(11)))


def _scrub_field(name: str, value: Any) -> Any:
    if _normalise(name) in FREE_TEXT_FIELDS:
        return REDACTED
    return _scrub(value)


def redact(_logger: WrappedLogger, _method: str, event_dict: EventDict) -> EventDict:
    """A structlog processor: the last line of defence before a log line leaves the process."""
    return {key: _scrub_field(key, value) for key, value in event_dict.items()}


# Python's level names as NAV's pipeline (logback) spells them.
_NAV_LEVELS = {"warning": "WARN", "critical": "ERROR", "exception": "ERROR"}
# structlog's keys, renamed to logstash-logback-encoder's.
_NAV_KEYS = {"event": "message", "logger": "logger_name", "timestamp": "@timestamp", "exception": "stack_trace"}
LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")

_STATEMENT_LOGGERS = ("aiosqlite", "sqlalchemy.engine", "sqlalchemy.pool", "httpcore")

# aiokafka logs these at ERROR although it retries them itself: they are normal while a cluster starts, a
# group coordinator moves or a leader is elected. An operator needs to know only if they last, which the
# readiness probe and consumer lag show.
_RETRIED_BY_AIOKAFKA = (
    "GroupCoordinatorNotAvailableError",
    "NotCoordinatorForGroupError",
    "CoordinatorLoadInProgressError",
    "NodeNotReadyError",
    "RequestTimedOutError",
    "NotLeaderForPartitionError",
    "LeaderNotAvailableError",
)


def trace_ids(_logger: WrappedLogger, _method: str, event_dict: EventDict) -> EventDict:
    """A structlog processor: the current OpenTelemetry span's ids, over any bound from a caller's header."""
    event_dict.update(current_ids())
    return event_dict


def nav_keys(_logger: WrappedLogger, _method: str, event_dict: EventDict) -> EventDict:
    """A structlog processor: the keys and level names NAV's log pipeline indexes."""
    renamed = {_NAV_KEYS.get(key, key): value for key, value in event_dict.items()}
    level = str(renamed.get("level", "info"))
    renamed["level"] = _NAV_LEVELS.get(level, level.upper())
    return renamed


class _RetriedErrorsAreWarnings(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno == logging.ERROR and record.exc_info is None:
            message = record.getMessage()
            if any(name in message for name in _RETRIED_BY_AIOKAFKA):
                record.levelno, record.levelname = logging.WARNING, "WARNING"
        return True


@contextmanager
def bind_call(call_id: str | None = None, **ids: str) -> Iterator[str]:
    """Every line logged inside carries `callId` (given, or a new UUID) and the given ids (trace_id, ...)."""
    call = call_id or str(uuid.uuid4())
    with structlog.contextvars.bound_contextvars(callId=call, **ids):
        yield call


def log_level_from_env() -> str:
    """LOG_LEVEL (DEBUG, INFO, WARNING or WARN, ERROR, CRITICAL; default INFO)."""
    level = os.environ.get("LOG_LEVEL", "INFO").strip().upper()
    level = "WARNING" if level == "WARN" else level
    if level not in LEVELS:
        raise SettingsError(f"LOG_LEVEL: {level!r} is not one of {', '.join(LEVELS)}")
    return level


def configure_logging(level: str | None = None, stream: Any = None) -> None:
    """JSON lines to stderr (or `stream`), for ours and the standard library's loggers alike, at `level`
    (default: LOG_LEVEL)."""
    level = level or log_level_from_env()
    pre_chain: list[Processor] = [
        structlog.contextvars.merge_contextvars,
        trace_ids,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]
    structlog.configure(
        processors=[
            structlog.stdlib.filter_by_level,
            *pre_chain,
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=False,
    )
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=pre_chain,
        # Redaction runs after exceptions are rendered, so a traceback quoting a value is scrubbed too.
        processors=[
            structlog.processors.format_exc_info,
            redact,
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            nav_keys,
            structlog.processors.JSONRenderer(),
        ],
    )
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(formatter)
    handler.addFilter(_RetriedErrorsAreWarnings())
    handler.addFilter(KafkaOutageLines())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # aiokafka is chatty about every rebalance at INFO; warnings are what an operator needs.
    logging.getLogger("aiokafka").setLevel(max(logging.WARNING, root.level))
    # These log every statement with its parameters (a stored view, an fnr) at DEBUG or INFO: never below
    # WARNING, whatever LOG_LEVEL says, as no redactor can know every field a row holds.
    for name in _STATEMENT_LOGGERS:
        logging.getLogger(name).setLevel(max(logging.WARNING, root.level))
    # FastStream gives its loggers their own stderr handlers; routed through ours, they are redacted too.
    for name in ("faststream", "faststream.access"):
        library_logger = logging.getLogger(name)
        library_logger.handlers.clear()
        library_logger.propagate = True
