"""Logs: JSON lines, ours and the libraries', that never carry an fnr, a diagnosis code or free text.

Every fnr here is synthetic (NAV's month + 40 or Tenor's month + 80), with valid check digits.
"""

import datetime
import io
import json
import logging
import re
import uuid
from collections.abc import Iterator
from typing import Any

import faststream
import pytest
import structlog
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from pydantic import BaseModel

from sykmeldingsflyt.logs import bind_call, configure_logging, log_level_from_env, scrub_text
from sykmeldingsflyt.messaging.ids import stable_id
from sykmeldingsflyt.observability import tracing

_FNR_WEIGHTS_1 = (3, 7, 6, 1, 8, 9, 4, 5, 2)
_FNR_WEIGHTS_2 = (5, 4, 3, 2, 7, 6, 5, 4, 3, 2)


def _check_digit(digits: str, weights: tuple[int, ...]) -> int | None:
    check = (11 - sum(w * int(d) for w, d in zip(weights, digits, strict=True)) % 11) % 11
    return None if check == 10 else check


def fnr_with_check_digits(first_nine: str) -> str | None:
    first = _check_digit(first_nine, _FNR_WEIGHTS_1)
    if first is None:
        return None
    second = _check_digit(first_nine + str(first), _FNR_WEIGHTS_2)
    return None if second is None else f"{first_nine}{first}{second}"


FNR = "15888310093"  # Tenor synthetic, born 15.08.1983
FNR_LEADING_ZERO = "05817510096"  # Tenor synthetic, born 05.01.1975: as an int it has ten digits
D_NUMBER = "41857510184"  # D-number form, Tenor synthetic
FNR_TEXT_FORMS = [FNR, D_NUMBER, f"{FNR[:6]} {FNR[6:]}"]
DIAGNOSIS_CODES = ["L87", "P74", "M54.5", "F32.1", "J06"]
FREE_TEXT = "CANARY fritekst: pasienten sover dårlig og gruer seg til jobb"
FREE_TEXT_NAMES = [
    "tekst",
    "beskrivelse",
    "begrunnelse",
    "meldingTilNAV",
    "meldingTilNav",
    "melding_til_nav",
    "MELDING_TIL_NAV",
    "melding-til-nav",
]


@pytest.fixture(autouse=True)
def restore_logging() -> Iterator[None]:
    loggers = [logging.getLogger(name) for name in ("", "aiokafka", "faststream")]
    saved = [(logger.handlers[:], logger.level, logger.propagate) for logger in loggers]
    yield
    for logger, (handlers, level, propagate) in zip(loggers, saved, strict=True):
        logger.handlers[:] = handlers
        logger.setLevel(level)
        logger.propagate = propagate
    structlog.contextvars.clear_contextvars()
    structlog.reset_defaults()


def _configured(level: str = "INFO") -> io.StringIO:
    stream = io.StringIO()
    configure_logging(level, stream=stream)
    return stream


@pytest.fixture
def stream() -> io.StringIO:
    return _configured()


def _lines(stream: io.StringIO) -> list[dict[str, Any]]:
    """Every line of output, each of which must be one JSON object."""
    lines = stream.getvalue().splitlines()
    parsed = [json.loads(line) for line in lines]
    assert all(isinstance(line, dict) for line in parsed)
    return parsed


def _assert_absent(stream: io.StringIO, *secrets: str) -> None:
    output = stream.getvalue()
    lines = _lines(stream)
    assert lines, "nothing was logged"
    for secret in secrets:
        assert secret not in output, secret
        assert secret not in json.dumps(lines, ensure_ascii=False), secret


def test_every_line_is_a_json_object_with_nav_pipeline_keys_and_utc_time(stream: io.StringIO) -> None:
    structlog.get_logger("sykmeldingsflyt.mottak").info("sykmelding mottatt", partition=3)
    logging.getLogger("sqlalchemy.pool").warning("pool %s exhausted", "mottak")

    ours, library = _lines(stream)

    assert ours["message"] == "sykmelding mottatt"
    assert (ours["level"], ours["logger_name"], ours["partition"]) == ("INFO", "sykmeldingsflyt.mottak", 3)
    assert library["message"] == "pool mottak exhausted"
    assert (library["level"], library["logger_name"]) == ("WARN", "sqlalchemy.pool")
    for line in (ours, library):
        assert datetime.datetime.fromisoformat(line["@timestamp"]).utcoffset() == datetime.timedelta(0)
        assert not {"event", "logger", "timestamp"} & set(line)


