"""Calendar arithmetic with Java's conventions."""

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sykmeldingsflyt.domain.rules.datemath import add_months, add_years, has_weekday_between

DAYS = st.dates(min_value=date(1900, 1, 1), max_value=date(2100, 12, 31))


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (date(2026, 1, 31), 1, date(2026, 2, 28)),
        (date(2028, 1, 31), 1, date(2028, 2, 29)),
        (date(2026, 3, 31), 1, date(2026, 4, 30)),
        (date(2026, 12, 15), 1, date(2027, 1, 15)),
        (date(2026, 1, 15), -1, date(2025, 12, 15)),
    ],
)
def test_add_months_clamps_to_the_last_day_of_the_month(day: date, months: int, expected: date) -> None:
    assert add_months(day, months) == expected


def test_add_years_from_a_leap_day() -> None:
    assert add_years(date(2024, 2, 29), -3) == date(2021, 2, 28)
    assert add_years(date(2024, 2, 29), 4) == date(2028, 2, 29)


@given(DAYS, st.integers(min_value=-3, max_value=40))
def test_has_weekday_between_counts_the_days_strictly_between(first: date, span: int) -> None:
    last = first + timedelta(days=span)
    between = (first + timedelta(days=offset) for offset in range(1, span))
    assert has_weekday_between(first, last) == any(day.weekday() < 5 for day in between)
