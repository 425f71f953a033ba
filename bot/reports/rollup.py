"""Daily roll-ups: counts per (day, department) of checks by verdict, rules, categories and questions.

Years of history make a period's raw rows many; a period's *days* are few. Once
a UTC day is over, its counts never change (checks and questions are recorded
at the moment they happen), so `refresh` adds every day completed since the last
refresh to `report_daily` in one `INSERT … SELECT` per kind, and the reports
read whole days from there and only the partial days at a period's edges from
the raw tables. The first refresh of a large database does all of history once;
after that each refresh adds about a day. A watermark row (`report_watermark`),
locked while refreshing, makes replicas take turns: the second finds nothing
left to do.

Kinds and keys: verdict/<allow|review|block>, rule/<rule id>, category/<name>,
question/<answered|unanswered>; and people/<e-mail> per *week* (Monday) and
department — distinct people cannot be added up over days, but a period's
whole weeks hold far fewer (week, person) rows than raw checks.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from typing import Any

from sqlalchemy import Column, DateTime, Integer, String, case, func, insert, literal, select, true, union_all
from sqlalchemy.exc import IntegrityError
from sqlmodel import Field, SQLModel, col

from bot.clock import as_utc
from bot.reports.period import week_start
from bot.reports.sql import in_period, json_items, not_empty
from bot.store.database import Database
from bot.store.tables import CheckRecord, QuestionRecord

SETTLE = timedelta(hours=1)        # a day is rolled up once it has been over for this long
WATERMARK = "daily"
WEEKLY = "weekly"                  # people: distinct (week, department, person), for weeks that are over


class ReportDaily(SQLModel, table=True):
    __tablename__ = "report_daily"
    kind: str = Field(sa_column=Column(String(20), primary_key=True))
    day: datetime = Field(sa_column=Column(DateTime(timezone=True), primary_key=True))
    department: str = Field(sa_column=Column(String, primary_key=True))
    key: str = Field(sa_column=Column(String, primary_key=True))
    n: int = Field(sa_column=Column(Integer, nullable=False))


class ReportWatermark(SQLModel, table=True):
    """Days before `until` are in report_daily."""

    __tablename__ = "report_watermark"
    name: str = Field(sa_column=Column(String(40), primary_key=True))
    until: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))


def floor_day(moment: datetime) -> datetime:
    return datetime.combine(as_utc(moment).date(), time(), UTC)


def ceil_day(moment: datetime) -> datetime:
    day = floor_day(moment)
    return day if day == as_utc(moment) else day + timedelta(days=1)


def week_of(dialect: str, column: Any) -> Any:
    """The Monday 00:00 UTC starting the week of `column` (ISO weeks), in the column's storage format."""
    if dialect == "sqlite":
        return func.strftime("%Y-%m-%d 00:00:00.000000", column, "weekday 0", "-6 days")
    return func.date_trunc("week", column, "UTC")


def day_of(dialect: str, column: Any) -> Any:
    """The UTC midnight starting the day of `column`, in the column's own storage format."""
    if dialect == "sqlite":
        return func.strftime("%Y-%m-%d 00:00:00.000000", column)
    return func.date_trunc("day", column, "UTC")


@dataclass
class Pieces:
    """An interval cut into whole rolled-up days (read from report_daily) and raw edges."""

    daily: list[tuple[datetime, datetime]] = field(default_factory=list)
    raw: list[tuple[datetime, datetime]] = field(default_factory=list)


def cut(start: datetime, end: datetime, until: datetime | None, *, weeks: bool = False) -> Pieces:
    out = Pieces()
    if until is None:
        out.raw.append((start, end))
        return out
    if weeks:
        first, last = _ceil_week(start), min(week_start(end), until)
    else:
        first, last = ceil_day(start), min(floor_day(end), until)
    if first >= last:
        out.raw.append((start, end))
        return out
    out.daily.append((first, last))
    if start < first:
        out.raw.append((start, first))
    if last < end:
        out.raw.append((last, end))
    return out


def _ceil_week(moment: datetime) -> datetime:
    monday = week_start(moment)
    return monday if monday == as_utc(moment) else monday + timedelta(days=7)


async def rolled_until(db: Database, name: str = WATERMARK) -> datetime | None:
    async with db.reading() as session:
        return await watermark(session, name)


