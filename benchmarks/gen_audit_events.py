"""Fill a PostgreSQL schema with a large, valid Steward history, fast (COPY), for `bench_audit.py`.

    .venv/bin/python benchmarks/gen_audit_events.py --events 1000000 --schema bench_audit [--pg URL]

Every submission is submitted, approved by two approvers and decided: four events each,
with the matching submission, version and vote rows, and a hash chain `audit verify`
accepts. The schema must hold Steward's (empty) tables; `--create` creates them.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg

from bot.audit.chain import event_hash, text_hash
from bot.store.database import GENESIS_HASH, Database
from bot.store.settings import normalize_url

PG_URL = os.environ.get("TEST_DATABASE_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test")
APPROVERS = ("legal1@nw.example", "legal2@nw.example")
ROUTE = {"route_ids": ["legal"], "needs": [{"label": "legal", "groups": ["legal"], "members": list(APPROVERS),
                                            "count": 2, "open": False}],
         "escalate_to": "coe-hub", "remind_after": None, "escalate_after": None, "expire_after": None, "notes": []}


def _rows(submissions: int) -> dict[str, list[tuple[Any, ...]]]:
    base = datetime(2026, 1, 1, tzinfo=UTC)
    prev, seq = GENESIS_HASH, 0
    events: list[tuple[Any, ...]] = []
    subs: list[tuple[Any, ...]] = []
    versions: list[tuple[Any, ...]] = []
    votes: list[tuple[Any, ...]] = []
    for i in range(submissions):
        sid = i + 1
        requester = f"user{i % 5000}@nw.example"
        draft = f"Draft number {sid} about the lawsuit"
        digest = text_hash(draft)
        at = base + timedelta(seconds=sid)
        history = [
            (requester, "submitted", {"text_hash": digest, "verdict": "review", "route": ["legal"],
                                      "rules": ["legal.litigation"], "department": "engineering"}),
            (APPROVERS[0], "voted", {"value": "approve"}),
            (APPROVERS[1], "voted", {"value": "approve"}),
            (APPROVERS[1], "decided", {"state": "approved", "votes": {a: "approve" for a in APPROVERS}}),
        ]
        for k, (actor, action, detail) in enumerate(history):
            seq += 1
            moment = at + timedelta(microseconds=k)
            h = event_hash(prev, moment, actor, action, sid, 1, "bench", detail)
            events.append((seq, moment, actor, action, sid, 1, "bench", json.dumps(detail), prev, h))
            prev = h
        subs.append((sid, requester, "engineering", "cli", "approved", 1, "review", '["legal"]', json.dumps(ROUTE),
                     at, at, at, "bench", None, None, None, ""))
        versions.append((sid, sid, 1, draft, digest, "review", "[]", "bench", at, None))
        votes.extend([(2 * sid - 1, sid, 1, APPROVERS[0], "approve", "", at), (2 * sid, sid, 1, APPROVERS[1],
                                                                                "approve", "", at)])
    return {"events": events, "subs": subs, "versions": versions, "votes": votes, "head": [(seq, prev)]}


async def generate(url: str, schema: str, events: int, *, create: bool = False) -> float:
    """Write about `events` events (a multiple of four) into `schema`; returns seconds taken."""
    start = time.perf_counter()
    if create:
        db = Database(url, schema=schema)
        await db.create_all()
        await db.dispose()
    rows = _rows(max(1, events // 4))
    conn = await asyncpg.connect(normalize_url(url).replace("postgresql+asyncpg://", "postgresql://"),
                                 server_settings={"search_path": schema})
    try:
        async with conn.transaction():
            await conn.copy_records_to_table("submission", records=rows["subs"], columns=[
                "id", "requester", "department", "platform", "state", "version", "verdict", "categories", "route",
                "created_at", "updated_at", "decided_at", "decision_corpus_version", "reminded_at", "escalated_at",
                "posted_at", "posted_url"])
            await conn.copy_records_to_table("submission_version", records=rows["versions"], columns=[
                "id", "submission_id", "number", "text", "text_hash", "verdict", "findings", "corpus_version",
                "created_at", "purged_at"])
            await conn.copy_records_to_table("vote", records=rows["votes"], columns=[
                "id", "submission_id", "version", "approver", "value", "note", "cast_at"])
            await conn.copy_records_to_table("audit_event", records=rows["events"], columns=[
                "seq", "at", "actor", "action", "submission_id", "version", "corpus_version", "detail", "prev_hash",
                "hash"])
            seq, digest = rows["head"][0]
            await conn.execute("UPDATE audit_head SET seq = $1, hash = $2 WHERE id = 1", seq, digest)
            for table in ("submission", "submission_version", "vote"):
                await conn.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                                   f"(SELECT max(id) FROM {table}))")
        await conn.execute("ANALYZE")
    finally:
        await conn.close()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--schema", required=True)
    parser.add_argument("--pg", default=PG_URL)
    parser.add_argument("--create", action="store_true", help="create the schema's tables first")
    args = parser.parse_args()
    took = asyncio.run(generate(args.pg, args.schema, args.events, create=args.create))
    print(f"wrote {args.events // 4 * 4:,} events into {args.schema} in {took:.1f} s")


if __name__ == "__main__":
    main()
