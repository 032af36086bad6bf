"""Time as a port: the domain asks a Clock, so tests and replays can run on a virtual one.

Instants are tz-aware UTC; calendar days are Norwegian (Europe/Oslo), because every legal deadline
in sick-leave follow-up is a Norwegian calendar day: a message sent at 00:30 in Oslo on day 112 is
22:30 UTC on day 111, and must count as day 112.
"""

from datetime import UTC, date, datetime, time, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

OSLO = ZoneInfo("Europe/Oslo")


def norwegian_date(instant: datetime) -> date:
    """The calendar day in Norway at `instant` (which must be tz-aware)."""
    if instant.tzinfo is None:
        raise ValueError("a naive datetime has no defined Norwegian date")
    return instant.astimezone(OSLO).date()


class Clock(Protocol):
    def today(self) -> date:
        """The current calendar day in Norway."""
        ...

    def now(self) -> datetime:
        """The current instant, tz-aware UTC."""
        ...


class SystemClock:
    """The wall clock; the only place in the domain package that reads it."""

    def now(self) -> datetime:
        return datetime.now(UTC)

    def today(self) -> date:
        return norwegian_date(self.now())


class VirtualClock:
    """A clock that moves only when told to: for tests, replays and benchmarks."""

    def __init__(self, now: datetime) -> None:
        self.set(now)

    @classmethod
    def on(cls, day: date) -> "VirtualClock":
        """A clock at noon in Oslo on `day`: whole-day advances then never cross a date line at DST."""
        return cls(datetime.combine(day, time(12), tzinfo=OSLO))

    def set(self, now: datetime) -> None:
        if now.tzinfo is None:
            raise ValueError("VirtualClock needs a tz-aware datetime")
        self._now = now.astimezone(UTC)

    def advance(self, days: int) -> None:
        self._now += timedelta(days=days)

    def now(self) -> datetime:
        return self._now

    def today(self) -> date:
        return norwegian_date(self._now)
