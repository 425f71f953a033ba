"""The outbox on SQLite and PostgreSQL: nothing lost, nothing doubled, cards updated in place.

A real subprocess is SIGKILLed between the commit and the send; a real HTTP endpoint on
127.0.0.1 fails and recovers; a platform's retried event gets the original outcome back.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
from datetime import timedelta
from pathlib import Path

import pytest
from conftest import Target
from sqlalchemy import func, select

from bot.clock import ManualClock
from bot.directory import load_directory
from bot.policy import load_corpus
from bot.replies import Person
from bot.steward import Steward
from bot.store.database import Database
from bot.store.tables import MessageRef, OutboxRow
from tests.fakes.chat_endpoint import FakeChatEndpoint, HttpSender
from tests.support import POLICIES, ROOT

ADA = "ada.lovelace@northwindlabs.com"
HUB = "maria.lopez@northwindlabs.com"
HUB2 = "sam.okafor@northwindlabs.com"
CLAIM = "Atlas is the #1 analytics platform for IoT data #employee"


@pytest.fixture(scope="module")
def corpus():  # type: ignore[no-untyped-def]
    return load_corpus(POLICIES)


def make_steward(db: Database, corpus, clock: ManualClock, **kw: object) -> Steward:  # type: ignore[no-untyped-def]
    steward = Steward(corpus, directory=load_directory(POLICIES), db=db, clock=clock)
    assert steward.workflow is not None
    for name, value in kw.items():
        setattr(steward.workflow.outbox, name, value)
    return steward


async def rows(db: Database) -> list[OutboxRow]:
    async with db.reading() as s:
        return list((await s.execute(select(OutboxRow).order_by(OutboxRow.id))).scalars())


async def submitted(steward: Steward) -> tuple[Person, int]:
    ada = await steward.person(ADA)
    check = await steward.check_draft(ada, CLAIM, "local")
    assert check.check_id is not None
    out = await steward.submit(ada, check.check_id, key="evt-submit")
    assert out.ok and out.submission_id is not None, out.reply
    return ada, out.submission_id


async def test_a_retried_event_returns_the_original_outcome_and_enqueues_nothing_twice(db: Database, corpus) -> None:
    steward = make_steward(db, corpus, ManualClock())
    ada = await steward.person(ADA)
    check = await steward.check_draft(ada, CLAIM, "local")
    assert check.check_id is not None
    first = await steward.submit(ada, check.check_id, key="slack-evt-1")
    again = await steward.submit(ada, check.check_id, key="slack-evt-1")
    assert first.ok and again.ok and again.duplicate and not first.duplicate
    assert [n.key for n in again.notifications] == [n.key for n in first.notifications] != []
    assert again.reply == first.reply
    assert len(await rows(db)) == len(first.notifications)
    # Submitting the same check under another event id is still one submission.
    other = await steward.submit(ada, check.check_id, key="slack-evt-2")
    assert other.submission_id == first.submission_id and other.code == "unchanged"
    # Keys are namespaced by operation: a vote reusing the submit's event id is a vote.
    hub = await steward.person(HUB)
    vote = await steward.vote(hub, first.submission_id or 0, 1, "approve", key="slack-evt-1")
    assert vote.code == "decided" and not vote.duplicate


async def test_a_platform_failing_three_times_then_answering_gets_the_message_once(db: Database, corpus) -> None:
    clock = ManualClock()
    steward = make_steward(db, corpus, clock, base_delay=1.0)
    _, sid = await submitted(steward)
    async with FakeChatEndpoint() as endpoint:
        sender = HttpSender(endpoint.url)
        steward.register_sender("local", sender)
        card = (await rows(db))[0]
        endpoint.fail_first[card.key] = 3
        for _ in range(6):
            await steward.dispatch(clock.now())
            clock.advance(timedelta(hours=1))      # past any backoff
        await sender.close()
    assert [r["key"] for r in endpoint.requests].count(card.key) == 4
    assert endpoint.accepted[card.key] == 1
    (sent,) = [r for r in await rows(db) if r.key == card.key]
    assert sent.state == "sent" and sent.attempts == 4 and sent.message_id.startswith("m")
    async with db.reading() as s:     # the card's message is linked to the submission and its version
        ref = (await s.execute(select(MessageRef))).scalars().one()
    assert (ref.submission_id, ref.version, ref.message_id) == (sid, 1, sent.message_id)


async def test_votes_update_the_approvers_card_in_place_and_spare_the_requester(db: Database, corpus) -> None:
    clock = ManualClock()
    steward = make_steward(db, corpus, clock)
    ada, sid = await submitted(steward)
    async with FakeChatEndpoint() as endpoint:
        sender = HttpSender(endpoint.url)
        steward.register_sender("local", sender)
        await steward.dispatch(clock.now())
        card = next(r for r in await rows(db) if r.kind == "review_request")
        card_id = card.message_id
        out = await steward.vote_on_message(await steward.person(HUB), "local", card.channel, card_id, "approve")
        assert out.code == "decided", out.reply
        await steward.dispatch(clock.now())
        await sender.close()
    updates = [r for r in endpoint.requests if r["op"] == "update"]
    assert updates and all(u["message_id"] == card_id for u in updates)
    to_ada = [r for r in endpoint.requests if r["to"]["id"] == ADA]
    assert [r["title"] for r in to_ada] == [f"Approved: #{sid}"]     # the decision only, no progress pings
    assert ada.email == ADA


async def test_the_last_failure_marks_the_row_dead_and_tells_the_hub(db: Database, corpus) -> None:
    clock = ManualClock()
    steward = make_steward(db, corpus, clock, max_attempts=2)
    await submitted(steward)
    async with FakeChatEndpoint() as endpoint:
        sender = HttpSender(endpoint.url)
        steward.register_sender("local", sender)
        card = (await rows(db))[0]
        endpoint.always_fail.add(card.key)
        for _ in range(4):
            await steward.dispatch(clock.now())
            clock.advance(timedelta(hours=2))
        await sender.close()
    by_key = {r.key: r for r in await rows(db)}
    assert by_key[card.key].state == "dead" and "HTTP 500" in by_key[card.key].last_error
    notice = by_key[f"dead:{card.key}@local"]
    assert notice.kind == "dead_letter" and notice.recipient_id == "coe-hub" and notice.state == "sent"


CHILD = textwrap.dedent("""
    import asyncio, json, sys
    from pathlib import Path
    from bot.clock import ManualClock
    from bot.directory import load_directory
    from bot.policy import load_corpus
    from bot.steward import Steward
    from bot.store.database import Database

    class Hang:
        async def send(self, delivery):
            print("claimed", flush=True)
            await asyncio.sleep(3600)

    async def main():
        url, schema, policies = sys.argv[1], sys.argv[2] or None, Path(sys.argv[3])
        db = Database(url, schema=schema)
        steward = Steward(load_corpus(policies), directory=load_directory(policies), db=db, clock=ManualClock())
        ada = await steward.person("ada.lovelace@northwindlabs.com")
        check = await steward.check_draft(ada, "Atlas is the #1 analytics platform for IoT data #employee")
        out = await steward.submit(ada, check.check_id, key="e1")
        hub = await steward.person("maria.lopez@northwindlabs.com")
        vote = await steward.vote(hub, out.submission_id, 1, "approve", key="e2")
        keys = [n.key for n in out.notifications + vote.notifications]
        print(json.dumps(keys), flush=True)
        if sys.argv[4] == "claim":
            steward.register_sender("local", Hang())
            await steward.dispatch()
        else:
            await asyncio.sleep(3600)

    asyncio.run(main())
