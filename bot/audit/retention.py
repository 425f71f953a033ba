"""Retention: remove old draft and question texts, keep their hashes (the chain still verifies).

Only drafts whose submission is settled (approved, rejected, withdrawn, expired,
posted) lose their text; a draft still in review keeps it, since approvers
must be able to read it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select, update

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

    async def work(session):  # type: ignore[no-untyped-def]
        settled = select(Submission.id).where(Submission.state.in_(SETTLED))  # type: ignore[attr-defined]
        drafts = await session.execute(
            update(SubmissionVersion)
            .where(SubmissionVersion.text.is_not(None), SubmissionVersion.created_at < cutoff,  # type: ignore[union-attr]
                   SubmissionVersion.submission_id.in_(settled))  # type: ignore[attr-defined]
            .values(text=None, purged_at=now))
        questions = await session.execute(
            update(QuestionRecord)
            .where(QuestionRecord.question.is_not(None), QuestionRecord.at < cutoff)  # type: ignore[union-attr]
            .values(question=None, purged_at=now))
        result = PurgeResult(drafts.rowcount or 0, questions.rowcount or 0)
        await append(session, db, Event(actor=actor, action="purged", detail={
            "older_than_days": round(older_than.total_seconds() / 86400, 3).__str__(),
            "drafts": result.drafts, "questions": result.questions}), now)
        return result

    return await db.retrying(work)
