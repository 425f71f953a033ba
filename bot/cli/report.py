"""`steward report show|pending|gaps|rules|spokes|digest|export` and `steward policies replay`.

The CLI runs with database access, so it is an operator's tool: no CoE role
check (chat commands check it through `bot.reports.is_coe`).
"""

from __future__ import annotations

import sys
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, TypeVar

import typer
from rich.console import Console
from rich.table import Table as RichTable

from bot.cli.app import app, policies_app
from bot.cli.common import corpus_or_exit, fail
from bot.cli.workflow import CorpusOpt, directory_or_exit, with_database
from bot.reports.model import Report
from bot.reports.text import cell, change

if TYPE_CHECKING:
    from bot.reports.service import Reports
    from bot.store.database import Database

T = TypeVar("T")
report_app = typer.Typer(help="The CoE lead's reports: activity, approvals, gaps, rules, spokes, digest, export.",
                         no_args_is_help=True)
app.add_typer(report_app, name="report")

PeriodArg = Annotated[str, typer.Argument(help="7d, 30d, 90d (any Nd or Nw), quarter, or YYYY-MM-DD..YYYY-MM-DD.")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print the report model as JSON.")]


def _run(corpus: Path | None, work: Callable[..., Awaitable[T]]) -> T:
    """Open the database, build the Reports service, run `work(reports)`; bad input exits 64 with the reason."""
    from bot.reports.service import ReportError, Reports

    directory = directory_or_exit(corpus)

    async def go(db: Database) -> T:
        return await work(Reports(db, directory))

    try:
        return with_database(go)
    except ReportError as exc:
        fail(str(exc))


def emit(report: Report, as_json: bool, console: Console | None = None) -> None:
    if as_json:
        typer.echo(report.model_dump_json(indent=2))
        return
    console = console or Console()
    console.print(f"[bold]{report.title}[/bold]")
    if report.summary:
        console.print(report.summary)
    for section in report.sections:
        if section.figures:
            figures = RichTable(title=section.title, title_justify="left", show_header=True)
            figures.add_column("Figure")
            figures.add_column("Value", justify="right")
            has_trend = any(f.trend is not None and f.trend.previous is not None for f in section.figures)
            if has_trend:
                figures.add_column("Previous", justify="right")
                figures.add_column("Change", justify="right")
            for fig in section.figures:
                row = [fig.label, fig.display()]
                if has_trend:
                    prev = fig.trend.previous if fig.trend else None
                    row += [cell(prev) if fig.unit != "h" or prev is None else f"{prev:.1f} h", change(fig)]
                figures.add_row(*row)
            console.print(figures)
        elif section.tables:
            console.print(f"[bold]{section.title}[/bold]")
        for table in section.tables:
            if not table.rows:
                console.print(f"{table.title}: {table.empty}")
                continue
            out = RichTable(title=table.title, title_justify="left")
            for i, column in enumerate(table.columns):
                numeric = any(isinstance(r[i], int | float) for r in table.rows)
                out.add_column(column, justify="right" if numeric else "left")
            for values in table.rows:
                out.add_row(*(cell(v) for v in values))
            console.print(out)
        for note in section.notes:
            console.print(f"[yellow]Note:[/yellow] {note}")


@report_app.command("show")
def show(period: PeriodArg = "30d",
         department: Annotated[str, typer.Option("--department", "-d", help="Department id or name.")] = "",
         chart: Annotated[Path | None, typer.Option("--chart", help="Write the weekly chart (PNG) here.")] = None,
         corpus: CorpusOpt = None, as_json: JsonOpt = False) -> None:
    """Checks, verdicts, questions, approvals, time to decision, SLA breaches, top rules, adoption."""
    async def work(reports: Reports) -> Report:
        return await reports.report(period, department)

    report = _run(corpus, work)
    emit(report, as_json)
    if chart is not None:
        from bot.reports.chart import render_png

        try:
            chart.write_bytes(render_png(report.charts[0]))
        except OSError as exc:
            fail(f"cannot write the chart to {chart}: {exc.strerror}")
        typer.echo(f"chart written to {chart}", err=True)


@report_app.command("pending")
def pending(corpus: CorpusOpt = None, as_json: JsonOpt = False) -> None:
    """Open submissions, oldest first: age, route, who is waited on, SLA state."""
    emit(_run(corpus, lambda r: r.pending()), as_json)


@report_app.command("gaps")
def gaps(period: PeriodArg = "90d", corpus: CorpusOpt = None, as_json: JsonOpt = False) -> None:
    """Questions Steward could not answer, grouped by similarity."""
    emit(_run(corpus, lambda r: r.gaps(period)), as_json)


@report_app.command("rules")
def rules(period: PeriodArg = "90d", corpus: CorpusOpt = None, as_json: JsonOpt = False) -> None:
    """Per rule: fired, disputed, overturned (override rate); rules that never fire."""
    loaded = corpus_or_exit(corpus)
    emit(_run(corpus, lambda r: r.rules(loaded, period)), as_json)


@report_app.command("spokes")
def spokes(period: PeriodArg = "30d", corpus: CorpusOpt = None, as_json: JsonOpt = False) -> None:
    """Per department: its social advisors, their votes and speed; departments with no advisor or activity."""
    emit(_run(corpus, lambda r: r.spokes(period)), as_json)


@report_app.command("digest")
def digest(corpus: CorpusOpt = None, as_json: JsonOpt = False) -> None:
    """The weekly digest: wins, overdue, top gaps (what the hub's channel gets on Mondays)."""
    emit(_run(corpus, lambda r: r.digest()), as_json)


@report_app.command("export")
def export(period: PeriodArg = "30d",
           fmt: Annotated[str, typer.Option("--format", "-f", help="csv or jsonl.")] = "csv",
           department: Annotated[str, typer.Option("--department", "-d")] = "",
           output: Annotated[Path | None, typer.Option("--output", "-o", help="File to write (default: stdout).")] = None,
           corpus: CorpusOpt = None) -> None:
    """Decisions in the period (one row per decided submission, with its votes) for compliance."""
    file = _run(corpus, lambda r: r.export(period, fmt, department))
    if output is None:
        sys.stdout.buffer.write(file.data)
        return
    try:
        output.write_bytes(file.data)
    except OSError as exc:
        fail(f"cannot write {output}: {exc.strerror}")
    typer.echo(f"{file.rows} decision(s) written to {output}", err=True)


@report_app.command("refresh")
def refresh() -> None:
    """Bring the daily roll-up up to yesterday now (the first report on a large database does it otherwise)."""
    from bot.clock import SystemClock
    from bot.reports.rollup import refresh as run_refresh

    until = with_database(lambda db: run_refresh(db, SystemClock().now()))
    typer.echo(f"roll-up complete up to {until:%Y-%m-%d %H:%M} UTC")


def _since(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.combine(date.fromisoformat(value), time(), UTC)
    except ValueError:
        fail(f"--since '{value}' is not a date; write YYYY-MM-DD")


@policies_app.command("replay")
def replay(corpus: Annotated[Path, typer.Option("--corpus", help="The new corpus folder to try.")],
           since: Annotated[str | None, typer.Option("--since", help="Only drafts sent on or after YYYY-MM-DD.")] = None,
           as_json: JsonOpt = False) -> None:
    """Re-check past drafts still retained under a new corpus; show which verdicts would change."""
    from bot.clock import SystemClock
    from bot.reports.replay import replay as run_replay

    loaded = corpus_or_exit(corpus)
    start = _since(since)
    report = with_database(lambda db: run_replay(db, loaded, SystemClock(), since=start))
    emit(report, as_json)

