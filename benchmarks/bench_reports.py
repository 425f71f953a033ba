"""`/coe report 90d` over a large generated history, on SQLite and PostgreSQL.

    .venv/bin/python benchmarks/bench_reports.py [--checks 1000000] [--submissions 100000]
        [--questions 100000] [--years 2] [--runs 7] [--pg URL] [--skip-pg] [--skip-sqlite]

Generates checks, questions and submissions (with one vote each) spread evenly
over `--years` of history ending now, bulk-loaded (COPY on PostgreSQL,
executemany on SQLite) into a schema built by `create_all` with the report
indexes, then analysed (and on PostgreSQL vacuumed) as autovacuum would keep a live database. Times
`Reports.report("90d")` — every figure, the previous-period comparison and the
weekly chart data — and prints the median of `--runs` runs (targets: ≤ 0.5 s on
PostgreSQL, ≤ 1.5 s on SQLite). The first run, which builds the daily roll-up of
the whole history (bot/reports/rollup.py; once per database, then about a day
per refresh), is timed and printed apart. The other reports are timed once each
for reference.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from scratch_schema import scratch_schema  # noqa: E402

from bot.clock import FixedClock  # noqa: E402
from bot.directory import load_directory  # noqa: E402
from bot.policy import load_corpus  # noqa: E402
from bot.reports import Reports  # noqa: E402
from bot.store.database import Database  # noqa: E402
from bot.store.settings import sqlite_url  # noqa: E402

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
PG_URL = os.environ.get("TEST_DATABASE_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test")
VERDICTS = ("allow",) * 14 + ("review",) * 5 + ("block",)
STATES = ("approved",) * 6 + ("posted", "rejected", "changes_requested", "withdrawn", "expired")
CHECK_COLS = ("at", "actor", "department", "platform", "verdict", "categories", "rules", "corpus_version",
              "draft_hash", "submission_id", "findings")
QUESTION_COLS = ("at", "actor", "department", "platform", "question", "question_hash", "answered", "categories",
                 "sections", "confidence", "corpus_version")
SUB_COLS = ("id", "requester", "department", "platform", "state", "version", "verdict", "categories", "route",
            "created_at", "updated_at", "decided_at", "decision_corpus_version", "reminded_at", "escalated_at",
            "posted_at", "posted_url", "revision", "open_route")
VOTE_COLS = ("submission_id", "version", "approver", "value", "note", "cast_at", "text_hash")


class World:
    """People, departments and rules to draw from (the bundled corpus and directory)."""

    def __init__(self, seed: int = 11) -> None:
        self.rng = random.Random(seed)
        directory = load_directory(ROOT / "policies")
        self.departments = sorted(directory.spec.departments)
        self.people = [(f"person{i}@northwind.example", self.departments[i % len(self.departments)])
                       for i in range(2000)]
        self.rules = [(r.id, r.category) for r in load_corpus(ROOT / "policies").rules]
        self.route = json.dumps({"route_ids": ["default"], "needs": [
            {"label": "coe-hub", "groups": ["coe-hub"], "members": ["maria.lopez@northwindlabs.com"], "count": 1,
             "open": False}], "escalate_to": "coe-hub", "remind_after": 14400.0, "escalate_after": 86400.0,
            "expire_after": 604800.0, "notes": []})

    def moment(self, span: timedelta) -> datetime:
        return NOW - timedelta(seconds=self.rng.random() * span.total_seconds())

    def checks(self, n: int, span: timedelta) -> Iterator[tuple[Any, ...]]:
        for _ in range(n):
            actor, dept = self.rng.choice(self.people)
            verdict = self.rng.choice(VERDICTS)
            fired = [] if verdict == "allow" else self.rng.sample(self.rules, self.rng.choice((1, 1, 2)))
            # COPY skips the ORM's defaults, so every NOT NULL column is given, findings as Steward stores them
            findings = [{"rule": r, "category": c, "severity": verdict, "span": [0, 0]} for r, c in fired]
            yield (self.moment(span), actor, dept, "slack", verdict, json.dumps(sorted({c for _, c in fired})),
                   json.dumps(sorted(r for r, _ in fired)), "bench", "", None, json.dumps(findings))

    def questions(self, n: int, span: timedelta) -> Iterator[tuple[Any, ...]]:
        for i in range(n):
            actor, dept = self.rng.choice(self.people)
            answered = self.rng.random() < 0.8
            text = f"question about topic {i % 500}"
            yield (self.moment(span), actor, dept, "teams", text, f"h{i % 500}", answered, "[]", "[]", 0.5,
                   "bench")

    def submissions(self, n: int, span: timedelta) -> Iterator[tuple[tuple[Any, ...], tuple[Any, ...] | None]]:
        for i in range(1, n + 1):
            actor, dept = self.rng.choice(self.people)
            created = self.moment(span)
            state = self.rng.choice(STATES) if created < NOW - timedelta(days=8) else self.rng.choice(
                ("submitted",) + STATES)
            decided = None if state == "submitted" else created + timedelta(hours=self.rng.expovariate(1 / 9))
            escalated = created + timedelta(days=1) if (state == "expired" or self.rng.random() < 0.05) else None
            sub = (i, actor, dept, "slack", state, 1, "review", '["legal"]', self.route, created, decided or created,
                   decided, "bench", None, escalated, None, "", 0 if decided is None else 1, False)
            vote = None
            if decided is not None and state in ("approved", "posted", "rejected", "changes_requested"):
                value = {"rejected": "reject", "changes_requested": "changes"}.get(state, "approve")
                vote = (i, 1, "maria.lopez@northwindlabs.com", value, "", decided, "bench")
            yield sub, vote


def _sqlite_value(v: Any) -> Any:
    if isinstance(v, datetime):
        return v.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")   # SQLAlchemy's SQLite DateTime storage
    return v


def load_sqlite(path: Path, world: World, args: argparse.Namespace, span: timedelta) -> None:
    conn = sqlite3.connect(path)
    try:
        def put(table: str, cols: tuple[str, ...], rows: Iterator[tuple[Any, ...]]) -> None:
            sql = f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})"
            batch: list[tuple[Any, ...]] = []
            for row in rows:
                batch.append(tuple(_sqlite_value(v) for v in row))
                if len(batch) == 50_000:
                    conn.executemany(sql, batch)
                    batch.clear()
            conn.executemany(sql, batch)

        put("check_record", CHECK_COLS, world.checks(args.checks, span))
        put("question_record", QUESTION_COLS, world.questions(args.questions, span))
        subs, votes = [], []
        for sub, vote in world.submissions(args.submissions, span):
            subs.append(sub)
            if vote:
                votes.append(vote)
        put("submission", SUB_COLS, iter(subs))
        put("vote", VOTE_COLS, iter(votes))
        conn.commit()
        conn.execute("ANALYZE")
        conn.commit()
    finally:
        conn.close()


async def load_postgres(db: Database, world: World, args: argparse.Namespace, span: timedelta) -> None:
    import asyncpg

    url = db.url.replace("postgresql+asyncpg://", "postgresql://")
    conn = await asyncpg.connect(url, server_settings={"search_path": db.schema or "public"})
    try:
        await conn.copy_records_to_table("check_record", records=list(world.checks(args.checks, span)),
                                         columns=CHECK_COLS)
        await conn.copy_records_to_table("question_record", records=list(world.questions(args.questions, span)),
                                         columns=QUESTION_COLS)
        subs, votes = [], []
        for sub, vote in world.submissions(args.submissions, span):
            subs.append(sub)
            if vote:
                votes.append(vote)
        await conn.copy_records_to_table("submission", records=subs, columns=SUB_COLS)
        await conn.copy_records_to_table("vote", records=votes, columns=VOTE_COLS)
        await conn.execute("VACUUM ANALYZE")    # what autovacuum does to a live table: stats + visibility map
    finally:
        await conn.close()


async def measure(db: Database, runs: int) -> tuple[list[float], dict[str, float]]:
    directory = load_directory(ROOT / "policies")
    reports = Reports(db, directory, FixedClock(NOW))
    start = time.perf_counter()
    await reports.report("90d")           # first run: builds the daily roll-up of all history (once per database)
    first = time.perf_counter() - start
    timings = []
    for _ in range(runs):
        start = time.perf_counter()
        report = await reports.report("90d")
        timings.append(time.perf_counter() - start)
    assert report.figure("checks").value, "the generated history should have checks in the last 90 days"
    others: dict[str, float] = {}
    corpus = load_corpus(ROOT / "policies")
    for name, call in (("report 30d", lambda: reports.report("30d")),
                       ("report 90d engineering", lambda: reports.report("90d", "engineering")),
                       ("pending", reports.pending), ("gaps 90d", lambda: reports.gaps("90d")),
                       ("rules 90d", lambda: reports.rules(corpus, "90d")),
                       ("spokes 30d", lambda: reports.spokes("30d")), ("digest", reports.digest)):
        start = time.perf_counter()
        await call()  # type: ignore[operator]
        others[name] = time.perf_counter() - start
    print(f"  90d window: {report.figure('checks').value:,.0f} checks, "
          f"{report.figure('submissions').value:,.0f} submissions; first report (builds the roll-up of "
          f"all history): {first:.1f} s")
    return timings, others


def show(backend: str, load_s: float, timings: list[float], others: dict[str, float], target: float) -> bool:
    med = statistics.median(timings)
    ok = med <= target
    print(f"{backend}: load {load_s:.1f} s; report 90d median {med * 1000:.0f} ms over {len(timings)} runs "
          f"(min {min(timings) * 1000:.0f}, max {max(timings) * 1000:.0f}); target ≤ {target * 1000:.0f} ms: "
          f"{'ok' if ok else 'MISSED'}")
    print("  others (one run each): " + ", ".join(f"{k} {v * 1000:.0f} ms" for k, v in others.items()))
    return ok


async def bench_sqlite(args: argparse.Namespace, span: timedelta) -> bool:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.db"
        db = Database(sqlite_url(path))
        try:
            await db.create_all()
            start = time.perf_counter()
            load_sqlite(path, World(), args, span)
            load_s = time.perf_counter() - start
            timings, others = await measure(db, args.runs)
        finally:
            await db.dispose()
    return show("SQLite", load_s, timings, others, 1.5)


async def bench_postgres(args: argparse.Namespace, span: timedelta) -> bool:
    async with scratch_schema(args.pg, "bench_reports") as schema:
        db = Database(args.pg, schema=schema)
        try:
            await db.create_all()
            start = time.perf_counter()
            await load_postgres(db, World(), args, span)
            load_s = time.perf_counter() - start
            timings, others = await measure(db, args.runs)
        finally:
            await db.dispose()
    return show("PostgreSQL", load_s, timings, others, 0.5)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--checks", type=int, default=1_000_000)
    parser.add_argument("--submissions", type=int, default=100_000)
    parser.add_argument("--questions", type=int, default=100_000)
    parser.add_argument("--years", type=float, default=2.0)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--pg", default=PG_URL)
    parser.add_argument("--skip-pg", action="store_true")
    parser.add_argument("--skip-sqlite", action="store_true")
    args = parser.parse_args()
    span = timedelta(days=365 * args.years)
    print(f"history: {args.checks:,} checks, {args.questions:,} questions, {args.submissions:,} submissions "
          f"over {args.years:g} years ending {NOW:%Y-%m-%d}")
    ok = True
    if not args.skip_sqlite:
        ok &= asyncio.run(bench_sqlite(args, span))
    if not args.skip_pg:
        ok &= asyncio.run(bench_postgres(args, span))
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
