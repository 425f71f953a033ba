"""Property: after a signed checkpoint, any edit to the tables or the log — alone or combined,
with or without recomputed hashes — is caught by `verify` (on SQLite and PostgreSQL)."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable

from audit_history import rewrite_chain, rich_history
from conftest import Target, routing_spec
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from bot.audit.chain import Anchor, verify
from bot.audit.checkpoint import (
    LoadedCheckpoint,
    anchors_from,
    generate_key_pem,
    make_checkpoint,
    parse_private_key,
)
from bot.clock import ManualClock
from bot.directory import Directory
from bot.store.database import Database
from bot.store.tables import METADATA
from bot.workflow.service import WorkflowService

KEY = parse_private_key(generate_key_pem(), "test key")
STATES = ("submitted", "approved", "rejected", "changes_requested", "withdrawn", "expired", "posted")
VALUES = ("approve", "reject", "changes")

Edit = Callable[[AsyncSession, int], Awaitable[None]]


async def _pick(s: AsyncSession, query: str, n: int) -> tuple:  # type: ignore[type-arg]
    rows = (await s.execute(text(query))).all()
    return tuple(rows[n % len(rows)])


async def vote_value(s: AsyncSession, n: int) -> None:
    vid, value = await _pick(s, "SELECT id, value FROM vote ORDER BY id", n)
    other = VALUES[(VALUES.index(value) + 1 + n % 2) % 3]
    await s.execute(text("UPDATE vote SET value = :v WHERE id = :i"), {"v": other, "i": vid})


async def vote_delete(s: AsyncSession, n: int) -> None:
    (vid,) = await _pick(s, "SELECT id FROM vote WHERE id <= 4 ORDER BY id", n)     # a vote the history cast
    await s.execute(text("DELETE FROM vote WHERE id = :i"), {"i": vid})


async def vote_insert(s: AsyncSession, n: int) -> None:
    sid, version = await _pick(s, "SELECT id, version FROM submission ORDER BY id", n)
    await s.execute(text("INSERT INTO vote (submission_id, version, approver, value, note, cast_at, text_hash) "
                         "VALUES (:s, :v, :a, 'approve', '', '2026-01-01 00:00:00', 'f00d')"),
                    {"s": sid, "v": version, "a": f"mallory{n}@nw.example"})


async def sub_state(s: AsyncSession, n: int) -> None:
    sid, state = await _pick(s, "SELECT id, state FROM submission ORDER BY id", n)
    other = STATES[(STATES.index(state) + 1 + n % 5) % len(STATES)]
    await s.execute(text("UPDATE submission SET state = :st WHERE id = :i"), {"st": other, "i": sid})


async def sub_route(s: AsyncSession, n: int) -> None:
    (sid,) = await _pick(s, "SELECT id FROM submission ORDER BY id", n)
    await s.execute(text("UPDATE submission SET route = :r WHERE id = :i"),
                    {"r": f'{{"route_ids": ["r{n}"], "needs": []}}', "i": sid})


async def sub_requester(s: AsyncSession, n: int) -> None:
    (sid,) = await _pick(s, "SELECT id FROM submission ORDER BY id", n)
    await s.execute(text("UPDATE submission SET requester = :r WHERE id = :i"), {"r": f"eve{n}@nw.example", "i": sid})


async def version_hash(s: AsyncSession, n: int) -> None:
    (vid,) = await _pick(s, "SELECT id FROM submission_version ORDER BY id", n)
    await s.execute(text("UPDATE submission_version SET text_hash = :h WHERE id = :i"), {"h": f"{n:064x}", "i": vid})


async def version_text(s: AsyncSession, n: int) -> None:
    (vid,) = await _pick(s, "SELECT id FROM submission_version WHERE text IS NOT NULL ORDER BY id", n)
    await s.execute(text("UPDATE submission_version SET text = text || :t WHERE id = :i"), {"t": f" {n}!", "i": vid})


async def comment_body(s: AsyncSession, n: int) -> None:
    (cid,) = await _pick(s, "SELECT id FROM comment ORDER BY id", n)
    await s.execute(text("UPDATE comment SET body = body || :t WHERE id = :i"), {"t": f" {n}!", "i": cid})


async def dispute_state(s: AsyncSession, n: int) -> None:
    did, state = await _pick(s, "SELECT id, state FROM dispute ORDER BY id", n)
    await s.execute(text("UPDATE dispute SET state = :st WHERE id = :i"),
                    {"st": "uphold" if state != "uphold" else "false_positive", "i": did})


async def suppression_insert(s: AsyncSession, n: int) -> None:
    await s.execute(text("INSERT INTO suppression (rule, phrase, department, created_by, created_at, severity, revoked_by) "
                         "VALUES (:r, '', 'engineering', 'mallory', '2026-01-01 00:00:00', 'review', '')"), {"r": f"rule.{n}"})


async def suppression_revoke(s: AsyncSession, n: int) -> None:
    await s.execute(text("UPDATE suppression SET revoked_at = '2026-01-01 00:00:00' WHERE id = 1"))


async def event_alter(s: AsyncSession, n: int) -> None:
    (seq,) = await _pick(s, "SELECT seq FROM audit_event ORDER BY seq", n)
    await s.execute(text("UPDATE audit_event SET actor = :a WHERE seq = :q"), {"a": f"mallory{n}", "q": seq})


async def event_delete(s: AsyncSession, n: int) -> None:
    (seq,) = await _pick(s, "SELECT seq FROM audit_event ORDER BY seq", n)
    await s.execute(text("DELETE FROM audit_event WHERE seq = :q"), {"q": seq})


async def truncate(s: AsyncSession, n: int) -> None:
    (last,) = (await s.execute(text("SELECT max(seq) FROM audit_event"))).one()
    keep = max(0, (last or 0) - 1 - n % 5)
    await s.execute(text("DELETE FROM audit_event WHERE seq > :k"), {"k": keep})
    row = (await s.execute(text("SELECT seq, hash FROM audit_event ORDER BY seq DESC LIMIT 1"))).first()
    seq, digest = row if row else (0, "0" * 64)
    await s.execute(text("UPDATE audit_head SET seq = :q, hash = :h"), {"q": seq, "h": digest})


async def swap(s: AsyncSession, n: int) -> None:
    (a,) = await _pick(s, "SELECT seq FROM audit_event ORDER BY seq", n)
    (b,) = await _pick(s, "SELECT seq FROM audit_event ORDER BY seq", n + 1 + n % 3)
    if a == b:
        return await event_alter(s, n)
    await s.execute(text("UPDATE audit_event SET seq = -1 WHERE seq = :a"), {"a": a})
    await s.execute(text("UPDATE audit_event SET seq = :a WHERE seq = :b"), {"a": a, "b": b})
    await s.execute(text("UPDATE audit_event SET seq = :b WHERE seq = -1"), {"b": b})


TABLE_EDITS: dict[str, Edit] = {f.__name__: f for f in (
    vote_value, vote_delete, vote_insert, sub_state, sub_route, sub_requester, version_hash, version_text,
    comment_body, dispute_state, suppression_insert, suppression_revoke)}
LOG_EDITS: dict[str, Edit] = {f.__name__: f for f in (event_alter, event_delete, truncate, swap)}

EDITS = st.lists(st.tuples(st.sampled_from(sorted(TABLE_EDITS) + sorted(LOG_EDITS)), st.integers(0, 1000)),
                 min_size=1, max_size=3, unique_by=lambda e: e[0])


class Lab:
    """One database with the history and a checkpoint; `restore` puts every table back."""

    def __init__(self, target: Target) -> None:
        self.loop = asyncio.new_event_loop()
        self.db: Database = target.database()
        self.tag = f"snap{uuid.uuid4().hex[:6]}_"
        self.anchors: list[Anchor] = []
        self.loop.run_until_complete(self._build())

    async def _build(self) -> None:
        await self.db.create_all()
        service = WorkflowService(self.db, Directory(routing_spec()), ManualClock())
        await rich_history(service)
        cp = await make_checkpoint(self.db, KEY, service.clock.now())
        self.anchors, problems = anchors_from([LoadedCheckpoint("checkpoint", cp)], KEY.public_key())
        assert not problems and (await verify(self.db, anchors=self.anchors)).ok
        async with self.db.transaction() as s:
            for table in METADATA.sorted_tables:
                await s.execute(text(f"CREATE TABLE {self.tag}{table.name} AS SELECT * FROM {table.name}"))

    async def restore(self) -> None:
        async with self.db.transaction() as s:
            for table in reversed(METADATA.sorted_tables):
                await s.execute(text(f"DELETE FROM {table.name}"))
            for table in METADATA.sorted_tables:
                await s.execute(text(f"INSERT INTO {table.name} SELECT * FROM {self.tag}{table.name}"))

    def run(self, edits: list[tuple[str, int]], rewrite: bool) -> list[str]:
        async def go() -> list[str]:
            await self.restore()
            async with self.db.transaction() as s:
                for name, n in edits:
                    await {**TABLE_EDITS, **LOG_EDITS}[name](s, n)
            if rewrite:
                await rewrite_chain(self.db)
            report = await verify(self.db, anchors=self.anchors)
            return [p.message for p in report.problems]
        return self.loop.run_until_complete(go())

    def close(self) -> None:
        self.loop.run_until_complete(self.db.dispose())
        self.loop.close()


def test_every_edit_after_the_checkpoint_is_caught(target: Target) -> None:
    lab = Lab(target)
    try:
        assert lab.run([], rewrite=False) == []                  # restoring gives back a clean log

        @settings(max_examples=60 if target.backend == "sqlite" else 30, deadline=None,
                  suppress_health_check=[HealthCheck.too_slow])
        @given(edits=EDITS, rewrite=st.booleans())
        def caught(edits: list[tuple[str, int]], rewrite: bool) -> None:
            assert lab.run(edits, rewrite), f"{edits} (hashes rewritten: {rewrite}) went unnoticed"

        caught()
    finally:
        lab.close()
