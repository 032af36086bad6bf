"""Structured JSON logs that cannot carry an fnr, a diagnosis code or free text.

Every log event, ours and the libraries' (aiokafka, FastStream, SQLAlchemy through the standard library),
passes `redact` last, after exceptions have been rendered to text, so a traceback that quotes a value is
scrubbed too. Code should log ids only; the redactor is the safety net for when it does not.
"""

import logging
import re
import sys
from collections.abc import Mapping
from typing import Any

import structlog
from structlog.typing import EventDict, Processor, WrappedLogger

REDACTED = "[redacted]"

# Eleven digits not inside a longer number: fnr, D-number, H-number and synthetic numbers alike.
_FNR = re.compile(r"(?<!\d)\d{6}[ ]?\d{5}(?!\d)")
# ICPC-2 (L87, P74) and ICD-10 (M54.5, F32.1, J06) codes, as words on their own.
_DIAGNOSIS_CODE = re.compile(r"(?<![A-Za-z0-9_.-])[A-Z]\d{2}(?:\.?\d{1,2})?(?![A-Za-z0-9_-])")

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
    return _DIAGNOSIS_CODE.sub(REDACTED, _FNR.sub(REDACTED, text))


def _scrub(value: Any) -> Any:
    if isinstance(value, str):
        return scrub_text(value)
    if isinstance(value, bytes):
        return REDACTED
    if isinstance(value, Mapping):
        return {key: _scrub_field(str(key), item) for key, item in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_scrub(item) for item in value]
    if isinstance(value, bool | float) or value is None:
        return value
    if isinstance(value, int):
        return REDACTED if _FNR.fullmatch(str(value)) else value
    return scrub_text(repr(value))


def _scrub_field(name: str, value: Any) -> Any:
    if _normalise(name) in FREE_TEXT_FIELDS:
        return REDACTED
    return _scrub(value)


def redact(_logger: WrappedLogger, _method: str, event_dict: EventDict) -> EventDict:
    """A structlog processor: the last line of defence before a log line leaves the process."""
    return {key: _scrub_field(key, value) for key, value in event_dict.items()}


def configure_logging(level: str = "INFO", stream: Any = None) -> None:
    """JSON lines to stderr (or `stream`), for ours and the standard library's loggers alike."""
    pre_chain: list[Processor] = [
        structlog.contextvars.merge_contextvars,
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
            structlog.processors.JSONRenderer(),
        ],
    )
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(formatter)
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # aiokafka is chatty about every rebalance at INFO; warnings are what an operator needs.
    logging.getLogger("aiokafka").setLevel(max(logging.WARNING, root.level))
