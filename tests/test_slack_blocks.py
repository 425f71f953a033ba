"""Block Kit renderings: golden files pin each kind of reply; every rendering passes Slack's limits.

Regenerate the golden files after an intended change with
    STEWARD_UPDATE_GOLDEN=1 .venv/bin/pytest tests/test_slack_blocks.py
and review the diff like code.
"""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from adapters.slack import blocks
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

GOLDEN = Path(__file__).parent / "fixtures" / "slack_blocks"
AT = datetime(2026, 11, 25, 15, 0, tzinfo=UTC)

# Slack's documented limits (api.slack.com/reference/block-kit), written out here independently of blocks.py.
LIMITS = {"blocks": 50, "view_blocks": 100, "header": 150, "section": 3000, "field": 2000, "fields": 10,
          "button_text": 75, "button_value": 2000, "action_id": 255, "actions": 25, "context": 10, "text": 40000}


def problems(blocks_: list[dict[str, Any]], *, max_blocks: int = LIMITS["blocks"]) -> list[str]:
    out = []
    if len(blocks_) > max_blocks:
        out.append(f"{len(blocks_)} blocks")
    for b in blocks_:
        kind = b["type"]
        if kind == "header" and len(b["text"]["text"]) > LIMITS["header"]:
            out.append("header too long")
        if kind == "section":
            if "text" in b and len(b["text"]["text"]) > LIMITS["section"]:
                out.append("section text too long")
            fields = b.get("fields") or []
            if len(fields) > LIMITS["fields"] or any(len(f["text"]) > LIMITS["field"] for f in fields):
                out.append("fields over the limit")
        if kind == "context" and len(b["elements"]) > LIMITS["context"]:
            out.append("context too long")
        elements = list(b.get("elements") or []) + ([b["accessory"]] if "accessory" in b else [])
        if kind == "actions" and len(elements) > LIMITS["actions"]:
            out.append("too many buttons")
        ids = [e["action_id"] for e in elements if "action_id" in e]
        if len(ids) != len(set(ids)):
            out.append("duplicate action_id in a block")
        for e in elements:
            if e.get("type") == "button":
                if len(e["text"]["text"]) > LIMITS["button_text"] or len(e.get("value", "")) > LIMITS["button_value"]:
                    out.append("button over the limit")
                if len(e["action_id"]) > LIMITS["action_id"]:
                    out.append("action_id too long")
    return out


def citation(n: int = 1) -> Citation:
    return Citation(policy="promoting-northwind", section=f"section-{n}", title=f"Disclosing your employment {n}",
                    quote="Say you work at Northwind when you promote its products.",
                    url=f"https://intranet.example/policy#section-{n}")


def finding(n: int, excerpt: str = "Atlas") -> ReplyFinding:
    return ReplyFinding(category="disclosure", severity="review", rule="disclosure.employment",
                        message="You're promoting a Northwind product without saying you work here.",
                        excerpt=excerpt, fix="Add #employee.", citation=citation(n), id=f"12-{n}", span=(0, 5))


def check(verdict: str, findings: tuple[ReplyFinding, ...] = ()) -> Reply:
    actions = (Action(id="submit", label="Send for approval", style="primary", args={"check_id": 12}),) \
        if verdict == "review" else ()
    actions += tuple(Action(id="dispute", label="This finding is wrong", args={"finding_id": f.id}) for f in findings)
    titles = {"allow": "Fine to post", "review": "Needs review before posting", "block": "Don't post this"}
    return Reply(kind="check", title=titles[verdict], body="Body <with> & markup @channel <!channel>.",
                 verdict=verdict, findings=findings, actions=actions, corpus_version="2026.11", check_id=12)  # type: ignore[arg-type]


def approval(state: str = "submitted", *, final: bool = False, actions: tuple[str, ...] = ()) -> ApprovalView:
    return ApprovalView(submission_id=1, version=2, text_hash="ab12", state=state,
                        state_label="waiting for approval" if not final else "approved", requester="ada@example.com",
                        department="engineering", route=("contests",),
                        quorum=(GroupQuorum(label="legal", groups=("legal",), needed=1, given=0),
                                GroupQuorum(label="coe-hub", groups=("coe-hub",), needed=1, given=1,
                                            approvers=("maria@example.com",))),
                        votes=(VoteLine(who="maria@example.com", value="approve", at=AT, note="fine by me"),),
                        waiting_on=("legal",) if not final else (), sla_deadline=AT, final=final,
                        viewer_actions=actions)


