"""The report's SQL: every figure is an aggregate computed by the database over one period.

Each function takes an open session and returns small Python values (counts,
percentiles, a few top-N rows), never the rows themselves.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import and_, case, distinct, func, literal, or_, select, true, union_all
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql import ColumnElement
from sqlmodel import col

from bot.reports.period import Period
from bot.reports.rollup import Pieces, ReportDaily, cut
from bot.reports.sql import hours_between, in_period, json_items, not_empty, percentiles, week_index
from bot.store.tables import CheckRecord, QuestionRecord, Submission, SubmissionVersion, Vote
from bot.workflow import states

APPROVED = (states.APPROVED, states.POSTED)
DECIDED = (states.APPROVED, states.POSTED, states.REJECTED, states.CHANGES_REQUESTED)


def _dept(column: Any, department: str) -> ColumnElement[bool]:
    return column == department if department else true()


def _spans(period: Period, until: datetime | None, *, previous: bool = True) -> list[tuple[bool, Pieces]]:
    """(is current period, pieces) for the current period and, when asked, the previous one."""
    out = [(True, cut(period.start, period.end, until))]
    if previous:
        before = period.previous()
        out.append((False, cut(before.start, before.end, until)))
    return out


def _daily(kind: str, span: tuple[datetime, datetime], department: str) -> ColumnElement[bool]:
    return and_(col(ReportDaily.kind) == kind, in_period(col(ReportDaily.day), *span),
                _dept(col(ReportDaily.department), department))


async def check_volume(session: AsyncSession, dialect: str, period: Period, origin: datetime,
                       department: str, until: datetime | None) -> dict[tuple[int, str], int]:
    """(week, verdict) -> checks: weeks count from `origin` (a Monday) in the current period; week -1
    holds the whole previous period. Whole days come from the daily roll-up, edges from check_record."""
    out: dict[tuple[int, str], int] = {}
    for current, pieces in _spans(period, until):
        for span in pieces.daily:
            day = col(ReportDaily.day)
            week = (week_index(dialect, day, origin) if current else literal(-1)).label("week")
            stmt = (select(week, col(ReportDaily.key), func.sum(col(ReportDaily.n)))
                    .where(_daily("verdict", span, department)).group_by(week, col(ReportDaily.key)))
            _add(out, {(int(w), v): int(n) for w, v, n in (await session.execute(stmt)).all()})
        for start, end in pieces.raw:
            at = col(CheckRecord.at)
            week = (week_index(dialect, at, origin) if current else literal(-1)).label("week")
            stmt = (select(week, col(CheckRecord.verdict), func.count())
                    .where(in_period(at, start, end), _dept(col(CheckRecord.department), department))
                    .group_by(week, col(CheckRecord.verdict)))
            _add(out, {(int(w), v): n for w, v, n in (await session.execute(stmt)).all()})
    return out


def _add(into: dict[Any, int], more: dict[Any, int]) -> None:
    for k, n in more.items():
        into[k] = into.get(k, 0) + n


async def question_counts(session: AsyncSession, period: Period, department: str,
                          until: datetime | None) -> dict[tuple[bool, bool], int]:
    """(is current period, answered) -> questions."""
    out: dict[tuple[bool, bool], int] = {}
    for current, pieces in _spans(period, until):
        for span in pieces.daily:
            stmt = (select(col(ReportDaily.key), func.sum(col(ReportDaily.n)))
                    .where(_daily("question", span, department)).group_by(col(ReportDaily.key)))
            _add(out, {(current, k == "answered"): int(n) for k, n in (await session.execute(stmt)).all()})
        for start, end in pieces.raw:
            raw = (select(col(QuestionRecord.answered), func.count())
                   .where(in_period(col(QuestionRecord.at), start, end),
                          _dept(col(QuestionRecord.department), department))
                   .group_by(col(QuestionRecord.answered)))
            _add(out, {(current, bool(a)): n for a, n in (await session.execute(raw)).all()})
    return out


async def submissions_created(session: AsyncSession, period: Period, department: str) -> dict[bool, int]:
    at = col(Submission.created_at)
    current = case((at >= period.start, 1), else_=0).label("cur")
    stmt = (select(current, func.count()).where(in_period(at, period.previous().start, period.end),
                                                _dept(col(Submission.department), department))
            .group_by(current))
    return {bool(c): n for c, n in (await session.execute(stmt)).all()}


async def decisions(session: AsyncSession, period: Period, department: str) -> dict[tuple[bool, str], int]:
    """(is current period, state now) -> submissions decided (or withdrawn, expired) in the period."""
    at = col(Submission.decided_at)
    current = case((at >= period.start, 1), else_=0).label("cur")
    stmt = (select(current, col(Submission.state), func.count())
            .where(in_period(at, period.previous().start, period.end), _dept(col(Submission.department), department))
            .group_by(current, col(Submission.state)))
    return {(bool(c), s): n for c, s, n in (await session.execute(stmt)).all()}


async def decision_hours(session: AsyncSession, dialect: str, period: Period,
                         department: str) -> dict[bool, dict[float, float]]:
    """Median and 90th percentile hours from submission to decision, this period and the previous."""
    at = col(Submission.decided_at)
    rows = (select(case((at >= period.start, 1), else_=0).label("grp"),
                   hours_between(dialect, col(Submission.created_at), at).label("value"))
            .where(in_period(at, period.previous().start, period.end), col(Submission.state).in_(DECIDED),
                   _dept(col(Submission.department), department))
            .subquery())
    return {bool(g): v for g, v in (await percentiles(session, rows)).items()}


async def sla_breaches(session: AsyncSession, period: Period, department: str) -> dict[bool, int]:
    """Submissions escalated in the period, plus those that expired there without an escalation;
    this period (True) and the previous one (False). Two index range scans."""
    start = period.previous().start
    out: dict[bool, int] = {}
    for at, extra in ((col(Submission.escalated_at), true()),
                      (col(Submission.decided_at), and_(col(Submission.state) == states.EXPIRED,
                                                         col(Submission.escalated_at).is_(None)))):
        current = case((at >= period.start, 1), else_=0).label("cur")
        stmt = (select(current, func.count()).where(in_period(at, start, period.end), extra,
                                                    _dept(col(Submission.department), department))
                .group_by(current))
        _add(out, {bool(c): n for c, n in (await session.execute(stmt)).all()})
    return out


async def top_items(session: AsyncSession, dialect: str, period: Period, department: str, kind: str,
                    until: datetime | None, limit: int = 10) -> list[tuple[str, int]]:
    """The most frequent rules (kind "rule") or categories ("category") in the period's checks."""
    column = col(CheckRecord.rules) if kind == "rule" else col(CheckRecord.categories)
    counts = await item_counts(session, dialect, cut(period.start, period.end, until), department, kind, column)
    return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:limit]


