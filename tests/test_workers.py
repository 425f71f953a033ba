"""CPU work in worker processes gives the same results as inline, and keeps the loop free."""

from __future__ import annotations

import asyncio
from pathlib import Path

from bot.policy import load_corpus
from bot.steward import Steward
from bot.steward.workers import Workers
from tests.support import POLICIES

DRAFTS = ["Project Kestrel demo went great", "Atlas is the #1 analytics platform for IoT data #employee",
          "Sunrise run this morning"]


async def test_worker_processes_check_and_answer_like_the_inline_core() -> None:
    corpus = load_corpus(POLICIES)
    inline, pool = Workers(corpus, 0), Workers(corpus, 1)
    try:
        await pool.warm()
        assert [await pool.check(d) for d in DRAFTS] == [await inline.check(d) for d in DRAFTS]
        question = "who approves posts about lawsuits?"
        assert await pool.ask(question) == await inline.ask(question)
        # Twenty at once complete, and the loop keeps ticking meanwhile.
        ticks = 0

        async def ticker() -> None:
            nonlocal ticks
            while True:
                await asyncio.sleep(0.001)
                ticks += 1

        task = asyncio.create_task(ticker())
        results = await asyncio.gather(*(pool.check(DRAFTS[i % 3] * 50) for i in range(20)))
        task.cancel()
        assert [r.verdict for r in results[:3]] == ["block", "review", "allow"] and ticks > 0
    finally:
        pool.close()


async def test_steward_open_wires_corpus_database_and_workers(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("STEWARD_DB", str(tmp_path / "open.db"))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    steward = await Steward.open(str(POLICIES), workers=1)
    try:
        me = await steward.person("ada.lovelace@northwindlabs.com")
        assert me.department == "engineering"
        reply = await steward.check_draft(me, DRAFTS[1], "local")
        assert reply.verdict == "review" and reply.check_id == 1
        assert (await steward.submit(me, reply.check_id)).ok
    finally:
        await steward.close()
