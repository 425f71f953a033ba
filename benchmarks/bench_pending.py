"""pending() for an approver with 1,000 open submissions, on SQLite and PostgreSQL.

    .venv/bin/python benchmarks/bench_pending.py [--pg URL] [--skip-pg] [--open 1000] [--runs 15]

Prints the median and p95 of `Steward.pending` over several runs (wall time, and this
process's CPU time, which a loaded machine inflates less) and the number of SQL statements
one call issues (counted with a SQLAlchemy `before_cursor_execute` listener).
Measured for the first page (50, what a chat shows; the default) and for all of them.
Target: median ≤ 50 ms for the default call, a constant number of statements for both.
Exit 1 when missed.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time

from scratch_schema import scratch_schema  # noqa: E402
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
        ok = True
        for label, limit in (("first page (50)", 50), ("all", open_count)):
            timings, cpu = [], []
            for _ in range(runs):
                statements.clear()
                start, start_cpu = time.perf_counter(), time.process_time()
                result = await steward.pending(me, limit=limit)
                timings.append((time.perf_counter() - start) * 1000)
                cpu.append((time.process_time() - start_cpu) * 1000)
            shown, total = len(result.data["submissions"]), result.data["total"]
            count = len([s for s in statements if s.lstrip().upper().startswith("SELECT")])
            med, p95 = statistics.median(timings), statistics.quantiles(timings, n=20)[18]
            passed = (med <= 50 or limit != 50) and total == open_count and count <= 3
            ok = ok and passed
            print(f"{name:10s} pending() for {total} open submissions, {label}: {shown} shown, median {med:.1f} ms, "
                  f"p95 {p95:.1f} ms over {runs} runs (this process's CPU: median {statistics.median(cpu):.1f} ms); "
                  f"{count} SELECT statement(s) — {'PASS' if passed else 'FAIL'}")
    finally:
        await db.dispose()
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
        async with scratch_schema(args.pg) as schema:
            results.append(await bench("postgresql", Database(args.pg, schema=schema), args.open, args.runs))
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
