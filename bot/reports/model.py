"""The neutral report model: what the reports say, before any platform draws it.

A `Report` is a list of sections; a section holds figures (a number with its
unit and its change against the previous period), tables and notes. Charts are
data (weekly series), not pictures: `bot.reports.chart.render_png` draws one
when an adapter or the CLI asks for it. Slack, Teams, the web chat and the
terminal each render this model their own way.
"""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict


class Neutral(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Trend(Neutral):
    """The same figure in the previous period of equal length."""

    previous: float | None
    change: float | None = None        # current - previous
    change_pct: float | None = None    # relative change, None when the previous figure is 0 or missing

    @classmethod
    def of(cls, current: float | None, previous: float | None) -> Trend:
        if current is None or previous is None:
            return cls(previous=previous)
        pct = None if previous == 0 else round((current - previous) / previous * 100, 1)
        return cls(previous=previous, change=round(current - previous, 2), change_pct=pct)


class Figure(Neutral):
    key: str                          # stable id, e.g. "checks"; adapters and tests look figures up by it
    label: str
    value: float | None               # None: nothing to measure (e.g. no decisions, no median)
    unit: str = ""                    # "", "h", "%", "people"
    trend: Trend | None = None

    def change_label(self) -> str:
        """" (+3, +50% vs previous period)", or "" when there is no change to show."""
        t = self.trend
        if t is None or t.change is None or t.change == 0:
            return ""
        sign = "+" if t.change > 0 else "−"
        pct = f", {sign}{abs(t.change_pct):.0f}%" if t.change_pct is not None else ""
        return f" ({sign}{abs(t.change):,.4g}{pct} vs previous period)"

    def display(self) -> str:
        if self.value is None:
            return "—"
        if self.unit == "h":
            return f"{self.value:.1f} h"
        if self.unit == "%":
            return f"{self.value:.0f}%"
        return f"{self.value:,.0f}" if float(self.value).is_integer() else f"{self.value:,.1f}"


class Table(Neutral):
    key: str
    title: str
    columns: tuple[str, ...]
    rows: tuple[tuple[str | int | float | None, ...], ...] = ()
    empty: str = "Nothing to show."   # what to say when there are no rows


class Section(Neutral):
    key: str
    title: str
    figures: tuple[Figure, ...] = ()
    tables: tuple[Table, ...] = ()
    notes: tuple[str, ...] = ()


class WeekPoint(Neutral):
    week: date                        # the Monday that starts the week
    allow: int = 0
    review: int = 0
    block: int = 0
    median_decision_hours: float | None = None


class Chart(Neutral):
    """Weekly volume by verdict (stacked bars) and median time to decision (line, hours)."""

    key: str = "weekly"
    title: str
    points: tuple[WeekPoint, ...] = ()


class PeriodInfo(Neutral):
    label: str                        # as asked: "30d", "quarter", "2026-01-01..2026-03-31"
    start: datetime                   # inclusive
    end: datetime                     # exclusive
    previous_start: datetime
    previous_end: datetime


class Report(Neutral):
    kind: str                         # report | pending | gaps | rules | spokes | digest
    title: str
    generated_at: datetime
    period: PeriodInfo | None = None
    department: str = ""              # department id, "" for the whole company
    summary: str = ""                 # one sentence a chat preview can show
    sections: tuple[Section, ...] = ()
    charts: tuple[Chart, ...] = ()

    def figure(self, key: str) -> Figure:
        for section in self.sections:
            for fig in section.figures:
                if fig.key == key:
                    return fig
        raise KeyError(key)

    def table(self, key: str) -> Table:
        for section in self.sections:
            for tab in section.tables:
                if tab.key == key:
                    return tab
        raise KeyError(key)

    def section(self, key: str) -> Section:
        for section in self.sections:
            if section.key == key:
                return section
        raise KeyError(key)
