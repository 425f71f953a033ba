"""The weekly digest as a database-claimed job, so exactly one replica posts it.

Same pattern as the SLA jobs (bot/workflow/sla.py): a row per due digest
(`report_job`, unique on kind and key), picked with `SELECT … FOR UPDATE SKIP
LOCKED` on PostgreSQL, and claimed by the conditional `UPDATE … WHERE done_at IS
NULL`, whose row count tells a replica whether it won. A crash after the claim
loses that week's post rather than doubling it; the next week's row is fresh.

    key = digest_due(now)                      # "2026-W48" once Monday 09:00 UTC has passed, else None
    if await claim_digest(db, now, replica):   # True for exactly one replica
        post(await reports.digest())
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import Column, CursorResult, DateTime, Index, String, UniqueConstraint, select, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Field, SQLModel, col

from bot.clock import as_utc
from bot.reports.period import week_start
from bot.store.database import Database

DIGEST = "digest"
DIGEST_AT = timedelta(hours=9)          # Monday 09:00 UTC


class ReportJob(SQLModel, table=True):
    """One scheduled report (the weekly digest of one week); `done_at` is set by the replica that ran it."""

    __tablename__ = "report_job"
    __table_args__ = (
        UniqueConstraint("kind", "key", name="uq_report_job"),
        Index("ix_report_job_due", "done_at", "due_at"),
    )
    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(sa_column=Column(String(40), nullable=False))
    key: str = Field(sa_column=Column(String(80), nullable=False))
    due_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    done_at: datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True), nullable=True))
    claimed_by: str = ""


def digest_slot(now: datetime) -> tuple[str, datetime]:
    """The latest digest slot at or before `now`: its key (ISO week) and due time."""
    now = as_utc(now)
    due = week_start(now) + DIGEST_AT
    if due > now:
        due -= timedelta(days=7)
    year, week, _ = due.isocalendar()
    return f"{year}-W{week:02d}", due


def digest_due(now: datetime) -> str:
    """The key of the digest that should have been posted by `now` (claim it to find out whether it was)."""
    return digest_slot(now)[0]


async def claim_digest(db: Database, now: datetime, replica: str) -> str | None:
    """Claim this week's digest for `replica`; its key when this replica must post it, else None
    (already posted, or another replica holds it)."""
    key, due = digest_slot(now)
    try:
        async with db.transaction() as session:
            exists = (await session.execute(select(col(ReportJob.id)).where(
                col(ReportJob.kind) == DIGEST, col(ReportJob.key) == key))).first()
            if exists is None:
                session.add(ReportJob(kind=DIGEST, key=key, due_at=due))
    except IntegrityError:
        pass   # another replica created the row at the same moment: fine, now we race for the claim

    async def claim() -> str | None:
        async with db.transaction() as session:
            pick = (select(ReportJob).where(col(ReportJob.kind) == DIGEST, col(ReportJob.key) == key,
                                            col(ReportJob.done_at).is_(None), col(ReportJob.due_at) <= now))
            job = (await session.execute(db.lock(pick, skip_locked=True))).scalar_one_or_none()
            if job is None:
                return None
            won = await session.execute(update(ReportJob).where(col(ReportJob.id) == job.id,
                                                                col(ReportJob.done_at).is_(None))
                                        .values(done_at=as_utc(now), claimed_by=replica))
            return key if isinstance(won, CursorResult) and won.rowcount == 1 else None

    return await claim()