def test_a_bound_call_puts_its_call_id_and_trace_ids_on_every_line(stream: io.StringIO) -> None:
    with bind_call(trace_id="4bf92f3577b34da6a3ce929d0e0e4736", span_id="00f067aa0ba902b7") as call_id:
        structlog.get_logger().info("inne")
        logging.getLogger("aiokafka.producer").warning("library inne")
    structlog.get_logger().info("ute")

    inside, library, outside = _lines(stream)
    for line in (inside, library):
        assert (line["callId"], line["trace_id"], line["span_id"]) == (
            call_id,
            "4bf92f3577b34da6a3ce929d0e0e4736",
            "00f067aa0ba902b7",
        )
    uuid.UUID(call_id)
    assert "callId" not in outside


def test_with_tracing_on_a_line_carries_the_current_span_s_ids_over_the_caller_s(
    stream: io.StringIO, spans: InMemorySpanExporter
) -> None:
    with bind_call(trace_id="4bf92f3577b34da6a3ce929d0e0e4736", span_id="00f067aa0ba902b7"):
        structlog.get_logger().info("utenfor vårt spenn")
        with tracing.serving("GET", None) as span:
            assert span is not None
            structlog.get_logger().info("i vårt spenn")
            logging.getLogger("aiokafka.producer").warning("library i vårt spenn")

    caller, ours, library = _lines(stream)
    context = span.get_span_context()
    assert (caller["trace_id"], caller["span_id"]) == ("4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7")
    for line in (ours, library):
        assert (line["trace_id"], line["span_id"]) == (f"{context.trace_id:032x}", f"{context.span_id:016x}")


def test_a_given_call_id_is_kept(stream: io.StringIO) -> None:
    with bind_call("nav-call-id-1"):
        structlog.get_logger().info("inne")

    assert _lines(stream)[0]["callId"] == "nav-call-id-1"


def test_stack_trace_is_under_nav_s_key(stream: io.StringIO) -> None:
    try:
        raise RuntimeError("feil")
    except RuntimeError:
        structlog.get_logger().exception("feilet")

    (line,) = _lines(stream)
    assert line["level"] == "ERROR"
    assert "RuntimeError" in line["stack_trace"]


@pytest.mark.parametrize("fnr", FNR_TEXT_FORMS)
def test_fnr_in_structlog_event_and_fields_is_redacted(stream: io.StringIO, fnr: str) -> None:
    log = structlog.get_logger("sykmeldingsflyt.test")

    log.info(f"mottok sykmelding for {fnr}", person=fnr, nested={"ident": [f"pasient={fnr}"]})
    log.info("tall", person=int(fnr.replace(" ", "")))

    _assert_absent(stream, fnr, fnr.replace(" ", ""))


@pytest.mark.parametrize("fnr", FNR_TEXT_FORMS)
def test_fnr_in_standard_library_log_message_is_redacted(stream: io.StringIO, fnr: str) -> None:
    logging.getLogger("sqlalchemy.engine").warning("[parameters: ('%s', %d)]", fnr, 3)

    _assert_absent(stream, fnr, fnr.replace(" ", ""))


def test_fnr_bound_in_context_variables_is_redacted(stream: io.StringIO) -> None:
    structlog.contextvars.bind_contextvars(fnr_i_kontekst=FNR, sak=f"sak for {FNR}")

    structlog.get_logger().info("behandler")

    _assert_absent(stream, FNR)


@pytest.mark.parametrize("code", DIAGNOSIS_CODES)
@pytest.mark.parametrize(
    "template",
    ["diagnose {} satt av lege", "({})", "kode={};", "{}", "Hoveddiagnose: {}.", "bidiagnoser: [{}, {}]"],
)
def test_diagnosis_codes_in_text_are_redacted(stream: io.StringIO, code: str, template: str) -> None:
    text = template.format(code, code)

    structlog.get_logger().info(text, detalj=text)
    logging.getLogger("library").error(text)

    _assert_absent(stream, code)


