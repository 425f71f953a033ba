"""SLA jobs: reminders, escalation, expiry from the database, claimed by exactly one replica."""

from __future__ import annotations

import asyncio

from conftest import LEGAL, LEGAL_REVIEW, REQUESTER
from sqlalchemy import select

from bot.audit.chain import verify
from bot.clock import ManualClock
from bot.store.tables import AuditEvent, SlaJob
from bot.workflow import states
from bot.workflow.service import WorkflowService


async def sla_actions(service: WorkflowService) -> list[str]:
    async with service.db.reading() as s:
        rows = await s.execute(select(AuditEvent.action).where(
            AuditEvent.action.in_(("reminded", "escalated", "expired"))).order_by(AuditEvent.seq))  # type: ignore[attr-defined]
        return list(rows.scalars())


async def test_remind_then_escalate_then_expire(service: WorkflowService, clock: ManualClock) -> None:
    out = await service.submit(REQUESTER, "We are being sued", LEGAL_REVIEW)
    sid = out.submission.id  # type: ignore[union-attr]
    assert (await service.remind_overdue()).notifications == ()          # nothing due yet
    clock.advance(hours=4, minutes=1)
    run = await service.remind_overdue()
    assert [(n.kind, n.to.id) for n in run.notifications] == [("reminder", "legal")]
    clock.advance(days=1)
    run = await service.remind_overdue()
    assert {(n.kind, n.to.id) for n in run.notifications} == {("escalation", "coe-hub"), ("escalation", REQUESTER)}
    clock.advance(days=7)
    run = await service.remind_overdue()
    assert {n.kind for n in run.notifications} == {"expired"}
    view = await service.get(sid)
    assert view is not None and view.state == states.EXPIRED
    assert (await service.vote(sid, LEGAL[0], "approve")).code == "final"
    assert await sla_actions(service) == ["reminded", "escalated", "expired"]
    assert (await verify(service.db)).ok


async def test_a_decided_or_resubmitted_submission_gets_no_stale_jobs(service: WorkflowService,
                                                                     clock: ManualClock) -> None:
    decided = (await service.submit(REQUESTER, "one", LEGAL_REVIEW)).submission.id  # type: ignore[union-attr]
    await service.vote(decided, LEGAL[0], "approve")
    await service.vote(decided, LEGAL[1], "approve")
    redo = (await service.submit(REQUESTER, "two", LEGAL_REVIEW)).submission.id  # type: ignore[union-attr]
    await service.vote(redo, LEGAL[0], "changes")
    clock.advance(hours=3)
    await service.resubmit(redo, REQUESTER, "two, fixed", LEGAL_REVIEW)
    clock.advance(hours=2)                                 # v1's reminder is due, v2's is not
    run = await service.remind_overdue()
    assert run.notifications == () and run.data["stale"] == 2
    clock.advance(hours=3)
    run = await service.remind_overdue()
    assert [(n.kind, n.submission_id) for n in run.notifications] == [("reminder", redo)]
    async with service.db.reading() as s:
        outcomes = {(j.submission_id, j.version, j.kind): j.outcome for j in (await s.execute(select(SlaJob))).scalars()}
    assert outcomes[(decided, 1, "remind")] == "stale" and outcomes[(redo, 2, "remind")] == "done"


async def test_replicas_racing_for_the_same_jobs_run_each_exactly_once(target, directory) -> None:  # type: ignore[no-untyped-def]
    clock = ManualClock()
    dbs = [target.database() for _ in range(3)]
    await dbs[0].create_all()
    replicas = [WorkflowService(d, directory, clock, replica_id=f"r{i}") for i, d in enumerate(dbs)]
    try:
        for i in range(12):
            await replicas[0].submit(REQUESTER, f"post {i}", LEGAL_REVIEW)
        clock.advance(hours=5)
        runs = await asyncio.gather(*(r.remind_overdue() for r in replicas for _ in range(2)))
        reminders = [n for run in runs for n in run.notifications if n.kind == "reminder"]
        assert sorted(n.submission_id for n in reminders) == list(range(1, 13))   # type: ignore[type-var]
        jobs_run = [job for run in runs for job in run.data["jobs"]]
        assert len(jobs_run) == 12
        async with dbs[0].reading() as s:
            claimed = (await s.execute(select(SlaJob).where(SlaJob.kind == "remind"))).scalars().all()
        assert all(j.done_at is not None and j.claimed_by for j in claimed)
        assert (await sla_actions(replicas[0])).count("reminded") == 12
        assert (await verify(dbs[0])).ok
    finally:
        for d in dbs:
            await d.dispose()


async def test_jobs_survive_a_restart(target, directory) -> None:  # type: ignore[no-untyped-def]
    clock = ManualClock()
    first = target.database()
    await first.create_all()
    await WorkflowService(first, directory, clock).submit(REQUESTER, "post", LEGAL_REVIEW)
    await first.dispose()                                        # the process goes away
    clock.advance(hours=5)
    second = target.database()
    try:
        run = await WorkflowService(second, directory, clock).remind_overdue()
        assert [n.kind for n in run.notifications] == ["reminder"]
    finally:
        await second.dispose()
