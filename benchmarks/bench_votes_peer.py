"""Same-run peer comparison of vote latency: run it against two checkouts at the same moment.

    git archive BASE | tar -x -C /tmp/base
    PYTHONDONTWRITEBYTECODE=1 PYTHONPATH=/tmp/base .venv/bin/python benchmarks/bench_votes_peer.py &
    PYTHONDONTWRITEBYTECODE=1 PYTHONPATH=$PWD .venv/bin/python benchmarks/bench_votes_peer.py

On a shared, loaded machine absolute latencies drift run to run; two versions measured side by
side under the same load compare fairly. Times one vote on each of 150 submissions through
`WorkflowService.vote` (both versions have it): a non-deciding one (quorum 10) and a deciding one
(quorum 1), on SQLite and on PostgreSQL (TEST_DATABASE_URL).
"""
import asyncio
import os
import statistics
import tempfile
import time
import uuid

import bot
from bot.checker.result import CheckResult, Finding, PolicyRef
from bot.directory import Directory
from bot.directory.models import DefaultRoute, Group, Requirement, RoutingFile
from bot.store.database import Database
from bot.store.settings import sqlite_url
from bot.workflow.service import WorkflowService

APPROVERS = tuple(f"approver{i}@nw.example" for i in range(10))
RESULT = CheckResult(verdict="review", corpus_version="bench", findings=(
    Finding("claims", "review", "claims.superlative", "m", (0, 4), PolicyRef("p", "t", "s"), "f"),))

def directory(count):
    return Directory(RoutingFile(hub="coe-hub", groups={"coe-hub": Group(members=APPROVERS, slack_channel="CHUB")},
                                 default=DefaultRoute(require=(Requirement(group="coe-hub", count=count),))))

async def run(name, db):
    await db.create_all()
    out = {}
    for label, count in (("non-deciding", 10), ("deciding", 1)):
        service = WorkflowService(db, directory(count))
        subs = [(await service.submit("req@nw.example", f"{label} {i}", RESULT)).submission.id for i in range(150)]
        t = []
        for sid in subs:
            s = time.perf_counter()
            out_ = await service.vote(sid, APPROVERS[0], "approve", idempotency_key=f"{label}:{sid}")
            assert out_.ok, out_.reply
            t.append((time.perf_counter() - s) * 1000)
        out[label] = statistics.median(t)
    await db.dispose()
    print(f"{os.path.dirname(bot.__file__)} {name}: " + ", ".join(f"{k} median {v:.1f} ms" for k, v in out.items()),
          flush=True)

async def main():
    with tempfile.TemporaryDirectory() as tmp:
        await run("sqlite", Database(sqlite_url(os.path.join(tmp, "v.db"))))
    pg = os.environ.get("TEST_DATABASE_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test")
    schema = f"peer_{uuid.uuid4().hex[:8]}"
    admin = Database(pg)
    async with admin.engine.begin() as c:
        await c.exec_driver_sql(f"CREATE SCHEMA {schema}")
    try:
        await run("postgresql", Database(pg, schema=schema))
    finally:
        async with admin.engine.begin() as c:
            await c.exec_driver_sql(f"DROP SCHEMA {schema} CASCADE")
        await admin.dispose()

asyncio.run(main())
