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
from bot.reports.sql import hours_between, in_period, json_items, not_empty, percentiles, week_index
from bot.store.tables import CheckRecord, QuestionRecord, Submission, SubmissionVersion, Vote
from bot.workflow import states

APPROVED = (states.APPROVED, states.POSTED)
DECIDED = (states.APPROVED, states.POSTED, states.REJECTED, states.CHANGES_REQUESTED)


def _dept(column: Any, department: str) -> ColumnElement[bool]:
    return column == department if department else true()


async def check_volume(session: AsyncSession, dialect: str, period: Period, origin: datetime,
                       department: str) -> dict[tuple[int, str], int]:
    """(week, verdict) -> checks, one scan over this period and the previous one: weeks count from
    `origin` (a Monday) for the current period; week -1 holds the whole previous period."""
    at = col(CheckRecord.at)
    week = case((at >= period.start, week_index(dialect, at, origin)), else_=-1).label("week")
    stmt = (select(week, col(CheckRecord.verdict), func.count())
            .where(in_period(at, period.previous().start, period.end), _dept(col(CheckRecord.department), department))
            .group_by(week, col(CheckRecord.verdict)))
    return {(int(w), v): n for w, v, n in (await session.execute(stmt)).all()}


async def question_counts(session: AsyncSession, period: Period, department: str) -> dict[tuple[bool, bool], int]:
    """(is current period, answered) -> questions."""
    at = col(QuestionRecord.at)
    current = case((at >= period.start, 1), else_=0).label("cur")
    stmt = (select(current, col(QuestionRecord.answered), func.count())
            .where(in_period(at, period.previous().start, period.end),
                   _dept(col(QuestionRecord.department), department))
            .group_by(current, col(QuestionRecord.answered)))
    return {(bool(c), bool(a)): n for c, a, n in (await session.execute(stmt)).all()}


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


async def sla_breaches(session: AsyncSession, period: Period, department: str) -> int:
    """Submissions escalated in the period, plus those that expired there without an escalation."""
    stmt = select(func.count()).select_from(Submission).where(
        _dept(col(Submission.department), department),
        or_(in_period(col(Submission.escalated_at), period.start, period.end),
            and_(col(Submission.state) == states.EXPIRED, col(Submission.escalated_at).is_(None),
                 in_period(col(Submission.decided_at), period.start, period.end))))
    return int((await session.execute(stmt)).scalar_one())


async def top_items(session: AsyncSession, dialect: str, period: Period, department: str, column: Any,
                    limit: int = 10) -> list[tuple[str, int]]:
    """The most frequent elements of a JSON list column of check_record (rules, categories)."""
    items = json_items(dialect, column)
    count = func.count().label("n")
    stmt = (select(items.c.value, count).select_from(CheckRecord).join(items, true())
            .where(in_period(col(CheckRecord.at), period.start, period.end), not_empty(column),
                   _dept(col(CheckRecord.department), department))
            .group_by(items.c.value).order_by(count.desc(), items.c.value).limit(limit))
    return [(str(v), int(n)) for v, n in (await session.execute(stmt)).all()]


def _people(period: Period, department: str) -> Any:
    """Distinct (is current period, department, person) over every check and question of this period
    and the previous one. SELECT DISTINCT lets PostgreSQL hash instead of sorting for COUNT(DISTINCT)."""
    start = period.previous().start

    def rows(at: Any, dept: Any, actor: Any) -> Any:
        return select(case((at >= period.start, 1), else_=0).label("cur"), dept.label("department"),
                      actor.label("actor")).where(in_period(at, start, period.end), _dept(dept, department))

    both = union_all(rows(col(CheckRecord.at), col(CheckRecord.department), col(CheckRecord.actor)),
                     rows(col(QuestionRecord.at), col(QuestionRecord.department), col(QuestionRecord.actor))
                     ).subquery()
    return select(both.c.cur, both.c.department, both.c.actor).distinct().cte("people")


async def people(session: AsyncSession, period: Period, department: str) -> tuple[dict[str, int], dict[bool, int]]:
    """People who checked a draft or asked a question: per department in the period, and in total
    this period (True) and the previous one (False). One scan: the distinct set is computed once."""
    d = _people(period, department)
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
