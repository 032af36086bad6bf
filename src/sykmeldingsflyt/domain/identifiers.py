"""Identifiers (docs/domain.md §1): fnr, orgnr, UUID message ids, and error reports that never echo them.

An fnr is personal data. Every error raised here names the rule that failed and never the value, and
`safe_errors` turns a pydantic `ValidationError` into the same kind of report, for kvitteringer and logs.
"""

import operator
import random
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Annotated

from pydantic import AfterValidator, ValidationError
from pydantic_core import PydanticCustomError

FNR_LENGTH = 11
ORGNR_LENGTH = 9

_FNR_WEIGHTS_1 = (3, 7, 6, 1, 8, 9, 4, 5, 2)
_FNR_WEIGHTS_2 = (5, 4, 3, 2, 7, 6, 5, 4, 3, 2)
_ORGNR_WEIGHTS = (3, 2, 7, 6, 5, 4, 3, 2)
_ZERO = ord("0")
_D_NUMBER_DAY_OFFSET = 40
_H_NUMBER_MONTH_OFFSET = 40  # also the mark of NAV's own synthetic test persons
_TENOR_MONTH_OFFSET = 80
_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
# A path element that is a map key comes from the sender and could be an fnr or orgnr.
_IDENTIFIER_LIKE = re.compile(r"\d{9,}")


class IdentifierError(ValueError):
    """An identifier broke a rule. The message names the rule, never the value."""


def _is_ascii_digits(value: str, length: int) -> bool:
    # str.isdigit alone accepts other scripts' digits, which int() would then silently convert.
    return len(value) == length and value.isascii() and value.isdigit()


def _mod11_check_digit(digits: str, weights: tuple[int, ...]) -> int | None:
    # `digits` are ASCII digits (the callers check): weighing their codes and taking the code of "0" off once
    # per weight costs a third of int() per digit, and every fnr in every message passes here, several times.
    remainder = (sum(map(operator.mul, weights, digits.encode("ascii"))) - _ZERO * sum(weights)) % 11
    check = (11 - remainder) % 11
    return None if check == 10 else check


def fnr_check_digits(first_nine: str) -> str | None:
    """The two check digits for an fnr's first nine digits, or None when no fnr can start with them."""
    if not _is_ascii_digits(first_nine, 9):
        raise IdentifierError("fnr must start with 9 digits")
    first = _mod11_check_digit(first_nine, _FNR_WEIGHTS_1)
    if first is None:
        return None
    second = _mod11_check_digit(first_nine + str(first), _FNR_WEIGHTS_2)
    if second is None:
        return None
    return f"{first}{second}"


def _birth_year(two_digit_year: int, individual_number: int) -> int | None:
    # The individual number range tells the century, as the National Registry allocates them.
    if individual_number < 500:
        return 1900 + two_digit_year
    if individual_number < 750 and two_digit_year >= 54:
        return 1800 + two_digit_year
    if two_digit_year < 40:
        return 2000 + two_digit_year
    if individual_number >= 900:
        return 1900 + two_digit_year
    return None


def fnr_birth_date(fnr: str) -> date:
    """The birth date an fnr encodes, for ordinary, D-, H-, NAV-synthetic and Tenor-synthetic numbers."""
    if not _is_ascii_digits(fnr, FNR_LENGTH):
        raise IdentifierError("fnr must be 11 digits")
    day, month = int(fnr[0:2]), int(fnr[2:4])
    if day > _D_NUMBER_DAY_OFFSET:
        day -= _D_NUMBER_DAY_OFFSET
    if month > _TENOR_MONTH_OFFSET:
        month -= _TENOR_MONTH_OFFSET
    elif month > _H_NUMBER_MONTH_OFFSET:
        month -= _H_NUMBER_MONTH_OFFSET
    year = _birth_year(int(fnr[4:6]), int(fnr[6:9]))
    if year is None:
        raise IdentifierError("fnr individual number fits no birth century")
    try:
        return date(year, month, day)
    except ValueError:
        raise IdentifierError("fnr does not contain a valid birth date") from None


def validate_fnr(value: str) -> str:
    """Return `value` if it is a well-formed fnr, else raise IdentifierError naming the broken rule."""
    if not _is_ascii_digits(value, FNR_LENGTH):
        raise IdentifierError("fnr must be 11 digits")
    if fnr_check_digits(value[:9]) != value[9:]:
        raise IdentifierError("fnr check digit does not match")
    fnr_birth_date(value)
    return value


