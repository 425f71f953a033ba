"""Time, passed in rather than read ad hoc, so SLA logic can be tested.

Every timestamp Steward stores is timezone-aware UTC. Code that needs "now"
takes a `Clock`; production uses `SystemClock`, tests `FixedClock` or
`ManualClock` (which moves only when told to).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Protocol, runtime_checkable


@runtime_checkable
class Clock(Protocol):
    def now(self) -> datetime:
        """The current time, timezone-aware UTC."""
        ...


def as_utc(moment: datetime) -> datetime:
    """An aware UTC datetime; a naive one (as SQLite returns) is taken to be UTC already."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class FixedClock:
    """Always the same moment."""

    def __init__(self, moment: datetime) -> None:
        self._moment = as_utc(moment)

    def now(self) -> datetime:
        return self._moment


class ManualClock:
    """A clock a test moves forward by hand; by default each `now()` also ticks one microsecond
    so that successive events keep a strict order."""

    def __init__(self, start: datetime | None = None, *, tick: timedelta = timedelta(microseconds=1)) -> None:
        self._moment = as_utc(start or datetime(2026, 1, 5, 9, 0, tzinfo=UTC))
        self._tick = tick

    def now(self) -> datetime:
        current = self._moment
        self._moment = current + self._tick
        return current

    def advance(self, delta: timedelta | None = None, **kwargs: float) -> datetime:
        """Move forward by `delta` or by keyword units (hours=4, days=1); returns the new time."""
        step = delta if delta is not None else timedelta(**kwargs)
        if step < timedelta(0):
            raise ValueError("a clock does not go backwards")
        self._moment += step
        return self._moment

    def set(self, moment: datetime) -> None:
        self._moment = as_utc(moment)