@pytest.mark.parametrize("name", FREE_TEXT_NAMES)
def test_free_text_field_is_dropped_at_top_level(stream: io.StringIO, name: str) -> None:
    structlog.get_logger().info("plan mottatt", **{name: FREE_TEXT})

    _assert_absent(stream, FREE_TEXT)


@pytest.mark.parametrize("name", FREE_TEXT_NAMES)
def test_free_text_field_is_dropped_inside_dicts_and_lists(stream: io.StringIO, name: str) -> None:
    sykmelding = {
        "id": "f1c3a7a2-0d7e-4a53-8d3e-9a4a0f2c1b11",
        "perioder": [{"aktivitet": {name: FREE_TEXT}}],
        "utdypende": {"svar6": [[{name: FREE_TEXT}]]},
        "tuppel": ({name: FREE_TEXT},),
    }

    structlog.get_logger().info("sykmelding", sykmelding=sykmelding)

    _assert_absent(stream, FREE_TEXT)


def test_free_text_field_holding_structure_is_dropped_whole(stream: io.StringIO) -> None:
    structlog.get_logger().info("sykmelding", meldingTilNAV={"bistandUmiddelbart": True, "beskrivBistand": FREE_TEXT})

    assert _lines(stream)[0]["meldingTilNAV"] == "[redacted]"


def test_exception_tracebacks_from_structlog_are_scrubbed(stream: io.StringIO) -> None:
    log = structlog.get_logger("sykmeldingsflyt.mottak")
    try:
        try:
            raise KeyError(FNR)
        except KeyError as missing:
            raise ValueError(f"ugyldig sykmelding for {FNR_TEXT_FORMS[2]} med diagnose M54.5") from missing
    except ValueError:
        log.exception("kunne ikke behandle", topic="sykmelding.fra-epj")

    (line,) = _lines(stream)
    assert "ValueError" in line["stack_trace"]
    assert "KeyError" in line["stack_trace"]
    _assert_absent(stream, FNR, FNR_TEXT_FORMS[2], "M54.5")


def test_exception_passed_as_exc_info_is_scrubbed(stream: io.StringIO) -> None:
    error = ValueError(int(FNR), "L87")

    structlog.get_logger().error("feilet", exc_info=error)

    assert "ValueError" in _lines(stream)[0]["stack_trace"]
    _assert_absent(stream, FNR, "L87")


def test_exception_tracebacks_from_standard_library_loggers_are_scrubbed(stream: io.StringIO) -> None:
    library = logging.getLogger("sqlalchemy.engine")
    try:
        raise RuntimeError(f"IntegrityError [parameters: ('{FNR}', 'P74', '{D_NUMBER}')]")
    except RuntimeError:
        library.exception("flush failed for %s", FNR)

    (line,) = _lines(stream)
    assert "RuntimeError" in line["stack_trace"]
    _assert_absent(stream, FNR, D_NUMBER, "P74")


def test_ids_topics_and_positions_survive(stream: io.StringIO) -> None:
    sykmelding_id = str(uuid.uuid4())
    upper_uuid = str(uuid.uuid4()).upper()
    event_id = stable_id("sykmelding.fra-epj", "3", "1234567")

    structlog.get_logger().info(
        f"handled {sykmelding_id} from sykmelding.fra-epj:3:1234567",
        sykmelding_id=sykmelding_id,
        plan=upper_uuid,
        event_id="sykmelding.fra-epj:3:1234567",
        output_id=event_id,
        topic="nav.dialogmote-status",
        partition=3,
        offset=1234567,
        ids=[sykmelding_id, {"oppgave": event_id}],
    )
    logging.getLogger("aiokafka.consumer").warning("committed sykmelding.status.dlq partition 0 offset 42")

    ours, library = _lines(stream)
    assert ours["message"] == f"handled {sykmelding_id} from sykmelding.fra-epj:3:1234567"
    assert (ours["sykmelding_id"], ours["plan"], ours["output_id"]) == (sykmelding_id, upper_uuid, event_id)
    assert (ours["event_id"], ours["topic"]) == ("sykmelding.fra-epj:3:1234567", "nav.dialogmote-status")
    assert (ours["partition"], ours["offset"]) == (3, 1234567)
    assert ours["ids"] == [sykmelding_id, {"oppgave": event_id}]
    assert library["message"] == "committed sykmelding.status.dlq partition 0 offset 42"


