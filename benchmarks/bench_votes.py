"""Vote latency and concurrency on SQLite and PostgreSQL.

    .venv/bin/python benchmarks/bench_votes.py [--pg URL] [--skip-pg]

1. Median (and p95) time to record one vote, sequentially (target ≤ 20 ms), for a vote that
   does not decide and for a vote that decides (state change, decision notices and the card
   update written to the outbox in the same transaction).
2. 1,000 concurrent votes on 100 submissions (each needs 10 approvals from a
   10-person group) plus 100 duplicate deliveries: expects exactly 100
   approvals, 1,000 vote rows, 100 duplicates absorbed, no errors, and an
   audit chain that verifies. Exit status 1 when any expectation fails.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
import uuid
from collections import Counter
from typing import Any

from sqlalchemy import func, select

from bot.audit.chain import verify
from bot.checker.result import CheckResult, Finding, PolicyRef
from bot.directory import Directory
from bot.directory.models import DefaultRoute, Group, Requirement, RoutingFile
from bot.store.database import Database
from bot.store.settings import sqlite_url
from bot.store.tables import Submission, Vote
from bot.workflow.service import WorkflowService

APPROVERS = tuple(f"approver{i}@nw.example" for i in range(10))
RESULT = CheckResult(verdict="review", corpus_version="bench", findings=(
    Finding("claims", "review", "claims.superlative", "m", (0, 4), PolicyRef("p", "t", "s"), "f"),))


def directory(count: int = 10) -> Directory:
    return Directory(RoutingFile(hub="coe-hub", groups={"coe-hub": Group(members=APPROVERS, slack_channel="CHUB")},
                                 default=DefaultRoute(require=(Requirement(group="coe-hub", count=count),))))


async def deciding(db: Database, votes: int = 200) -> list[float]:
    service = WorkflowService(db, directory(count=1))
    subs = [(await service.submit("req@nw.example", f"decide {i}", RESULT)).submission.id  # type: ignore[union-attr]
            for i in range(votes)]
    timings: list[float] = []
    for sid in subs:
        start = time.perf_counter()
        out = await service.vote(sid, APPROVERS[0], "approve", idempotency_key=f"dec:{sid}", version=1)
        timings.append((time.perf_counter() - start) * 1000)
        assert out.code == "decided", out.reply
    return timings


async def latency(service: WorkflowService, votes: int = 300) -> list[float]:
    timings: list[float] = []
    subs = [(await service.submit("req@nw.example", f"draft {i}", RESULT)).submission.id  # type: ignore[union-attr]
            for i in range(votes // 9 + 1)]
    pairs = [(sid, voter) for sid in subs for voter in APPROVERS[:9]][:votes]   # 9 of 10: no decisions
    for sid, voter in pairs:
        start = time.perf_counter()
        out = await service.vote(sid, voter, "approve", idempotency_key=f"lat:{sid}:{voter}")
        timings.append((time.perf_counter() - start) * 1000)
        assert out.code == "recorded", out.reply
    return timings


async def concurrency(service: WorkflowService) -> dict[str, Any]:
    subs = [(await service.submit("req@nw.example", f"conc {i}", RESULT)).submission.id  # type: ignore[union-attr]
            for i in range(100)]
    calls = [(sid, voter) for sid in subs for voter in APPROVERS]
    calls += [(sid, APPROVERS[0]) for sid in subs]                        # 100 duplicate deliveries
    start = time.perf_counter()
    outcomes = await asyncio.gather(
        *(service.vote(sid, voter, "approve", idempotency_key=f"conc:{sid}:{voter}") for sid, voter in calls),
        return_exceptions=True)
    elapsed = time.perf_counter() - start
    errors = [o for o in outcomes if isinstance(o, BaseException)]
    codes = Counter(o.code for o in outcomes if not isinstance(o, BaseException))
    async with service.db.reading() as s:
        votes = (await s.execute(select(func.count()).select_from(Vote).where(
            Vote.submission_id.in_(subs)))).scalar_one()  # type: ignore[attr-defined]
        approved = (await s.execute(select(func.count()).select_from(Submission).where(
            Submission.id.in_(subs), Submission.state == "approved"))).scalar_one()  # type: ignore[union-attr]
    report = await verify(service.db)
    return {"elapsed": elapsed, "errors": errors, "codes": codes, "votes": votes, "approved": approved,
            "audit_ok": report.ok, "events": report.events}


async def bench(name: str, db: Database) -> bool:
    await db.create_all()
    service = WorkflowService(db, directory())
    try:
        timings = await latency(service)
        med, p95 = statistics.median(timings), statistics.quantiles(timings, n=20)[18]
        decide = await deciding(db)
        dmed, dp95 = statistics.median(decide), statistics.quantiles(decide, n=20)[18]
        conc = await concurrency(service)
    finally:
        await db.dispose()
    codes = conc["codes"]
    ok = (med <= 20 and dmed <= 20 and not conc["errors"] and conc["votes"] == 1000 and conc["approved"] == 100
          and codes["decided"] == 100 and codes["duplicate"] == 100 and codes["recorded"] == 900
          and conc["audit_ok"])
    print(f"{name:10s} vote latency: median {med:.2f} ms, p95 {p95:.2f} ms over {len(timings)} votes")
    print(f"{name:10s} deciding vote latency: median {dmed:.2f} ms, p95 {dp95:.2f} ms over {len(decide)} votes")
    print(f"{name:10s} 1,000 concurrent votes + 100 duplicates on 100 submissions: {conc['elapsed']:.2f} s "
          f"({1100 / conc['elapsed']:.0f} deliveries/s); outcomes {dict(codes)}; vote rows {conc['votes']}; "
          f"approved {conc['approved']}/100; errors {len(conc['errors'])}; audit chain "
          f"{'verifies' if conc['audit_ok'] else 'BROKEN'} ({conc['events']} events)")
    for err in conc["errors"][:3]:
        print(f"{name:10s}   error: {type(err).__name__}: {err}")
    print(f"{name:10s} {'PASS' if ok else 'FAIL'}")
    return ok


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pg", default=os.environ.get("TEST_DATABASE_URL",
                                                       "postgresql+asyncpg://postgres@127.0.0.1:5432/test"))
    parser.add_argument("--skip-pg", action="store_true")
    args = parser.parse_args()
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        results.append(await bench("sqlite", Database(sqlite_url(os.path.join(tmp, "bench.db")))))
    if not args.skip_pg:
        schema = f"bench_{uuid.uuid4().hex[:10]}"
        admin = Database(args.pg)
        try:
            async with admin.engine.begin() as conn:
                await conn.exec_driver_sql(f"CREATE SCHEMA {schema}")
        except Exception as exc:  # no server: say so, and fail rather than pretend
            print(f"postgresql unreachable at {args.pg}: {exc}")
            return 1
        try:
            results.append(await bench("postgresql", Database(args.pg, schema=schema, pool_size=20, max_overflow=10)))
        finally:
            async with admin.engine.begin() as conn:
                await conn.exec_driver_sql(f"DROP SCHEMA {schema} CASCADE")
            await admin.dispose()
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
