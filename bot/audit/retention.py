"""Retention: remove old draft and question texts, keep their hashes (the chain still verifies).

Only drafts whose submission is settled (approved, rejected, withdrawn, expired,
posted) lose their text; a draft still in review keeps it, since approvers
must be able to read it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import CursorResult, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from bot.audit.chain import Event, append
from bot.clock import Clock
from bot.store.database import Database
from bot.store.tables import QuestionRecord, Submission, SubmissionVersion
from bot.workflow.states import SETTLED


@dataclass(frozen=True, slots=True)
class PurgeResult:
    drafts: int
    questions: int


async def purge(db: Database, clock: Clock, older_than: timedelta, *, actor: str = "system") -> PurgeResult:
    if older_than < timedelta(0):
        raise ValueError("older-than must not be negative")
    now = clock.now()
    cutoff = now - older_than

    async def work(session: AsyncSession) -> PurgeResult:
        settled = select(col(Submission.id)).where(col(Submission.state).in_(SETTLED))
        drafts = await session.execute(
            update(SubmissionVersion)
            .where(col(SubmissionVersion.text).is_not(None), col(SubmissionVersion.created_at) < cutoff,
                   col(SubmissionVersion.submission_id).in_(settled))
            .values(text=None, purged_at=now))
        questions = await session.execute(
            update(QuestionRecord)
            .where(col(QuestionRecord.question).is_not(None), col(QuestionRecord.at) < cutoff)
            .values(question=None, purged_at=now))
        result = PurgeResult(_rowcount(drafts), _rowcount(questions))
        await append(session, db, Event(actor=actor, action="purged", detail={
            "older_than_days": round(older_than.total_seconds() / 86400, 3).__str__(),
            "drafts": result.drafts, "questions": result.questions}), now)
        return result

    return await db.retrying(work)


def _rowcount(result: object) -> int:
    return result.rowcount or 0 if isinstance(result, CursorResult) else 0
