"""Calendar arithmetic the rules share, with the conventions NAV's Java code has.

Java's `plusMonths`/`plusYears` clamp to the month's last day (31 January + 1 month = 28 or 29
February); `add_months` does the same, so the thresholds fall on the days NAV's fall on.
"""

from calendar import monthrange
from datetime import date

_SATURDAY = 5


def add_months(day: date, months: int) -> date:
    month_index = day.year * 12 + day.month - 1 + months
    year, month = divmod(month_index, 12)
    last_day = monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last_day))


def add_years(day: date, years: int) -> date:
    return add_months(day, 12 * years)


def has_weekday_between(first: date, last: date) -> bool:
    """Whether a Monday-Friday lies strictly between `first` and `last`."""
    days_between = (last - first).days - 1
    if days_between <= 0:
        return False
    # Of any three consecutive days at most two are a weekend.
    if days_between >= 3:
        return True
    return any((first.weekday() + offset) % 7 < _SATURDAY for offset in range(1, days_between + 1))
