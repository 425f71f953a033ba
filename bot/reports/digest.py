"""The weekly digest: the week's wins first, then what is overdue and the top gaps.

Wins keep the momentum: posts cleared, the fastest turnarounds, departments
that took part for the first time, and questions that were unanswered before
and are answered now (the policy grew to cover them).
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from sqlalchemy import exists, func, select
from sqlmodel import col

from bot.reports.model import Figure, Report, Section, Table
from bot.reports.period import Period
from bot.reports.queries import APPROVED
from bot.reports.rollup import ReportDaily, floor_day, refresh
from bot.reports.sql import hours_between, in_period
from bot.store.tables import CheckRecord, QuestionRecord, Submission
from bot.workflow import states

if TYPE_CHECKING:
    from bot.reports.service import Reports


async def build_digest(reports: Reports) -> Report:
    now = reports.clock.now()
    week = Period("7d", now - timedelta(days=7), now)
    dialect = reports.db.dialect
    until = await refresh(reports.db, now)
    async with reports.db.reading() as s:
        cleared = int((await s.execute(select(func.count()).select_from(Submission).where(
            in_period(col(Submission.decided_at), week.start, week.end),
            col(Submission.state).in_(APPROVED)))).scalar_one())
        hours = hours_between(dialect, col(Submission.created_at), col(Submission.decided_at)).label("h")
        fastest = (await s.execute(
            select(col(Submission.id), col(Submission.department), hours)
            .where(in_period(col(Submission.decided_at), week.start, week.end), col(Submission.state).in_(APPROVED))
            .order_by(hours, col(Submission.id)).limit(3))).all()
        this_week = {d for (d,) in (await s.execute(
            select(col(CheckRecord.department)).where(in_period(col(CheckRecord.at), week.start, week.end),
                                                      col(CheckRecord.department) != "").distinct())).all()}
        # Seen before this week: in the roll-up's whole days, or in the raw rows between them and the week.
        edge = min(floor_day(week.start), until)
        seen = {d for (d,) in (await s.execute(
            select(col(ReportDaily.department)).where(col(ReportDaily.kind) == "verdict",
                                                      col(ReportDaily.day) < edge).distinct())).all()}
        joined = []
        for dept in sorted(this_week - seen):
            earlier = await s.execute(select(exists().where(
                col(CheckRecord.department) == dept, in_period(col(CheckRecord.at), edge, week.start))))
            if not earlier.scalar_one():
                joined.append(dept)
        # Questions answered this week that were a gap before it: the policy grew to cover them.
        earlier_gaps = select(col(QuestionRecord.question_hash)).where(
            col(QuestionRecord.answered).is_(False), col(QuestionRecord.at) < week.start)
        learned = (await s.execute(
            select(func.min(col(QuestionRecord.question)), func.count())
            .where(in_period(col(QuestionRecord.at), week.start, week.end), col(QuestionRecord.answered).is_(True),
                   col(QuestionRecord.question_hash).in_(earlier_gaps))
            .group_by(col(QuestionRecord.question_hash)))).all()
        overdue = int((await s.execute(select(func.count()).select_from(Submission).where(
            col(Submission.state) == states.SUBMITTED,
            col(Submission.escalated_at).is_not(None)))).scalar_one())
    gaps = await reports.gaps("30d", limit=3)
    pending = await reports.pending(limit=50)
    wins = Section(key="wins", title="This week's wins", figures=(
        Figure(key="cleared", label="Posts cleared", value=cleared),
        Figure(key="joined", label="Departments taking part for the first time", value=len(joined)),
        Figure(key="learned", label="Questions the policy now answers", value=len(learned)),
    ), tables=(
        Table(key="fastest", title="Fastest turnarounds", columns=("Submission", "Department", "Hours"),
              rows=tuple((f"#{i}", reports._dept_name(d), round(float(h), 1)) for i, d, h in fastest),
              empty="No approvals this week."),
        Table(key="joined", title="New departments", columns=("Department",),
              rows=tuple((reports._dept_name(d),) for d in joined), empty="No new departments this week."),
        Table(key="learned", title="Questions that became policy", columns=("Question", "Times answered"),
              rows=tuple((text or "(text purged)", n) for text, n in learned),
              empty="No earlier gap was answered this week."),
    ))
    waiting = pending.table("pending")
    late = Table(key="overdue", title="Overdue submissions, oldest first", columns=waiting.columns,
                 rows=tuple(r for r in waiting.rows if str(r[-1]).startswith("overdue")), empty="Nothing is overdue.")
    overdue_section = Section(key="overdue", title="Overdue", figures=(
        Figure(key="overdue", label="Escalated and still waiting", value=overdue),), tables=(late,))
    gap_section = Section(key="gaps", title="Top gaps (30 days)", tables=gaps.sections[0].tables)
    summary = f"{cleared} post(s) cleared this week"
    if joined:
        summary += f", {len(joined)} new department(s)"
    if overdue:
        summary += f"; {overdue} overdue"
    return Report(kind="digest", title=f"Weekly CoE digest, {week.describe()}", generated_at=now,
                  period=week.info(), summary=summary, sections=(wins, overdue_section, gap_section))