# UUIDs whose last group is a letter and eleven digits, or eleven digits and a letter, some of those digits a
# valid fnr: the scrubber once cut them off, which broke audit lines and tracing.
UUIDS_ENDING_IN_DIGITS = [
    f"f1c3a7a2-0d7e-4a53-8d3e-a{FNR}",
    f"F1C3A7A2-0D7E-4A53-8D3E-B{D_NUMBER}",
    f"f1c3a7a2-0d7e-4a53-8d3e-{FNR}c",
    "2b1e8a4e-93f0-4c1d-9b7a-e12345678901",
]


@pytest.mark.parametrize("identifier", UUIDS_ENDING_IN_DIGITS)
def test_uuids_ending_in_eleven_digits_stay_whole(stream: io.StringIO, identifier: str) -> None:
    structlog.get_logger().info(f"sykmelding {identifier} mottatt", sykmelding_id=identifier, ids=[identifier])
    logging.getLogger("aiokafka.consumer").warning("key=%s", identifier)

    ours, library = _lines(stream)
    assert ours["message"] == f"sykmelding {identifier} mottatt"
    assert (ours["sykmelding_id"], ours["ids"]) == (identifier, [identifier])
    assert library["message"] == f"key={identifier}"


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(identifier=st.uuids().map(str), digits=st.text("0123456789", min_size=11, max_size=11))
def test_any_uuid_stays_whole_beside_a_redacted_fnr(identifier: str, digits: str) -> None:
    tailed = identifier[:-12] + "a" + digits

    assert scrub_text(f"{identifier} {tailed} {FNR}") == f"{identifier} {tailed} [redacted]"


def test_hex_digests_such_as_pseudonyms_stay_whole() -> None:
    pseudonym = "ab" + FNR + "cd" + "0" * 51

    assert scrub_text(f"person={pseudonym} fnr={FNR}") == f"person={pseudonym} fnr=[redacted]"


def test_booleans_none_and_floats_survive(stream: io.StringIO) -> None:
    structlog.get_logger().info("flags", ok=True, missing=None, seconds=0.25)

    line = _lines(stream)[0]
    assert (line["ok"], line["missing"], line["seconds"]) == (True, None, 0.25)


def test_bytes_are_never_logged(stream: io.StringIO) -> None:
    structlog.get_logger().info("rå melding", raw=FREE_TEXT.encode())

    assert _lines(stream)[0]["raw"] == "[redacted]"


def test_level_is_applied_to_ours_and_libraries() -> None:
    stream = _configured("WARNING")

    structlog.get_logger().info("hidden")
    logging.getLogger("library").info("hidden")
    structlog.get_logger().warning("shown")

    assert [line["message"] for line in _lines(stream)] == ["shown"]


@pytest.mark.parametrize(("variable", "shown"), [("DEBUG", 3), ("info", 2), ("WARN", 1), ("ERROR", 0)])
def test_log_level_comes_from_log_level(monkeypatch: pytest.MonkeyPatch, variable: str, shown: int) -> None:
    monkeypatch.setenv("LOG_LEVEL", variable)
    stream = io.StringIO()
    configure_logging(stream=stream)

    structlog.get_logger().debug("debug")
    logging.getLogger("library").info("info")
    structlog.get_logger().warning("warning")

    assert len(_lines(stream)) == shown


def test_an_unknown_log_level_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LOG_LEVEL", "CHATTY")

    with pytest.raises(ValueError, match="LOG_LEVEL: 'CHATTY'"):
        log_level_from_env()


def test_aiokafka_info_is_quiet_but_its_warnings_are_kept(stream: io.StringIO) -> None:
    logging.getLogger("aiokafka.consumer.group_coordinator").info("rebalance")
    logging.getLogger("aiokafka.consumer.group_coordinator").warning("heartbeat failed")

    assert [line["message"] for line in _lines(stream)] == ["heartbeat failed"]


