"""SLA jobs: remind the approvers, escalate to the hub, expire — each run by exactly one replica.

Jobs are rows (`sla_job`) written with the submission, so they survive a
restart. Each due job is claimed and carried out in one transaction:

- PostgreSQL: `SELECT … FOR UPDATE SKIP LOCKED` picks a job no other replica
  holds; the conditional `UPDATE … WHERE done_at IS NULL` below is then a
  formality.
- SQLite: the writing transaction holds the database's write lock, and the
  conditional `UPDATE … WHERE done_at IS NULL` is the claim: a replica that
  finds `rowcount == 0` lost the race and moves on.

Lock order is job → submission → outbox → audit head; votes take submission → audit
head, so the two never wait on each other in a cycle. A job whose submission
has moved on (decided, withdrawn, resubmitted) is closed as `stale`.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import CursorResult, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from bot.audit.chain import Event, append
from bot.directory.routing import RoutePlan
from bot.replies import Notification as SentNotification
from bot.replies import notice
from bot.store.tables import SlaJob, Submission
from bot.workflow import states
from bot.workflow.messages import Notification, Outcome, submission_reply

if TYPE_CHECKING:
    from bot.workflow.service import WorkflowService

_NOTHING = object()


async def run_due_jobs(service: WorkflowService, now: datetime, *, limit: int = 500) -> Outcome:
    notes: list[Notification] = []
    sent: list[SentNotification] = []
    done: list[tuple[str, int]] = []
    skipped = 0
    for _ in range(limit):
        result = await service.db.retrying(lambda s: _run_one(service, s, now))
        if result is _NOTHING:
            break
        if result is None:
            skipped += 1
            continue
        assert isinstance(result, tuple)
        kind, submission_id, job_notes, job_sent = result
        done.append((kind, submission_id))
        notes.extend(job_notes)
        sent.extend(job_sent)
    counts = {k: sum(1 for kind, _ in done if kind == k) for k in ("remind", "escalate", "expire")}
    reply = notice("SLA run", f"{counts['remind']} reminder(s), {counts['escalate']} escalation(s), "
                              f"{counts['expire']} expiry(ies)")
    return Outcome(ok=True, code="sla", reply=reply, notifications=tuple(notes), outbox=tuple(sent),
                   data={"jobs": done, "stale": skipped})


async def _run_one(service: WorkflowService, session: AsyncSession, now: datetime) -> object:
    """Claim and carry out one due job. Returns _NOTHING when none is due, None for a job closed
    as stale or lost to another replica, else (kind, submission id, notifications)."""
    db = service.db
    pick = (select(SlaJob).where(col(SlaJob.done_at).is_(None), col(SlaJob.due_at) <= now)
            .order_by(col(SlaJob.due_at), col(SlaJob.id)).limit(1))
    job = (await session.execute(db.lock(pick, skip_locked=True))).scalar_one_or_none()
    if job is None:
        return _NOTHING
    claim = await session.execute(
        update(SlaJob).where(col(SlaJob.id) == job.id, col(SlaJob.done_at).is_(None))
        .values(done_at=now, claimed_by=service.replica_id, outcome="done"))
    if not isinstance(claim, CursorResult) or claim.rowcount != 1:
        return None   # another replica got there first
    sub = (await session.execute(db.lock(select(Submission).where(col(Submission.id) == job.submission_id))
                                 .execution_options(populate_existing=True))).scalar_one()
    if sub.state != states.SUBMITTED or sub.version != job.version:
        await session.execute(update(SlaJob).where(col(SlaJob.id) == job.id).values(outcome="stale"))
        return None
    plan = RoutePlan.from_json(sub.route)
    assert sub.id is not None
    key = f"sla:{job.id}"
    if job.kind == "remind":
        sub.reminded_at = now
        await append(session, db, Event(actor="steward", action="reminded", submission_id=sub.id,
                                        version=sub.version, detail={"job": job.id}), now)
        view = await service._view(session, sub)
        card = submission_reply(view, title=f"Reminder: #{sub.id} from {sub.requester} is waiting for a decision")
        notes = service._notify(service._approver_recipients(plan, with_backups=True), card, "reminder",
                                sub.id, key)
    elif job.kind == "escalate":
        sub.escalated_at = now
        await append(session, db, Event(actor="steward", action="escalated", submission_id=sub.id,
                                        version=sub.version, detail={"job": job.id, "to": plan.escalate_to}), now)
        view = await service._view(session, sub)
        card = submission_reply(view, title=f"Escalated: #{sub.id} has had no decision from {plan.describe()}")
        notes = service._notify(service.directory.group_recipients(plan.escalate_to), card, "escalation",
                                sub.id, key)
        notes += service._notify([service._requester(sub.requester)],
                                 notice(f"#{sub.id} is overdue", f"It has been escalated to {plan.escalate_to}."),
                                 "escalation", sub.id, key)
    else:
        sub.state = states.transition(sub.state, "expire")
        sub.decided_at = sub.updated_at = now
        await append(session, db, Event(actor="steward", action="expired", submission_id=sub.id,
                                        version=sub.version, detail={"job": job.id}), now)
        view = await service._view(session, sub)
        title = f"Expired: #{sub.id} had no decision in time"
        notes = service._notify([service._requester(sub.requester)],
                                submission_reply(view, audience="requester", title=title,
                                                 body="Nobody decided in time. If you still want to post it, check "
                                                      "it again and send it for approval anew."),
                                "expired", sub.id, key)
        notes += service._notify(service._approver_recipients(plan), submission_reply(view, title=title),
                                 "expired", sub.id, key)
    sent = await service.enqueue_notes(session, notes, now)
    return job.kind, sub.id, notes, sent