""")


@pytest.mark.parametrize("moment", ["after_commit", "after_claim"])
async def test_sigkill_between_commit_and_send_then_restart_delivers_each_once(
        target: Target, db: Database, corpus, tmp_path: Path, moment: str) -> None:
    script = tmp_path / "child.py"
    script.write_text(CHILD)
    proc = subprocess.Popen([sys.executable, str(script), target.url, target.schema or "", str(POLICIES),
                             "claim" if moment == "after_claim" else "wait"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT,
                            env={**os.environ, "PYTHONPATH": str(ROOT)})
    try:
        assert proc.stdout is not None
        keys = json.loads(proc.stdout.readline() or "null") or pytest.fail(proc.stderr.read() if proc.stderr else "")
        if moment == "after_claim":
            assert proc.stdout.readline().strip() == "claimed"
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    clock = ManualClock()
    steward = make_steward(db, corpus, clock)
    async with FakeChatEndpoint() as endpoint:
        sender = HttpSender(endpoint.url)
        steward.register_sender("local", sender)
        later = clock.now() + timedelta(hours=1)      # past the dead replica's lease
        await steward.dispatch(later)
        await steward.dispatch(later + timedelta(minutes=1))     # a second pass finds nothing more
        await sender.close()
    assert sorted(endpoint.accepted) == sorted(keys)
    assert set(endpoint.accepted.values()) == {1}
    async with db.reading() as s:
        states = dict((await s.execute(select(OutboxRow.state, func.count()).group_by(OutboxRow.state))).all())
    assert states == {"sent": len(keys)}