def test_errors_aiokafka_retries_itself_are_warnings(stream: io.StringIO) -> None:
    coordinator = logging.getLogger("aiokafka.consumer.group_coordinator")

    coordinator.error("Group Coordinator Request failed: [Error 15] GroupCoordinatorNotAvailableError")
    coordinator.error("Unexpected error in heartbeat routine")

    assert [line["level"] for line in _lines(stream)] == ["WARN", "ERROR"]


_NOT_DIGIT = re.compile(r"\D")


@st.composite
def synthetic_fnrs(draw: st.DrawFn) -> str:
    born = draw(st.dates(datetime.date(1900, 1, 1), datetime.date(2039, 12, 31)))
    day = born.day + draw(st.sampled_from([0, 40]))  # ordinary or D-number
    month = born.month + draw(st.sampled_from([40, 80]))  # NAV or Tenor synthetic
    first_nine = f"{day:02d}{month:02d}{born.year % 100:02d}{draw(st.integers(0, 999)):03d}"
    fnr = fnr_with_check_digits(first_nine)
    assume(fnr is not None)
    assert fnr is not None
    return fnr


# A number stands on its own when no digit touches it; text that glues digits on makes a longer number.
_surrounding = st.text(max_size=40)
_prefixes = _surrounding.filter(lambda text: not text or _NOT_DIGIT.fullmatch(text[-1]) is not None)
_suffixes = _surrounding.filter(lambda text: not text or _NOT_DIGIT.fullmatch(text[0]) is not None)


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])  # restore_logging only resets at the end
@given(fnr=synthetic_fnrs(), spaced=st.booleans(), prefix=_prefixes, suffix=_suffixes)
def test_fnr_never_survives_whatever_text_surrounds_it(fnr: str, spaced: bool, prefix: str, suffix: str) -> None:
    shown = f"{fnr[:6]} {fnr[6:]}" if spaced else fnr
    text = prefix + shown + suffix
    stream = _configured()

    structlog.get_logger().info(text, detalj=text, liste=[{"felt": text}])
    logging.getLogger("library").warning("%s", text)

    _assert_absent(stream, shown, fnr)


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])  # restore_logging only resets at the end
@given(fnr=synthetic_fnrs().filter(lambda fnr: not fnr.startswith("0")))
def test_fnr_as_an_int_never_survives(fnr: str) -> None:
    stream = _configured()

    structlog.get_logger().info("tall", person=int(fnr), personer=[int(fnr)])

    _assert_absent(stream, fnr)


def test_fnr_with_leading_zero_as_an_int_is_redacted(stream: io.StringIO) -> None:
    structlog.get_logger().info("tall", person=int(FNR_LEADING_ZERO))

    _assert_absent(stream, FNR_LEADING_ZERO.lstrip("0"))


def test_fnr_used_as_a_dict_key_is_redacted(stream: io.StringIO) -> None:
    structlog.get_logger().info("per person", antall={FNR: 2, int(D_NUMBER): 1})

    _assert_absent(stream, FNR, D_NUMBER)


class _Plan(BaseModel):
    id: str
    tekst: str


def test_free_text_inside_a_logged_model_is_redacted(stream: io.StringIO) -> None:
    structlog.get_logger().info("plan", plan=_Plan(id="plan-1", tekst=FREE_TEXT))

    _assert_absent(stream, FREE_TEXT)


def test_faststream_events_pass_the_redactor(stream: io.StringIO) -> None:
    logging.getLogger(faststream.__name__).error("handler failed for %s", FNR)

    (line,) = _lines(stream)
    assert line["logger_name"] == "faststream"
    _assert_absent(stream, FNR)


@pytest.mark.parametrize("library", ["aiosqlite", "sqlalchemy.engine", "httpcore"])
def test_libraries_that_log_statements_with_their_parameters_stay_quiet_at_debug(library: str) -> None:
    # aiosqlite logs every INSERT with its values at DEBUG: a stored NAV view would reach the log whole.
    stream = _configured("DEBUG")
    logging.getLogger(library).debug("INSERT INTO t VALUES (?) %s", ("CANARY-diagnose",))
    logging.getLogger("sykmeldingsflyt.test").debug("our own debug line")

    assert "CANARY" not in stream.getvalue()
    assert "our own debug line" in stream.getvalue()
