import random
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError
from stdnum.no import fodselsnummer as stdnum_fnr
from stdnum.no import orgnr as stdnum_orgnr

from sykmeldingsflyt.domain.identifiers import (
    FieldError,
    IdentifierError,
    fnr_birth_date,
    fnr_check_digits,
    is_valid_fnr,
    is_valid_orgnr,
    orgnr_check_digit,
    safe_errors,
    synthetic_fnr,
    validate_fnr,
    validate_orgnr,
)
from sykmeldingsflyt.domain.sykmelding import ReceivedSykmelding, SporsmalSvar
from sykmeldingsflyt.synthetic import (
    DEMO_ARBEIDSGIVER,
    DEMO_BEHANDLER,
    DEMO_LEGEKONTOR,
    make_sykmelding,
    synthetic_orgnr,
)
from tests.strategies import fnrs

birth_dates = st.dates(min_value=date(1854, 1, 1), max_value=date(2039, 12, 31))
rngs = st.randoms(use_true_random=False)


def _with_check_digits(first_nine: str) -> str | None:
    check_digits = fnr_check_digits(first_nine)
    return None if check_digits is None else first_nine + check_digits


def _shift(fnr: str, *, day: int = 0, month: int = 0) -> str | None:
    """`fnr` with day and month moved, as D- and H-numbers do, and the check digits recomputed."""
    first_nine = f"{int(fnr[0:2]) + day:02d}{int(fnr[2:4]) + month:02d}{fnr[4:9]}"
    return _with_check_digits(first_nine)


# --- fnr -------------------------------------------------------------------------------------------


@given(birth_dates, rngs)
def test_synthetic_fnr_is_valid_marked_and_encodes_the_birth_date(born: date, rng: random.Random) -> None:
    fnr = synthetic_fnr(born, rng)

    assert validate_fnr(fnr) == fnr
    assert int(fnr[2:4]) == born.month + 80
    assert fnr_birth_date(fnr) == born


@given(birth_dates, rngs)
def test_synthetic_fnr_is_deterministic_for_a_seeded_rng(born: date, rng: random.Random) -> None:
    seed = rng.random()
    assert synthetic_fnr(born, random.Random(seed)) == synthetic_fnr(born, random.Random(seed))


@given(fnrs())
def test_a_synthetic_d_number_is_valid(fnr: str) -> None:
    d_number = _shift(fnr, day=40)
    if d_number is not None:
        assert is_valid_fnr(d_number)
        assert fnr_birth_date(d_number) == fnr_birth_date(fnr)


@given(fnrs())
def test_a_nav_synthetic_number_month_plus_40_is_valid_and_dated_as_stdnum_dates_it(fnr: str) -> None:
    nav_synthetic = _shift(fnr, month=-40)
    if nav_synthetic is not None:
        assert is_valid_fnr(nav_synthetic)
        assert fnr_birth_date(nav_synthetic) == stdnum_fnr.get_birth_date(nav_synthetic)


@given(st.from_regex(r"[0-9]{9}", fullmatch=True))
def test_check_digits_agree_with_stdnum(first_nine: str) -> None:
    first = stdnum_fnr.calc_check_digit1(first_nine)
    second = stdnum_fnr.calc_check_digit2(first_nine + first) if len(first) == 1 else "10"
    expected = None if "10" in (first, second) else first + second
    assert fnr_check_digits(first_nine) == expected


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("1234567890", "fnr must be 11 digits"),
        ("123456789012", "fnr must be 11 digits"),
        ("1234567890a", "fnr must be 11 digits"),
        ("١٢٣٤٥٦٧٨٩٠١", "fnr must be 11 digits"),
        (" 1234567890", "fnr must be 11 digits"),
    ],
)
def test_malformed_fnr_is_rejected_by_rule(value: str, message: str) -> None:
    with pytest.raises(IdentifierError, match=f"^{message}$"):
        validate_fnr(value)


@given(fnrs(), st.integers(min_value=1, max_value=9))
def test_a_changed_check_digit_is_rejected(fnr: str, change: int) -> None:
    for position in (9, 10):
        altered = fnr[:position] + str((int(fnr[position]) + change) % 10) + fnr[position + 1 :]
        with pytest.raises(IdentifierError, match=r"^fnr check digit does not match$"):
            validate_fnr(altered)


def test_a_number_with_correct_check_digits_but_no_such_day_is_rejected() -> None:
    no_such_day = next(
        fnr
        for individual in range(100, 500)
        if (fnr := _with_check_digits(f"328370{individual}")) is not None  # day 32 of month 3 + 80
    )
    with pytest.raises(IdentifierError, match=r"^fnr does not contain a valid birth date$"):
        validate_fnr(no_such_day)


def test_an_individual_number_outside_every_century_range_is_rejected() -> None:
    # 750-899 with a two-digit year of 40 or more belongs to no century.
    no_century = next(
        fnr for individual in range(750, 900) if (fnr := _with_check_digits(f"018150{individual}")) is not None
    )
    with pytest.raises(IdentifierError, match=r"^fnr individual number fits no birth century$"):
        validate_fnr(no_century)


@pytest.mark.parametrize("year", [1853, 2040])
def test_synthetic_fnr_refuses_a_year_no_fnr_can_encode(year: int) -> None:
    with pytest.raises(ValueError, match="1854 to 2039"):
        synthetic_fnr(date(year, 1, 1), random.Random(0))


# --- orgnr -----------------------------------------------------------------------------------------


