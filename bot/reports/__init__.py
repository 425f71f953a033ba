"""The CoE lead's reports: one neutral model (bot.reports.model), computed from the database.

    from bot.reports import Reports, ReportError, is_coe, render_text
    reports = Reports(db, directory, clock)
    await reports.report("90d", "engineering")   # also pending(), gaps(), rules(corpus), spokes(),
                                                 # digest(), export(period, "csv"|"jsonl")
    png = render_png(report.charts[0])           # bot.reports.chart: matplotlib, loaded only here
"""

from __future__ import annotations

from bot.reports.access import is_coe, refuse
from bot.reports.export import ExportFile
from bot.reports.jobs import claim_digest, digest_due
from bot.reports.model import Chart, Figure, Report, Section, Table, Trend, WeekPoint
from bot.reports.period import Period, PeriodError, parse_period
from bot.reports.service import ReportError, Reports
from bot.reports.text import render_text

__all__ = ["Chart", "ExportFile", "Figure", "Period", "PeriodError", "Report", "ReportError", "Reports", "Section",
           "Table", "Trend", "WeekPoint", "claim_digest", "digest_due", "is_coe", "parse_period", "refuse",
           "render_text"]