def card(audience: str) -> Reply:
    names = ("approve", "changes", "reject", "unvote", "comment") if audience == "approvers" else ("resubmit",)
    args: dict[str, int | str] = {"submission_id": 1, "version": 2}
    labels = {"approve": "Approve", "changes": "Request changes", "reject": "Reject", "unvote": "Withdraw my vote",
              "comment": "Comment", "resubmit": "Resubmit"}
    return Reply(kind="submission", title="Review request #1 from ada@example.com",
                 body="Enter our contest to win an Atlas hoodie #employee", verdict="review",
                 findings=(finding(0, "contest"),), facts=(Fact(label="Submission", value="#1 (version 2)"),),
                 actions=tuple(Action(id=n, label=labels[n], args=args) for n in names),
                 approval=approval(actions=names) if audience == "approvers"
                 else approval("changes_requested", final=True))


KINDS: dict[str, Reply] = {
    "check_allow": check("allow"),
    "check_review": check("review", (finding(0), finding(1, "#1 analytics platform"))),
    "check_block": check("block", (finding(0, "password: hunter2"),)),
    "answer": Reply(kind="answer", title="Who approves posts about lawsuits?", body="Legal does.",
                    citations=(citation(1), citation(2)), corpus_version="2026.11"),
    "not_covered": Reply(kind="not_covered", title="The policy doesn't cover that",
                         body="I've passed the question to the CoE team."),
    "error": error("That's too long for me", "I check drafts of up to 100,000 characters."),
    "notice": notice("Vote recorded on #1 (version 2)", "Still needed: 1 from legal."),
    "list": Reply(kind="list", title="2 submission(s) waiting",
                  facts=tuple(Fact(label=f"#{n} from ada@example.com", value="waiting for you") for n in range(2))),
    "card_approvers": card("approvers"),
    "decision_requester": card("requester"),
    "dispute_card": Reply(kind="notice", title="Dispute #3: ada@example.com says disclosure.employment is wrong",
                          facts=(Fact(label="Rule", value="disclosure.employment"),),
                          actions=(Action(id="uphold", label="Uphold finding", args={"dispute_id": 3}),
                                   Action(id="false_positive", label="False positive", style="primary",
                                          args={"dispute_id": 3}))),
}


@pytest.mark.parametrize("name", sorted(KINDS))
def test_each_kind_of_reply_matches_its_golden_file(name: str) -> None:
    rendered = blocks.message(KINDS[name])
    path = GOLDEN / f"{name}.json"
    if os.environ.get("STEWARD_UPDATE_GOLDEN"):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(rendered, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    assert rendered == json.loads(path.read_text(encoding="utf-8"))
    assert problems(rendered["blocks"]) == []


def test_user_text_cannot_mention_everyone_or_forge_links() -> None:
    text = json.dumps(blocks.message(KINDS["check_review"]))
    assert "<!channel>" not in text and "&lt;!channel&gt;" in text


def test_buttons_carry_ids_never_the_draft() -> None:
    rendered = blocks.message(KINDS["card_approvers"])
    values = [e["value"] for b in rendered["blocks"] for e in b.get("elements", []) if e.get("type") == "button"]
    assert values and all(json.loads(v) == {"submission_id": 1, "version": 2} for v in values)


def test_modals_and_home_pass_the_limits() -> None:
    for view in (blocks.dispute_modal(finding(0), "12-0"), blocks.changes_modal(1, 2),
                 blocks.reply_modal(KINDS["check_review"]), blocks.working_modal("Checking")):
        assert len(view["title"]["text"]) <= 24 and problems(view["blocks"], max_blocks=100) == []
    home = blocks.home_view([approval()] * 40, [approval()] * 40, is_coe=True, now=AT)
    assert problems(home["blocks"], max_blocks=100) == []


@settings(max_examples=60, deadline=None)
@given(st.text(min_size=0, max_size=9000), st.integers(min_value=0, max_value=80),
       st.text(min_size=1, max_size=400))
def test_any_reply_is_cut_to_fit(body: str, n_findings: int, title: str) -> None:
    findings = tuple(finding(n, excerpt=body[:2000] or "x") for n in range(n_findings))
    reply = check("review", findings).model_copy(update={"body": body, "title": title})
    rendered = blocks.message(reply)
    assert problems(rendered["blocks"]) == []
    assert len(rendered["text"]) <= 3000
    shown = sum(1 for b in rendered["blocks"] if b["type"] == "section" and "_Fix:_" in b["text"]["text"])
    assert shown == n_findings or "more not shown here" in json.dumps(rendered["blocks"])


def test_cut_keeps_whole_words_and_marks_the_cut() -> None:
    assert blocks.cut("short", 10) == "short"
    cut = blocks.cut("the quick brown fox jumps over the lazy dog", 20)
    assert cut.endswith("…") and len(cut) <= 20 and cut == "the quick brown fox…"
