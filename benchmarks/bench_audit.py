"""`audit verify` with state replay over a large log, and what checkpoints cost a vote (PostgreSQL).

    .venv/bin/python benchmarks/bench_audit.py [--events 1000000] [--runs 3] [--votes 300] [--pg URL]
                                               [--keep-schema NAME]   (reuse generated events across runs)

1. Generates the events (benchmarks/gen_audit_events.py, COPY) in a fresh schema, then times
   `verify` with replay (target ≤ 60 s for 1,000,000 events) and, as the peer figure from the
   same run, the chain alone (--no-replay). Medians of --runs runs; the report must be clean.
2. Vote latency (median of --votes sequential votes) with no checkpointing, and again while a
   checkpoint is signed and written every 0.2 s beside it; plus the Ed25519 signing time alone
   (median of 2,000) and one full checkpoint (Merkle root over the whole log) of the big log.
Exit status 1 when the verify target is missed or any report is not clean.
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
from pathlib import Path

from gen_audit_events import generate
from sqlalchemy import text

from bot.audit.chain import verify
from bot.audit.checkpoint import generate_key_pem, make_checkpoint, parse_private_key, sign, write_checkpoint
from bot.checker.result import CheckResult, Finding, PolicyRef
from bot.clock import SystemClock
from bot.directory import Directory
from bot.directory.models import DefaultRoute, Group, Requirement, RoutingFile
from bot.store.database import Database

PG_URL = os.environ.get("TEST_DATABASE_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test")
KEY = parse_private_key(generate_key_pem(), "bench key")
RESULT = CheckResult(verdict="review", corpus_version="bench", findings=(
    Finding("claims", "review", "claims.superlative", "m", (0, 4), PolicyRef("p", "t", "s"), "f"),))
APPROVERS = tuple(f"approver{i}@nw.example" for i in range(5))


async def _admin(url: str, sql: str) -> None:
    db = Database(url)
    try:
        async with db.engine.begin() as conn:
            await conn.execute(text(sql))
    finally:
        await db.dispose()


async def bench_verify(url: str, events: int, runs: int, keep: str = "") -> tuple[bool, float]:
    """`keep`: a schema to generate into once and reuse on later runs (left in place)."""
    schema = keep or f"bench_audit_{uuid.uuid4().hex[:8]}"
    await _admin(url, f"CREATE SCHEMA IF NOT EXISTS {schema}")
    db = Database(url, schema=schema)
    try:
        async with db.engine.connect() as conn:
            present = (await conn.execute(text("SELECT to_regclass('audit_event') IS NOT NULL"))).scalar_one()
            existing = (await conn.execute(text("SELECT count(*) FROM audit_event"))).scalar_one() if present else 0
        if existing != events // 4 * 4:
            if existing:
                raise SystemExit(f"schema {schema} holds {existing:,} events, not {events:,}; drop it first")
            took = await generate(url, schema, events, create=not present)
            print(f"generated {events:,} events with COPY in {took:.1f} s")
        ok = True
        for replay in (True, False):
            times, cpu = [], []
            for _ in range(runs):
                start, start_cpu = time.perf_counter(), time.process_time()
                report = await verify(db, replay=replay)
                times.append(time.perf_counter() - start)
                cpu.append(time.process_time() - start_cpu)
                ok = ok and report.ok and report.events == events // 4 * 4
            label = "verify with state replay" if replay else "verify, chain only (peer)"
            print(f"{label}: median {statistics.median(times):.1f} s over {runs} runs "
                  f"({', '.join(f'{t:.1f}' for t in times)}); CPU time of this process: median "
                  f"{statistics.median(cpu):.1f} s; {report.events:,} events, clean={report.ok}; "
                  f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
            if replay:
                replay_median = statistics.median(times)
        start = time.perf_counter()
        cp = await make_checkpoint(db, KEY, SystemClock().now())
        print(f"one checkpoint of the whole log (Merkle root over #{cp.seq:,}, signed): "
              f"{time.perf_counter() - start:.1f} s")
        return ok, replay_median
    finally:
        await db.dispose()
        if not keep:
            await _admin(url, f"DROP SCHEMA IF EXISTS {schema} CASCADE")


async def _votes(service: object, n: int) -> list[float]:
    times = []
    for _ in range(n):
        sub = await service.submit("requester@nw.example", "A bench draft", RESULT)  # type: ignore[attr-defined]
        start = time.perf_counter()
        await service.vote(sub.submission.id, APPROVERS[0], "approve")  # type: ignore[attr-defined]
        times.append(time.perf_counter() - start)
    return times


async def bench_votes(url: str, votes: int) -> None:
    from bot.workflow.service import WorkflowService

    schema = f"bench_audit_{uuid.uuid4().hex[:8]}"
    await _admin(url, f"CREATE SCHEMA {schema}")
    db = Database(url, schema=schema)
    routing = RoutingFile(hub="hub", groups={"hub": Group(members=APPROVERS)},
                          default=DefaultRoute(require=(Requirement(group="hub", count=3),)))
    service = WorkflowService(db, Directory(routing))
    try:
        await db.create_all()
        await _votes(service, 20)                                   # warm up
        plain = await _votes(service, votes)
        stop = asyncio.Event()
        written = 0

        async def checkpoints(folder: Path) -> None:
            nonlocal written
            while not stop.is_set():
                write_checkpoint(await make_checkpoint(db, KEY, SystemClock().now()), folder)
                written += 1
                await asyncio.sleep(0.2)

        with tempfile.TemporaryDirectory() as tmp:
            task = asyncio.create_task(checkpoints(Path(tmp)))
            signed = await _votes(service, votes)
            stop.set()
            await task
        print(f"vote latency, no checkpoints: median {statistics.median(plain) * 1000:.2f} ms over {votes}")
        print(f"vote latency, a checkpoint every 0.2 s beside it ({written} written): "
              f"median {statistics.median(signed) * 1000:.2f} ms over {votes}")
        body = (1, "a" * 64, "b" * 64)
        sign_times = []
        for _ in range(2000):
            start = time.perf_counter()
            sign(KEY, *body, SystemClock().now())
            sign_times.append(time.perf_counter() - start)
        print(f"Ed25519 signature of one checkpoint: median {statistics.median(sign_times) * 1e6:.0f} µs")
    finally:
        await db.dispose()
        await _admin(url, f"DROP SCHEMA IF EXISTS {schema} CASCADE")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--votes", type=int, default=300)
    parser.add_argument("--pg", default=PG_URL)
    parser.add_argument("--skip-verify", action="store_true")
    parser.add_argument("--keep-schema", default="", help="generate into this schema once and reuse it")
    args = parser.parse_args()
    ok = True
    if not args.skip_verify:
        clean, median = asyncio.run(bench_verify(args.pg, args.events, args.runs, args.keep_schema))
        target = 60 * args.events / 1_000_000
        print(f"target ≤ {target:.0f} s: {'met' if median <= target else 'MISSED'}")
        ok = clean and median <= target
    asyncio.run(bench_votes(args.pg, args.votes))
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
