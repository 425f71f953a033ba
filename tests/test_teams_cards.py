"""Adaptive Cards as people see them: every kind of reply, pinned as golden JSON and validated
against the official Adaptive Card 1.5 schema; and the activity translation."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from adapters.teams import cards
from adapters.teams.activities import Malformed, parse
from bot.replies import (
    Action,
    ApprovalView,
    Citation,
    Fact,
    GroupQuorum,
    Reply,
    ReplyFinding,
    VoteLine,
    error,
    notice,
)
from tests.teams_support import assert_valid_card, card_action, message, reaction

GOLDEN = Path(__file__).parent / "fixtures" / "teams"
CITE = Citation(policy="02-protecting-information", section="claims", title="Claims about our products",
                category="claims", quote="Say what you can prove, and link to the proof.",
                url="https://policies.example.com/social#claims")
WHEN = datetime(2026, 11, 2, 9, 30, tzinfo=UTC)


def _finding(**kw: Any) -> ReplyFinding:
    base = dict(category="claims", severity="review", rule="claims.superlative", message="A ranking needs a source.",
                excerpt="the #1 analytics platform", fix="Link the public report, or say 'one of the leading'.",
                citation=CITE, id="7-1", span=(9, 34))
    return ReplyFinding(**{**base, **kw})


def _approval(**kw: Any) -> ApprovalView:
    base = dict(submission_id=12, version=2, text_hash="ab12", state="submitted", state_label="waiting for approval",
                requester="ada.lovelace@northwindlabs.com", department="engineering", route=("claims",),
                quorum=(GroupQuorum(label="Engineering social advisors", groups=("engineering-advisors",),
                                    needed=1, given=0),),
                waiting_on=("Engineering social advisors",), sla_deadline=WHEN, viewer_actions=("approve",))
    return ApprovalView(**{**base, **kw})


REPLIES: dict[str, Reply] = {
    "check-review": Reply(kind="check", title="Needs review before posting", verdict="review", check_id=7,
                          findings=(_finding(),), facts=(Fact(label="Reviewers", value="1 from engineering"),),
                          actions=(Action(id="submit", label="Send for approval", style="primary",
                                          args={"check_id": 7}),
                                   Action(id="dispute", label="This finding is wrong", args={"finding_id": "7-1"}))),
    "check-block": Reply(kind="check", title="Don't post this", verdict="block",
                         findings=(_finding(category="security", severity="block", rule="security.secret",
                                            message="That looks like an access key.", excerpt="AKIA…[redacted]",
                                            fix="Remove the key and rotate it."),)),
    "check-allow": Reply(kind="check", title="Fine to post", verdict="allow"),
    "answer": Reply(kind="answer", title="From the policy", body="Say what you can prove, and link to the proof.",
                    citations=(CITE, CITE.model_copy(update={"section": "competitors", "title": "Competitors"}))),
    "not-covered": Reply(kind="not_covered", title="The policy doesn't cover that",
                         body="I've passed your question to the CoE team."),
    "error": error("That's too long for me", "I check drafts of up to 100,000 characters."),
    "approval-approver": Reply(kind="submission", title="Submission #12", body="Atlas is the *#1* [platform](x)",
                               approval=_approval(),
                               actions=(Action(id="approve", label="Approve", style="primary",
                                               args={"submission_id": 12, "version": 2}),
                                        Action(id="reject", label="Reject", style="danger",
                                               args={"submission_id": 12, "version": 2}),
                                        Action(id="changes", label="Request changes",
                                               args={"submission_id": 12, "version": 2}))),
    "approval-decided": Reply(kind="submission", title="Approved", approval=_approval(
        state="approved", state_label="approved", final=True, waiting_on=(), viewer_actions=(),
        votes=(VoteLine(who="dev.patel@northwindlabs.com", value="approve", at=WHEN, note="Gartner report, fine"),))),
    "notice": notice("Steward", "Send me a draft."),
}


@pytest.mark.parametrize("name", sorted(REPLIES))
def test_each_card_matches_its_golden_file_and_the_schema(name: str) -> None:
    card = cards.card(REPLIES[name], refresh_user_ids=("29:dev",))
    assert_valid_card(card)
    path = GOLDEN / f"{name}.json"
    if os.environ.get("STEWARD_UPDATE_GOLDEN") or not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(card, indent=2, ensure_ascii=False) + "\n")
    assert card == json.loads(path.read_text()), f"{path} changed: rerun with STEWARD_UPDATE_GOLDEN=1 and review"


def test_text_people_wrote_cannot_become_links_or_formatting() -> None:
    card = cards.card(REPLIES["approval-approver"])
    shown = card["body"][1]["text"]
    assert "[platform](x)" not in shown and "\\[platform\\]\\(x\\)" in shown
    assert "\\*" in shown


def test_approval_cards_refresh_for_approvers_and_stop_when_final() -> None:
    live = cards.card(REPLIES["approval-approver"], viewer_actions=False, refresh_user_ids=("29:dev", "29:lena"))
    assert "actions" not in live and live["refresh"]["userIds"] == ["29:dev", "29:lena"]
    assert live["refresh"]["action"]["data"] == {"steward": 1, "action": "refresh", "submission_id": 12,
                                                 "version": 2}
    assert "refresh" not in cards.card(REPLIES["approval-decided"])


def test_buttons_that_need_words_open_a_form_first() -> None:
    card = cards.card(REPLIES["check-review"])
    dispute = next(a for a in card["actions"] if a["title"] == "This finding is wrong")
    assert dispute["type"] == "Action.ShowCard"
    field = dispute["card"]["body"][0]
    assert field["type"] == "Input.Text" and field["id"] == "reason" and field["isRequired"]
    send = dispute["card"]["actions"][0]
    assert send["verb"] == "dispute" and send["data"]["finding_id"] == "7-1"


def test_long_text_is_cut_and_stays_valid() -> None:
    reply = Reply(kind="submission", title="x" * 10, body="word " * 50_000, approval=_approval())
    card = cards.card(reply)
    assert_valid_card(card)
    assert len(json.dumps(card)) < 28_000          # Teams refuses cards over ~28 KB


def test_activities_translate_to_intents() -> None:
    svc = "http://127.0.0.1:1"
    said = parse(message(svc, "29:ada", "<at>Steward</at> can I post <b>this</b>?&nbsp;"))
    assert said.kind == "message" and said.text == "can I post this?"
    assert said.who is not None and said.who.user_id == "29:ada"
    pressed = parse(card_action(svc, "29:dev", {"steward": 1, "action": "approve", "submission_id": 3,
                                                "version": 1}))
    assert pressed.kind == "card_action" and pressed.verb == "approve" and pressed.data["submission_id"] == 3
    foreign = parse(card_action(svc, "29:dev", {"other_bot": 1}, verb="approve"))
    assert foreign.verb == "unknown"
    liked = parse(reaction(svc, "29:dev", "1005"))
    assert liked.kind == "reaction" and liked.verb == "approve" and liked.reply_to == "1005"
    assert liked.where is not None and liked.where.channel_id == "19:eng-social@thread.tacv2"
    assert parse(reaction(svc, "29:dev", "1005", added=False)).verb == "unvote"
    heart = reaction(svc, "29:dev", "1005")
    heart["reactionsAdded"] = [{"type": "heart"}]
    assert parse(heart).kind == "ignore"
    assert parse({"type": "typing", "serviceUrl": svc, "conversation": {"id": "a:1"}}).kind == "ignore"


@pytest.mark.parametrize("bad", [None, [], "message", {"type": 3}, {"type": "message", "serviceUrl": "x"},
                                 {"type": "message", "conversation": {"id": "a"}}])
def test_malformed_activities_are_refused(bad: Any) -> None:
    with pytest.raises(Malformed):
        parse(bad)
