"""Retention: remove old draft and question texts, keep their hashes (the chain still verifies).

Only drafts whose submission is settled (approved, rejected, withdrawn, expired,
posted) lose their text; a draft still in review keeps it, since approvers
must be able to read it. A purge never goes below the configured minimum
(`RetentionPolicy`): draft and question texts are kept at least
STEWARD_RETENTION_TEXT_DAYS (default 90), decisions — submissions, votes, the
audit log — at least STEWARD_RETENTION_DECISION_DAYS (default 2557, 7 years;
purge never removes them at all today). Every purge is itself an audit event.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
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


TEXT_DAYS_ENV = "STEWARD_RETENTION_TEXT_DAYS"
DECISION_DAYS_ENV = "STEWARD_RETENTION_DECISION_DAYS"
MAX_DAYS = 36_525          # a century: beyond it a date no longer fits


class RetentionError(ValueError):
    """A purge that would break the retention policy, or a policy that makes no sense."""


def parse_days(value: str | float, what: str) -> float:
    """A number of days: finite, not negative, at most a century (so dates stay representable)."""
    try:
        days = float(value)
    except (TypeError, ValueError):
        raise RetentionError(f"{what} must be a number of days, not '{value}'") from None
    if not math.isfinite(days):
        raise RetentionError(f"{what} must be a finite number of days")
    if days < 0:
        raise RetentionError(f"{what} must be zero or more days")
    if days > MAX_DAYS:
        raise RetentionError(f"{what} must be at most {MAX_DAYS:,} days (a century)")
    return days


@dataclass(frozen=True, slots=True)
class RetentionPolicy:
    text_days: float = 90
    decision_days: float = 2557

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> RetentionPolicy:
        env = os.environ if environ is None else environ
        text = env.get("STEWARD_RETENTION_TEXT_DAYS", "").strip()
        decision = env.get("STEWARD_RETENTION_DECISION_DAYS", "").strip()
        default = cls()
        return cls(text_days=parse_days(text, TEXT_DAYS_ENV) if text else default.text_days,
                   decision_days=parse_days(decision, DECISION_DAYS_ENV) if decision else default.decision_days)


async def purge(db: Database, clock: Clock, older_than: timedelta, *, actor: str = "system",
                policy: RetentionPolicy | None = None) -> PurgeResult:
    """Remove texts older than `older_than` — never younger than the policy's minimum."""
    policy = policy if policy is not None else RetentionPolicy.from_env()
    if older_than < timedelta(0):
        raise RetentionError("older-than must not be negative")
    if older_than < timedelta(days=policy.text_days):
        raise RetentionError(f"texts are kept at least {policy.text_days:g} days ({TEXT_DAYS_ENV}); "
                             f"a purge of texts younger than that is refused")
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
            "older_than_days": str(round(older_than.total_seconds() / 86400, 3)),
            "minimum_text_days": str(policy.text_days), "drafts": result.drafts,
            "questions": result.questions}), now)
        return result

    return await db.retrying(work)


def _rowcount(result: object) -> int:
    return result.rowcount or 0 if isinstance(result, CursorResult) else 0
