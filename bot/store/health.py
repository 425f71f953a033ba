"""What a server reports about its database: is it usable now, and the counts operators watch.

    problems = await readiness(db)      # [] when reachable and migrated; else one line per problem
    snapshot = await gauges(db)         # totals for /metrics, a handful of GROUP BY statements

Both are cheap enough to run every few seconds from every replica. The totals are the
database's, so every replica reports the same numbers (aggregate them with max, not sum).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from sqlalchemy import func, select, text
from sqlmodel import col

from bot.store.database import Database
from bot.store.migrate import current_revision, head_revision
from bot.store.tables import CheckRecord, OutboxRow, QuestionRecord, Submission


async def readiness(db: Database, *, timeout: float = 3.0) -> list[str]:
    """Why the database is not usable now ([] when it is): unreachable, or the schema is behind."""
    try:
        async with asyncio.timeout(timeout):
            async with db.engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
            current = await current_revision(db)
    except TimeoutError:
        return [f"database did not answer within {timeout:g} s"]
    except Exception as exc:   # any driver error means "not reachable now"; the message says which
        return [f"database unreachable: {type(exc).__name__}: {str(exc).splitlines()[0][:200] if str(exc) else ''}"]
    head = head_revision()
    if current != head:
        return [f"schema at {current or 'nothing'}, this version needs {head} (run `steward db upgrade`)"]
    return []


@dataclass
class Gauges:
    checks_by_verdict: dict[str, int] = field(default_factory=dict)
    questions: dict[str, int] = field(default_factory=dict)          # answered / not_covered
    submissions_by_state: dict[str, int] = field(default_factory=dict)
    sla_breaches: int = 0          # submissions still waiting after their SLA escalated them
    outbox_depth: dict[str, int] = field(default_factory=dict)       # per platform: pending + sending
    dead_letters: dict[str, int] = field(default_factory=dict)       # per platform


async def gauges(db: Database) -> Gauges:
    out = Gauges()
    async with db.reading() as s:
        for verdict, n in (await s.execute(select(col(CheckRecord.verdict), func.count())
                                           .group_by(col(CheckRecord.verdict)))).all():
            out.checks_by_verdict[verdict] = n
        for answered, n in (await s.execute(select(col(QuestionRecord.answered), func.count())
                                            .group_by(col(QuestionRecord.answered)))).all():
            out.questions["answered" if answered else "not_covered"] = n
        for state, n in (await s.execute(select(col(Submission.state), func.count())
                                         .group_by(col(Submission.state)))).all():
            out.submissions_by_state[state] = n
        out.sla_breaches = (await s.execute(select(func.count()).where(
            col(Submission.state) == "submitted", col(Submission.escalated_at).is_not(None)))).scalar_one()
        for platform, state, n in (await s.execute(
                select(col(OutboxRow.platform), col(OutboxRow.state), func.count())
                .where(col(OutboxRow.state).in_(("pending", "sending", "dead")))
                .group_by(col(OutboxRow.platform), col(OutboxRow.state)))).all():
            target = out.dead_letters if state == "dead" else out.outbox_depth
            target[platform] = target.get(platform, 0) + n
    return out