@given(rngs)
def test_synthetic_orgnr_is_valid_and_outside_the_real_ranges(rng: random.Random) -> None:
    orgnr = synthetic_orgnr(rng)
    assert validate_orgnr(orgnr) == orgnr
    assert stdnum_orgnr.is_valid(orgnr)
    assert orgnr[0] not in "89"


@given(st.from_regex(r"[0-9]{9}", fullmatch=True))
def test_orgnr_validation_agrees_with_stdnum(value: str) -> None:
    assert is_valid_orgnr(value) == stdnum_orgnr.is_valid(value)


@given(st.from_regex(r"[0-9]{8}", fullmatch=True))
def test_orgnr_check_digit_completes_a_valid_orgnr(first_eight: str) -> None:
    check_digit = orgnr_check_digit(first_eight)
    assert check_digit is None or is_valid_orgnr(first_eight + check_digit)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("31100000", "orgnr must be 9 digits"),
        ("3110000040", "orgnr must be 9 digits"),
        ("31100000x", "orgnr must be 9 digits"),
        ("311000005", "orgnr check digit does not match"),
    ],
)
def test_malformed_orgnr_is_rejected_by_rule(value: str, message: str) -> None:
    with pytest.raises(IdentifierError, match=f"^{message}$"):
        validate_orgnr(value)


# --- no error ever echoes the value ----------------------------------------------------------------

suspicious_values = st.from_regex(r"[0-9]{8,12}", fullmatch=True) | st.text(min_size=5, max_size=20)


@given(suspicious_values)
def test_identifier_errors_never_contain_the_value(value: str) -> None:
    for validate in (validate_fnr, validate_orgnr):
        try:
            validate(value)
        except IdentifierError as error:
            assert value not in str(error)


@given(suspicious_values)
def test_a_rejected_fnr_is_in_neither_the_validation_error_nor_the_safe_errors(value: str) -> None:
    wire = make_sykmelding(random.Random(0), fom=date(2026, 1, 5)).to_wire()
    wire["pasientFnr"] = value
    if is_valid_fnr(value):
        return
    with pytest.raises(ValidationError) as raised:
        ReceivedSykmelding.model_validate(wire)

    assert value not in str(raised.value)
    assert value not in repr(raised.value)
    errors = safe_errors(raised.value)
    assert errors[0].field == "pasientFnr"
    assert all(value not in f"{error.field} {error.code} {error.message}" for error in errors)


def test_safe_errors_name_the_field_by_wire_path_and_the_rule() -> None:
    wire = make_sykmelding(random.Random(0), fom=date(2026, 1, 5)).to_wire()
    sykmelding = wire["sykmelding"]
    assert isinstance(sykmelding, dict)
    sykmelding["behandler"] = {**sykmelding["behandler"], "fnr": "17857233116"}
    sykmelding["perioder"] = [{**sykmelding["perioder"][0], "fom": "not a date"}]

    with pytest.raises(ValidationError) as raised:
        ReceivedSykmelding.model_validate(wire)

    assert sorted(safe_errors(raised.value), key=lambda error: error.field) == [
        FieldError(field="sykmelding.behandler.fnr", code="fnr", message="fnr check digit does not match"),
        FieldError(
            field="sykmelding.perioder[0].fom",
            code="date_from_datetime_parsing",
            message="Input should be a valid date or datetime, invalid character in year",
        ),
    ]


def test_safe_errors_redact_a_map_key_that_looks_like_an_identifier() -> None:
    with pytest.raises(ValidationError) as raised:
        SporsmalSvar.model_validate({"sporsmal": "?", "svar": "!", "restriksjoner": ["NOT_A_FLAG"]})
    assert safe_errors(raised.value)[0].field == "restriksjoner[0]"

    wire = make_sykmelding(random.Random(0), fom=date(2026, 1, 5)).to_wire()
    sykmelding = wire["sykmelding"]
    assert isinstance(sykmelding, dict)
    sykmelding["utdypendeOpplysninger"] = {"17857233115": {"6.2.1": {"sporsmal": "?"}}}

    with pytest.raises(ValidationError) as raised:
        ReceivedSykmelding.model_validate(wire)

    assert {error.field for error in safe_errors(raised.value)} == {
        "sykmelding.utdypendeOpplysninger.<redacted>.6.2.1.svar"
    }


def test_a_uuid_field_rejects_anything_else() -> None:
    wire = make_sykmelding(random.Random(0), fom=date(2026, 1, 5)).to_wire()
    wire["msgId"] = "msg-1"
    with pytest.raises(ValidationError) as raised:
        ReceivedSykmelding.model_validate(wire)
    assert safe_errors(raised.value) == [
        FieldError(field="msgId", code="uuid", message="id must be a UUID (8-4-4-4-12 hexadecimal digits)")
    ]


# --- the fixed demo values -------------------------------------------------------------------------


def test_demo_identifiers_are_valid_and_synthetic() -> None:
    assert is_valid_fnr(DEMO_BEHANDLER.fnr)
    assert int(DEMO_BEHANDLER.fnr[2:4]) > 80
    for orgnr in (DEMO_LEGEKONTOR.orgnr, DEMO_ARBEIDSGIVER.orgnummer, DEMO_ARBEIDSGIVER.juridisk_orgnummer):
        assert is_valid_orgnr(orgnr)
        assert orgnr.startswith("3")
    assert DEMO_ARBEIDSGIVER.orgnummer != DEMO_ARBEIDSGIVER.juridisk_orgnummer