def is_valid_fnr(value: str) -> bool:
    try:
        validate_fnr(value)
    except IdentifierError:
        return False
    return True


def _individual_numbers(year: int) -> list[int]:
    # The ranges the National Registry allocates per birth century (the inverse of _birth_year).
    if 1854 <= year <= 1899:
        return list(range(500, 750))
    if 1900 <= year <= 1999:
        late_century = range(900, 1000) if year % 100 >= 40 else range(0)
        return [*range(500), *late_century]
    if 2000 <= year <= 2039:
        return list(range(500, 1000))
    raise ValueError("an fnr can encode birth years 1854 to 2039 only")


def synthetic_fnr(birth_date: date, rng: random.Random) -> str:
    """A valid fnr for `birth_date` with month + 80, the Tax Administration's marker for test persons.

    No real person has such a number, so it is safe anywhere: tests, demos, benchmarks.
    """
    individual_numbers = _individual_numbers(birth_date.year)
    prefix = f"{birth_date.day:02d}{birth_date.month + _TENOR_MONTH_OFFSET:02d}{birth_date.year % 100:02d}"
    while True:
        first_nine = f"{prefix}{rng.choice(individual_numbers):03d}"
        check_digits = fnr_check_digits(first_nine)
        if check_digits is not None:
            return first_nine + check_digits


def orgnr_check_digit(first_eight: str) -> str | None:
    """The check digit for an orgnr's first eight digits, or None when no orgnr can start with them."""
    if not _is_ascii_digits(first_eight, 8):
        raise IdentifierError("orgnr must start with 8 digits")
    check = _mod11_check_digit(first_eight, _ORGNR_WEIGHTS)
    return None if check is None else str(check)


def validate_orgnr(value: str) -> str:
    """Return `value` if it is a well-formed orgnr, else raise IdentifierError naming the broken rule."""
    if not _is_ascii_digits(value, ORGNR_LENGTH):
        raise IdentifierError("orgnr must be 9 digits")
    if orgnr_check_digit(value[:8]) != value[8:]:
        raise IdentifierError("orgnr check digit does not match")
    return value


def is_valid_orgnr(value: str) -> bool:
    try:
        validate_orgnr(value)
    except IdentifierError:
        return False
    return True


def _validate_uuid(value: str) -> str:
    if not _UUID.fullmatch(value):
        raise IdentifierError("id must be a UUID (8-4-4-4-12 hexadecimal digits)")
    return value


def _as_pydantic_rule(check: Callable[[str], str], error_type: str) -> AfterValidator:
    def run(value: str) -> str:
        try:
            return check(value)
        except IdentifierError as error:
            # A custom error carries only our rule text, without pydantic's "Value error, " prefix.
            raise PydanticCustomError(error_type, str(error)) from None

    return AfterValidator(run)


Fnr = Annotated[str, _as_pydantic_rule(validate_fnr, "fnr")]
"""A fødselsnummer or D-number (real or synthetic); invalid values fail without being echoed."""

Orgnr = Annotated[str, _as_pydantic_rule(validate_orgnr, "orgnr")]
"""An organisation number (Enhetsregisteret): 9 digits, mod-11 check digit."""

Uuid = Annotated[str, _as_pydantic_rule(_validate_uuid, "uuid")]
"""A message or entity id in canonical UUID text form, kept exactly as the sender wrote it."""


@dataclass(frozen=True, slots=True)
class FieldError:
    """One validation failure: where (a dotted path of wire names), which check, and why."""

    field: str
    code: str
    message: str


def _path(loc: tuple[int | str, ...]) -> str:
    path = ""
    for element in loc:
        if isinstance(element, int):
            path += f"[{element}]"
        else:
            name = "<redacted>" if _IDENTIFIER_LIKE.search(element) else element
            path += f".{name}" if path else name
    return path


def safe_errors(exc: ValidationError) -> list[FieldError]:
    """The errors of `exc` without the input values pydantic would otherwise include."""
    return [
        FieldError(field=_path(error["loc"]), code=error["type"], message=error["msg"])
        for error in exc.errors(include_url=False, include_context=False, include_input=False)
    ]
