"""The facade and the terminal chat over a real database: the approval flow as people use it.

Runs on SQLite and on PostgreSQL (the `db` fixture), with the default corpus and its routing.yaml.
"""

from __future__ import annotations

import pytest
from sqlmodel import select

from adapters.terminal.chat import TerminalChat
from bot.directory import load_directory
from bot.policy import load_corpus
from bot.steward import Steward
from bot.store.database import Database
from bot.store.tables import CheckRecord, QuestionRecord
from bot.workflow.service import WorkflowService
from tests.support import POLICIES

ADA = "ada.lovelace@northwindlabs.com"         # engineering
HUB = "maria.lopez@northwindlabs.com"          # the CoE hub
CLAIM = "Atlas is the #1 analytics platform for IoT data #employee"


@pytest.fixture(scope="module")
def corpus():
    return load_corpus(POLICIES)


@pytest.fixture
def steward(db: Database, corpus) -> Steward:
    return Steward(corpus, workflow=WorkflowService(db, load_directory(POLICIES)))


async def test_draft_to_decision_through_the_chat(steward: Steward) -> None:
    ada = TerminalChat(steward, person=ADA)
    checked = await ada.handle(CLAIM)
    assert "Needs review" in checked and "Reviewers:" in checked

    sent = await ada.handle("/submit")
    assert "Sent for approval: #1" in sent and "→" in sent      # the reviewers' channel is notified

    refused = await ada.handle("/approve 1")
    assert "Not done" in refused                                  # never your own draft

    hub = TerminalChat(steward, person=HUB)
    assert "#1" in await hub.handle("/pending")
    decided = await hub.handle("/approve 1 fine, the #1 claim is from the Gartner report")
    assert "approved" in decided.lower()
    assert ADA in decided or "→" in decided                       # the requester hears about it

    view = await steward.workflow.get(1)
    assert view is not None and view.state == "approved"


async def test_every_check_and_question_is_recorded_and_gaps_flagged(steward: Steward, db: Database) -> None:
    chat = TerminalChat(steward, person=ADA)
    await chat.handle("/check Sunrise run this morning")
    await chat.handle("/check Project Kestrel demo went great")
    await chat.handle("/ask who approves posts about lawsuits?")
    await chat.handle("/ask how many days of parental leave do we get?")
    async with db.reading() as session:
        checks = (await session.execute(select(CheckRecord))).scalars().all()
        questions = (await session.execute(select(QuestionRecord))).scalars().all()
    assert sorted(c.verdict for c in checks) == ["allow", "block"]
    assert all(c.corpus_version == steward.corpus.version and c.actor == ADA for c in checks)
    assert {q.answered for q in questions} == {True, False}       # the second one is a knowledge gap
    assert all(q.department == "engineering" for q in questions)


async def test_a_false_positive_ruling_changes_later_checks_for_that_department(steward: Steward) -> None:
    assert steward.workflow is not None
    ada = TerminalChat(steward, person=ADA)
    checked = await ada.handle(f"/check {CLAIM}")
    assert "(finding 1-0, rule claims.superlative)" in checked
    disputed = await ada.handle("/dispute 1-0 it quotes an analyst ranking")
    assert "Not done" not in disputed
    dispute_id = 1
    ruling = await steward.workflow.resolve_dispute(dispute_id, HUB, "false_positive", "analyst quote")
    assert ruling.ok, ruling.reply
    assert "Fine to post" in await ada.handle(f"/check {CLAIM}")
    # Another department still gets the finding: the exception is scoped.
    sales = TerminalChat(steward, person="priya.shah@northwindlabs.com")
    assert "Needs review" in await sales.handle(f"/check {CLAIM}")


async def test_commands_without_their_arguments_explain_themselves(steward: Steward) -> None:
    chat = TerminalChat(steward, person=ADA)
    assert "submission number" in await chat.handle("/approve")
    assert "Give the draft" in await chat.handle("/submit")
    assert "Use /as EMAIL" in await chat.handle("/as nobody")
    assert "You are now" in await chat.handle(f"/as {HUB}")