async def item_counts(session: AsyncSession, dialect: str, pieces: Pieces, department: str, kind: str,
                      column: Any) -> dict[str, int]:
    out: dict[str, int] = {}
    for span in pieces.daily:
        stmt = (select(col(ReportDaily.key), func.sum(col(ReportDaily.n)))
                .where(_daily(kind, span, department)).group_by(col(ReportDaily.key)))
        _add(out, {str(k): int(n) for k, n in (await session.execute(stmt)).all()})
    for start, end in pieces.raw:
        items = json_items(dialect, column)
        stmt = (select(items.c.value, func.count()).select_from(CheckRecord).join(items, true())
                .where(in_period(col(CheckRecord.at), start, end), not_empty(column),
                       _dept(col(CheckRecord.department), department))
                .group_by(items.c.value))
        _add(out, {str(v): int(n) for v, n in (await session.execute(stmt)).all()})
    return out


def _people(period: Period, department: str, weeks_until: datetime | None) -> Any:
    """Distinct (is current period, department, person) over every check and question of this period
    and the previous one: whole weeks from the weekly roll-up, the edges from the raw rows.
    SELECT DISTINCT lets PostgreSQL hash instead of sorting for COUNT(DISTINCT)."""
    parts: list[Any] = []
    for current, (start, end) in ((True, (period.start, period.end)),
                                  (False, (period.previous().start, period.start))):
        pieces = cut(start, end, weeks_until, weeks=True)
        for span in pieces.daily:
            parts.append(select(literal(int(current)).label("cur"), col(ReportDaily.department).label("department"),
                                col(ReportDaily.key).label("actor")).where(_daily("people", span, department)))
        for a, b in pieces.raw:
            for at, dept, actor in ((col(CheckRecord.at), col(CheckRecord.department), col(CheckRecord.actor)),
                                    (col(QuestionRecord.at), col(QuestionRecord.department),
                                     col(QuestionRecord.actor))):
                parts.append(select(literal(int(current)).label("cur"), dept.label("department"),
                                    actor.label("actor")).where(in_period(at, a, b), _dept(dept, department)))
    both = union_all(*parts).subquery()
    return select(both.c.cur, both.c.department, both.c.actor).distinct().cte("people")


