"""pending() for an approver with 1,000 open submissions, on SQLite and PostgreSQL.

    .venv/bin/python benchmarks/bench_pending.py [--pg URL] [--skip-pg] [--open 1000] [--runs 15]

Prints the median and p95 of `Steward.pending` over several runs and the number of SQL
statements one call issues (counted with a SQLAlchemy `before_cursor_execute` listener).
Target: median ≤ 50 ms with a constant number of statements. Exit 1 when missed.
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

from sqlalchemy import event

from bot.checker.result import CheckResult, Finding, PolicyRef
from bot.directory import Directory
from bot.directory.models import DefaultRoute, Group, Requirement, RoutingFile
from bot.policy import load_corpus
from bot.settings import BUNDLED_POLICIES
from bot.steward import Steward
from bot.store.database import Database
from bot.store.settings import sqlite_url
from bot.workflow.service import WorkflowService

APPROVERS = tuple(f"approver{i}@nw.example" for i in range(3))
RESULT = CheckResult(verdict="review", corpus_version="bench", findings=(
    Finding("claims", "review", "claims.superlative", "m", (0, 4), PolicyRef("p", "t", "s"), "f"),))


async def bench(name: str, db: Database, open_count: int, runs: int) -> bool:
    await db.create_all()
    directory = Directory(RoutingFile(hub="coe-hub", groups={"coe-hub": Group(members=APPROVERS)},
                                      default=DefaultRoute(require=(Requirement(group="coe-hub", count=2),))))
    service = WorkflowService(db, directory)
    steward = Steward(load_corpus(BUNDLED_POLICIES), workflow=service)
    try:
        for i in range(open_count):
            out = await service.submit(f"req{i % 50}@nw.example", f"draft number {i} " * 20, RESULT)
            if i % 3 == 0:   # some already carry a vote from someone else
                await service.vote(out.submission.id, APPROVERS[1], "approve")  # type: ignore[union-attr]
        me = await steward.person(APPROVERS[0])
        statements: list[str] = []
        event.listen(db.engine.sync_engine, "before_cursor_execute",
                     lambda *a: statements.append(a[2]))
        timings = []
        for _ in range(runs):
            statements.clear()
            start = time.perf_counter()
            result = await steward.pending(me)
            timings.append((time.perf_counter() - start) * 1000)
        waiting = len(result.data["submissions"])
        count = len([s for s in statements if s.lstrip().upper().startswith("SELECT")])
    finally:
        await db.dispose()
    med, p95 = statistics.median(timings), statistics.quantiles(timings, n=20)[18]
    ok = med <= 50 and waiting == open_count
    print(f"{name:10s} pending() with {waiting} open submissions: median {med:.1f} ms, p95 {p95:.1f} ms "
          f"over {runs} runs; {count} SELECT statement(s) per call — {'PASS' if ok else 'FAIL'}")
    return ok


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pg", default=os.environ.get("TEST_DATABASE_URL",
                                                       "postgresql+asyncpg://postgres@127.0.0.1:5432/test"))
    parser.add_argument("--skip-pg", action="store_true")
    parser.add_argument("--open", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        results.append(await bench("sqlite", Database(sqlite_url(os.path.join(tmp, "p.db"))), args.open, args.runs))
    if not args.skip_pg:
        schema = f"bench_{uuid.uuid4().hex[:10]}"
        admin = Database(args.pg)
        async with admin.engine.begin() as conn:
            await conn.exec_driver_sql(f"CREATE SCHEMA {schema}")
        try:
            results.append(await bench("postgresql", Database(args.pg, schema=schema), args.open, args.runs))
        finally:
            async with admin.engine.begin() as conn:
                await conn.exec_driver_sql(f"DROP SCHEMA {schema} CASCADE")
            await admin.dispose()
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
