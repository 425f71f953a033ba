"""Faults: a process killed (SIGKILL) in the middle of a vote leaves all of the vote or none of it,
and the audit chain still verifies. The child process pauses inside the vote's transaction — after
the vote row and its audit event are written, before commit — and is killed there."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap

import pytest
from conftest import LEGAL, LEGAL_REVIEW, REQUESTER, Target
from sqlalchemy import func, select

from bot.audit.chain import verify
from bot.store.tables import AuditEvent, Vote
from bot.workflow.service import WorkflowService

CHILD = textwrap.dedent("""
    import asyncio, json, os, sys, time
    import bot.workflow.service as service_module
    from bot.directory import Directory
    from bot.store.database import Database
    from conftest import routing_spec

    real_append = service_module.append
    moment = os.environ["FAULT_MOMENT"]

    async def pausing_append(session, db, event, at):
        row = await real_append(session, db, event, at)
        if event.action == "voted" and moment == "inside":
            print("IN_TRANSACTION", flush=True)
            time.sleep(120)          # killed here, the transaction still open
        return row

    service_module.append = pausing_append

    async def main():
        db = Database(os.environ["FAULT_URL"], schema=os.environ.get("FAULT_SCHEMA") or None)
        svc = service_module.WorkflowService(db, Directory(routing_spec()))
        out = await svc.vote(int(os.environ["FAULT_SUBMISSION"]), os.environ["FAULT_VOTER"], "approve")
        print("COMMITTED " + json.dumps({"code": out.code}), flush=True)
        time.sleep(120)              # killed here, after commit

    asyncio.run(main())
""")


def run_and_kill(target: Target, submission_id: int, voter: str, moment: str) -> str:
    env = {**os.environ, "FAULT_URL": target.url, "FAULT_SCHEMA": target.schema or "",
           "FAULT_SUBMISSION": str(submission_id), "FAULT_VOTER": voter, "FAULT_MOMENT": moment}
    tests_dir = os.path.dirname(__file__)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [tests_dir, env.get("PYTHONPATH", "")]))
    child = subprocess.Popen([sys.executable, "-c", CHILD], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             text=True, env=env)
    try:
        assert child.stdout is not None
        line = child.stdout.readline().strip()
        if not line:
            raise AssertionError(f"the child died early: {child.stderr.read() if child.stderr else ''}")
        return line
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=30)


async def count_votes(service: WorkflowService, sid: int) -> int:
    async with service.db.reading() as s:
        return (await s.execute(select(func.count()).select_from(Vote).where(Vote.submission_id == sid))).scalar_one()


async def voted_events(service: WorkflowService) -> int:
    async with service.db.reading() as s:
        return (await s.execute(select(func.count()).select_from(AuditEvent)
                                .where(AuditEvent.action == "voted"))).scalar_one()


@pytest.mark.parametrize("moment", ["inside", "after"])
async def test_a_vote_killed_mid_transaction_is_all_or_nothing(service: WorkflowService, target: Target,
                                                               moment: str) -> None:
    sid = (await service.submit(REQUESTER, "We are being sued", LEGAL_REVIEW)).submission.id  # type: ignore[union-attr]
    await service.db.engine.dispose()      # hold no connections while the child works
    line = run_and_kill(target, sid, LEGAL[0], moment)
    if moment == "inside":
        assert line == "IN_TRANSACTION"
        assert await count_votes(service, sid) == 0 and await voted_events(service) == 0
    else:
        assert line.startswith("COMMITTED") and json.loads(line.split(" ", 1)[1])["code"] == "recorded"
        assert await count_votes(service, sid) == 1 and await voted_events(service) == 1
    report = await verify(service.db)
    assert report.ok, report.problems
    # the database is usable afterwards: the same approver can vote (or it is already recorded), then a second
    again = await service.vote(sid, LEGAL[0], "approve")
    assert again.code == ("recorded" if moment == "inside" else "unchanged")
    assert (await service.vote(sid, LEGAL[1], "approve")).code == "decided"
    assert (await verify(service.db)).ok