async def people(session: AsyncSession, period: Period, department: str,
                 weeks_until: datetime | None) -> tuple[dict[str, int], dict[bool, int]]:
    """People who checked a draft or asked a question: per department in the period, and in total
    this period (True) and the previous one (False). One scan: the distinct set is computed once."""
    d = _people(period, department, weeks_until)
    by_dept = select(d.c.cur, d.c.department, func.count()).group_by(d.c.cur, d.c.department)
    total = select(d.c.cur, literal(None).label("department"), func.count(distinct(d.c.actor))).group_by(d.c.cur)
    per_department: dict[str, int] = {}
    totals: dict[bool, int] = {}
    for cur, dept, n in (await session.execute(union_all(by_dept, total))).all():
        if dept is None:
            totals[bool(cur)] = n
        elif cur:
            per_department[dept] = n
    return per_department, totals


async def weekly_medians(session: AsyncSession, dialect: str, period: Period, origin: datetime,
                         department: str) -> dict[int, float]:
    """The median hours to decision per week of the period, weeks counted from `origin`."""
    at = col(Submission.decided_at)
    rows = (select(week_index(dialect, at, origin).label("grp"),
                   hours_between(dialect, col(Submission.created_at), at).label("value"))
            .where(in_period(at, period.start, period.end), col(Submission.state).in_(DECIDED),
                   _dept(col(Submission.department), department))
            .subquery())
    return {int(g): v[0.5] for g, v in (await percentiles(session, rows, (0.5,))).items()}


async def advisor_votes(session: AsyncSession, dialect: str, period: Period,
                        advisors: Mapping[str, Sequence[str]]) -> tuple[dict[str, int], dict[str, float]]:
    """Per department: votes its advisors cast on its drafts in the period, and the median hours
    from the version being sent to the vote."""
    pairs = [and_(col(Submission.department) == d, col(Vote.approver).in_(list(m))) for d, m in advisors.items() if m]
    if not pairs:
        return {}, {}
    base = (select(col(Submission.department).label("grp"),
                   hours_between(dialect, col(SubmissionVersion.created_at), col(Vote.cast_at)).label("value"))
            .select_from(Vote)
            .join(Submission, col(Submission.id) == col(Vote.submission_id))
            .join(SubmissionVersion, and_(col(SubmissionVersion.submission_id) == col(Vote.submission_id),
                                          col(SubmissionVersion.number) == col(Vote.version)))
            .where(in_period(col(Vote.cast_at), period.start, period.end), or_(*pairs))
            .subquery())
    counts = {g: n for g, n in (await session.execute(select(base.c.grp, func.count()).group_by(base.c.grp))).all()}
    medians = {g: v[0.5] for g, v in (await percentiles(session, base, (0.5,))).items()}
    return counts, medians


async def activity_by_department(session: AsyncSession, period: Period) -> dict[str, int]:
    """Checks + questions + submissions per department in the period."""
    out: dict[str, int] = {}
    for dept, at in ((col(CheckRecord.department), col(CheckRecord.at)),
                     (col(QuestionRecord.department), col(QuestionRecord.at)),
                     (col(Submission.department), col(Submission.created_at))):
        stmt = select(dept, func.count()).where(in_period(at, period.start, period.end)).group_by(dept)
        for d, n in (await session.execute(stmt)).all():
            out[d] = out.get(d, 0) + n
    return out