async def watermark(session: Any, name: str) -> datetime | None:
    row = await session.get(ReportWatermark, name)
    return as_utc(row.until) if row else None


async def refresh(db: Database, now: datetime) -> datetime:
    """Roll up every day completed since the last refresh; returns the new watermark."""
    target = floor_day(as_utc(now) - SETTLE)
    await _ensure_watermark(db, target)
    async with db.transaction() as session:
        stmt = db.lock(select(ReportWatermark).where(col(ReportWatermark.name) == WATERMARK))
        mark = (await session.execute(stmt.execution_options(populate_existing=True))).scalar_one()
        since = as_utc(mark.until)
        if since >= target:
            return since
        await _roll(session, db.dialect, since, target)
        mark.until = target
        weekly = await session.get(ReportWatermark, WEEKLY)
        week_target = week_start(target)          # weeks before the one containing `target` are over
        if weekly is None:
            weekly = ReportWatermark(name=WEEKLY, until=min(_ceil_week(since), week_target))
            session.add(weekly)
        if as_utc(weekly.until) < week_target:
            await _roll_people(session, db.dialect, as_utc(weekly.until), week_target)
            weekly.until = week_target
        return target


async def _ensure_watermark(db: Database, target: datetime) -> None:
    """Create the watermark at the first recorded day (nothing rolled up yet), unless it exists."""
    if await rolled_until(db) is not None:
        return
    try:
        async with db.transaction() as session:
            if await session.get(ReportWatermark, WATERMARK) is not None:
                return
            first = (await session.execute(select(func.min(col(CheckRecord.at))))).scalar_one()
            first_q = (await session.execute(select(func.min(col(QuestionRecord.at))))).scalar_one()
            known = [as_utc(x) for x in (first, first_q) if x is not None]
            start = min(week_start(min(known)), target) if known else target     # a Monday: weeks roll whole
            session.add(ReportWatermark(name=WATERMARK, until=start))
    except IntegrityError:
        pass   # another replica created it at the same moment: the same row, nothing lost


async def _roll(session: Any, dialect: str, start: datetime, end: datetime) -> None:
    day = day_of(dialect, col(CheckRecord.at)).label("day")
    window = in_period(col(CheckRecord.at), start, end)
    cols = ["kind", "day", "department", "key", "n"]
    await session.execute(insert(ReportDaily).from_select(cols, select(
        literal("verdict"), day, col(CheckRecord.department), col(CheckRecord.verdict), func.count())
        .where(window).group_by(day, col(CheckRecord.department), col(CheckRecord.verdict))))
    for kind, column in (("rule", col(CheckRecord.rules)), ("category", col(CheckRecord.categories))):
        items = json_items(dialect, column)
        await session.execute(insert(ReportDaily).from_select(cols, select(
            literal(kind), day, col(CheckRecord.department), items.c.value, func.count())
            .select_from(CheckRecord).join(items, true()).where(window, not_empty(column))
            .group_by(day, col(CheckRecord.department), items.c.value)))   # not "key": json_each has one
    qday = day_of(dialect, col(QuestionRecord.at)).label("day")
    answered = case((col(QuestionRecord.answered).is_(True), "answered"), else_="unanswered").label("key")
    await session.execute(insert(ReportDaily).from_select(cols, select(
        literal("question"), qday, col(QuestionRecord.department), answered, func.count())
        .where(in_period(col(QuestionRecord.at), start, end))
        .group_by(qday, col(QuestionRecord.department), answered)))


async def _roll_people(session: Any, dialect: str, start: datetime, end: datetime) -> None:
    """Distinct (week, department, person) who checked or asked, for the whole weeks in [start, end)."""
    both = union_all(
        select(col(CheckRecord.at).label("at"), col(CheckRecord.department).label("department"),
               col(CheckRecord.actor).label("actor")).where(in_period(col(CheckRecord.at), start, end)),
        select(col(QuestionRecord.at).label("at"), col(QuestionRecord.department).label("department"),
               col(QuestionRecord.actor).label("actor")).where(in_period(col(QuestionRecord.at), start, end)),
    ).subquery()
    week = week_of(dialect, both.c.at).label("day")
    await session.execute(insert(ReportDaily).from_select(["kind", "day", "department", "key", "n"], select(
        literal("people"), week, both.c.department, both.c.actor, func.count())
        .group_by(week, both.c.department, both.c.actor)))
