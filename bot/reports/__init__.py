"""The CoE lead's reports: one neutral model (bot.reports.model), computed from the database.

    from bot.reports import Reports, ReportError, is_coe, render_text
    reports = Reports(db, directory, clock)
    await reports.report("90d", "engineering")   # also pending(), gaps(), rules(corpus), spokes(),
                                                 # digest(), export(period, "csv"|"jsonl")
    png = render_png(report.charts[0])           # bot.reports.chart: matplotlib, loaded only here
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

# Loaded on first use, so that `bot.replies` can import the report model without the queries,
# the database stack or matplotlib (a `steward check` never needs them).
_WHERE = {
    "is_coe": "access", "refuse": "access", "ExportFile": "export", "claim_digest": "jobs",
    "digest_due": "jobs", "Chart": "model", "Figure": "model", "Report": "model", "Section": "model",
    "Table": "model", "Trend": "model", "WeekPoint": "model", "Period": "period", "PeriodError": "period",
    "parse_period": "period", "ReportError": "service", "Reports": "service", "render_text": "text",
}


def __getattr__(name: str) -> Any:
    if name not in _WHERE:
        raise AttributeError(f"module 'bot.reports' has no attribute {name!r}")
    return getattr(import_module(f"bot.reports.{_WHERE[name]}"), name)


__all__ = ["Chart", "ExportFile", "Figure", "Period", "PeriodError", "Report", "ReportError", "Reports", "Section",
           "Table", "Trend", "WeekPoint", "claim_digest", "digest_due", "is_coe", "parse_period", "refuse",
           "render_text"]
