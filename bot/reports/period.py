"""Report periods: `7d`, `30d`, `90d` (any `Nd` or `Nw`), `quarter`, or `YYYY-MM-DD..YYYY-MM-DD`.

A period is a half-open UTC interval [start, end). `Nd` ends now; `quarter` is
the calendar quarter so far; a date range includes both dates. The previous
period is the interval of the same length just before, so changes compare like
with like.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from bot.clock import as_utc
from bot.reports.model import PeriodInfo

_RELATIVE = re.compile(r"^(\d{1,4})\s*([dw])$")
_RANGE = re.compile(r"^(\d{4}-\d{2}-\d{2})\s*\.\.\s*(\d{4}-\d{2}-\d{2})$")
MAX_DAYS = 3660
HELP = "write 7d, 30d, 90d, quarter, or a date range like 2026-01-01..2026-03-31"


class PeriodError(ValueError):
    """A period we cannot read, with a message that says what to write instead."""


@dataclass(frozen=True, slots=True)
class Period:
    label: str
    start: datetime
    end: datetime

    @property
    def length(self) -> timedelta:
        return self.end - self.start

    def previous(self) -> Period:
        return Period(f"before {self.label}", self.start - self.length, self.start)

    def info(self) -> PeriodInfo:
        prev = self.previous()
        return PeriodInfo(label=self.label, start=self.start, end=self.end,
                          previous_start=prev.start, previous_end=prev.end)

    def describe(self) -> str:
        last = (self.end - timedelta(microseconds=1)).date()
        return f"{self.start.date().isoformat()} to {last.isoformat()}"


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise PeriodError(f"'{text}' is not a date (YYYY-MM-DD); {HELP}") from None


def parse_period(text: str | None, now: datetime, *, default: str = "30d") -> Period:
    """The period `text` names, ending at `now` where it is relative; PeriodError when unreadable."""
    now = as_utc(now)
    raw = (text or default).strip().lower()
    match = _RELATIVE.match(raw)
    if match:
        days = int(match.group(1)) * (7 if match.group(2) == "w" else 1)
        if not 1 <= days <= MAX_DAYS:
            raise PeriodError(f"'{text}' is out of range: a period is 1 to {MAX_DAYS} days")
        return Period(raw, now - timedelta(days=days), now)
    if raw in ("quarter", "q"):
        first_month = (now.month - 1) // 3 * 3 + 1
        start = datetime(now.year, first_month, 1, tzinfo=UTC)
        return Period(f"quarter (Q{(first_month - 1) // 3 + 1} {now.year} so far)", start, now)
    match = _RANGE.match(raw)
    if match:
        first, last = _day(match.group(1)), _day(match.group(2))
        if last < first:
            raise PeriodError(f"'{text}' ends before it starts; put the earlier date first")
        if (last - first).days + 1 > MAX_DAYS:
            raise PeriodError(f"'{text}' is longer than {MAX_DAYS} days")
        return Period(raw, datetime.combine(first, time(), UTC), datetime.combine(last + timedelta(days=1), time(), UTC))
    raise PeriodError(f"'{text}' is not a period I know; {HELP}")


def week_start(moment: datetime) -> datetime:
    """Monday 00:00 UTC of the week containing `moment`."""
    day = as_utc(moment).date()
    return datetime.combine(day - timedelta(days=day.weekday()), time(), UTC)
