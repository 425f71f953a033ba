"""Outbox dispatch: 1,000 notifications delivered to a local fake HTTP endpoint.

    .venv/bin/python benchmarks/bench_outbox.py [--pg URL] [--skip-pg] [--count 1000] [--runs 3]

Writes `count` notifications into the outbox (as the workflow does), then times
`Outbox.dispatch()` until every row is sent to an aiohttp server on 127.0.0.1 (one HTTP
POST per notification, 64 in flight). Target ≤ 2 s on each backend. Also prints the CPU time
of this process (the dispatcher and the fake endpoint share it). Exit 1 when missed.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from scratch_schema import scratch_schema  # noqa: E402
from sqlalchemy import func, select  # noqa: E402

from bot.clock import SystemClock  # noqa: E402
from bot.directory import Directory  # noqa: E402
from bot.directory.routing import Recipient  # noqa: E402
from bot.outbox import Outbox  # noqa: E402
from bot.outbox.dispatch import Planned  # noqa: E402
from bot.replies import notice  # noqa: E402
from bot.store.database import Database  # noqa: E402
from bot.store.settings import sqlite_url  # noqa: E402
from bot.store.tables import OutboxRow  # noqa: E402
from tests.fakes.chat_endpoint import FakeChatEndpoint, HttpSender  # noqa: E402


async def once(db: Database, count: int, run: int) -> tuple[float, float]:
    outbox = Outbox(db, Directory.default(), SystemClock(), platforms=("local",))
    planned = [Planned(to=Recipient("person", f"user{i}@nw.example"), reply=notice(f"Decision #{i}"),
                       key=f"bench:{run}:{i}", kind="decision") for i in range(count)]
    async with db.transaction() as session:
        await outbox.write(session, outbox.rows(planned, SystemClock().now()))
    async with FakeChatEndpoint() as endpoint:
        sender = HttpSender(endpoint.url)
        outbox.register("local", sender)
        start, start_cpu = time.perf_counter(), time.process_time()
        while (await outbox.dispatch()).claimed:
            pass
        elapsed, cpu = time.perf_counter() - start, time.process_time() - start_cpu
        await sender.close()
    async with db.reading() as s:
        sent = (await s.execute(select(func.count()).select_from(OutboxRow).where(
            OutboxRow.state == "sent", OutboxRow.key.like(f"bench:{run}:%")))).scalar_one()  # type: ignore[attr-defined]
    assert sent == count and sum(endpoint.accepted.values()) == count, (sent, len(endpoint.accepted))
    return elapsed, cpu


async def bench(name: str, db: Database, count: int, runs: int) -> bool:
    await db.create_all()
    try:
        measured = [await once(db, count, run) for run in range(runs)]
    finally:
        await db.dispose()
    timings = [m[0] for m in measured]
    med, cpu = statistics.median(timings), statistics.median(m[1] for m in measured)
    ok = med <= 2.0
    print(f"{name:10s} dispatch of {count} notifications to a local HTTP endpoint: median {med:.2f} s "
          f"({count / med:.0f}/s) over {runs} runs [{', '.join(f'{t:.2f}' for t in timings)}]; CPU of this "
          f"process (dispatcher and fake endpoint together) {cpu:.2f} s — "
          f"{'PASS' if ok else 'FAIL'}")
    return ok


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pg", default=os.environ.get("TEST_DATABASE_URL",
                                                       "postgresql+asyncpg://postgres@127.0.0.1:5432/test"))
    parser.add_argument("--skip-pg", action="store_true")
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        results.append(await bench("sqlite", Database(sqlite_url(os.path.join(tmp, "o.db"))), args.count, args.runs))
    if not args.skip_pg:
        async with scratch_schema(args.pg) as schema:
            results.append(await bench("postgresql", Database(args.pg, schema=schema), args.count, args.runs))
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
