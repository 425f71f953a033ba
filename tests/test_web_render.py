"""The web chat's renderer: neutral replies → HTML, pinned by golden files (tests/golden/web/).

Regenerate after a deliberate change with `STEWARD_UPDATE_GOLDEN=1 pytest tests/test_web_render.py`
and read the diff."""

from __future__ import annotations

import os
import re
from datetime import UTC, datetime
from html.parser import HTMLParser

import pytest

from adapters.web.render import render_message, render_reply, underline
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
from tests.support import ROOT

GOLDEN = ROOT / "tests" / "golden" / "web"
DRAFT = "Atlas is the #1 analytics platform for IoT data"
CLAIMS = Citation(policy="social-media-policy", section="product-claims", title="Product claims", category="claims",
                  quote="Claims that need substantiation and review before you post them.",
                  url="https://policies.example/social#product-claims")


def finding(n: int, span: tuple[int, int], severity: str = "review") -> ReplyFinding:
    return ReplyFinding(category="claims", severity=severity, rule="claims.superlative",
                        message='Superlatives like "#1" need substantiation.', excerpt=DRAFT[span[0]:span[1]],
                        fix="Remove the superlative or cite the public evidence.", citation=CLAIMS,
                        id=f"7-{n}", span=span)


def approval(state: str = "submitted", votes: tuple[VoteLine, ...] = (), actions: tuple[str, ...] = ()) -> ApprovalView:
    given = sum(1 for v in votes if v.value == "approve")
    return ApprovalView(submission_id=3, version=2, text_hash=__import__("hashlib").sha256(DRAFT.encode()).hexdigest(),
                        state=state, state_label={"submitted": "waiting for approval"}.get(state, state),
                        requester="ada@northwind.example", department="engineering",
                        quorum=(GroupQuorum(label="Engineering advisors", groups=("eng",), needed=1, given=given,
                                            approvers=tuple(v.who for v in votes if v.value == "approve")),),
                        votes=votes, final=state != "submitted", viewer_actions=actions)


VOTE = VoteLine(who="dev@northwind.example", value="approve", at=datetime(2026, 1, 2, tzinfo=UTC),
                note="Fine: the <b>ranking</b> is public")
SUB_ARGS: dict[str, int | str] = {"submission_id": 3, "version": 2}
CASES: dict[str, tuple[Reply, str | None]] = {
    "check-review": (Reply(kind="check", title="Needs review before posting", verdict="review",
                           body="This can be posted after the right approver agrees.",
                           findings=(finding(0, (12, 14)),), check_id=7,
                           actions=(Action(id="submit", label="Send for approval", style="primary",
                                           args={"check_id": 7}),
                                    Action(id="dispute", label="Dispute", args={"finding_id": "7-0"}))), DRAFT),
    "check-block-overlapping-spans": (Reply(kind="check", title="Don't post this", verdict="block",
                                            findings=(finding(0, (0, 14), "block"), finding(1, (12, 24)))), DRAFT),
    "answer": (Reply(kind="answer", title="Yes, with care", body="Photos from the office are fine when …",
                     citations=(CLAIMS,)), None),
    "not-covered": (Reply(kind="not_covered", title="The policy does not cover that",
                          body="I've told the CoE hub."), None),
    "card-open": (Reply(kind="submission", title="Review request #3 from ada@northwind.example", body=DRAFT,
                        verdict="review", findings=(finding(0, (12, 14)),),
                        facts=(Fact(label="Needs", value="1 from Engineering advisors"),),
                        actions=tuple(Action(id=a, label=a.capitalize(), args=SUB_ARGS)
                                      for a in ("approve", "changes", "reject", "comment")),
                        approval=approval(actions=("approve", "changes", "reject", "comment"))), None),
    "card-approved": (Reply(kind="submission", title="Approved: #3", body=DRAFT, verdict="review",
                            approval=approval("approved", (VOTE,))), None),
    "card-with-message-body": (Reply(kind="submission", title="Sent for approval: #3",
                                     body="Sent to Engineering advisors.", approval=approval()), None),
    "list": (Reply(kind="list", title="1 submission waiting",
                   facts=(Fact(label="#3 from ada@northwind.example", value="version 2, waiting for you"),)), None),
    "error": (error("Not allowed", "only <the requester> may withdraw #3"), None),
    "notice": (notice("Comment added to #3"), None),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_golden(name: str) -> None:
    reply, draft = CASES[name]
    html = render_reply(reply, draft=draft)
    path = GOLDEN / f"{name}.html"
    if os.environ.get("STEWARD_UPDATE_GOLDEN"):
        GOLDEN.mkdir(parents=True, exist_ok=True)
        path.write_text(html + "\n", encoding="utf-8")
    assert html + "\n" == path.read_text(encoding="utf-8")


class Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.attrs: list[tuple[str, str | None]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.attrs += attrs


ALLOWED_TAGS = {"article", "header", "span", "h3", "p", "blockquote", "mark", "ul", "li", "q", "a", "strong",
                "div", "dl", "dt", "dd", "button", "label", "input"}


@pytest.mark.parametrize("hostile", [
    '<img src=x onerror="alert(1)">', "<script>alert(1)</script>", '"><svg onload=alert(1)>',
    "javascript:alert(1)", "&lt;already escaped&gt;", "\u202etxt.exe",
])
def test_no_text_from_a_reply_becomes_markup(hostile: str) -> None:
    f = ReplyFinding(category=hostile, severity=hostile, rule=hostile, message=hostile, excerpt=hostile,
                     fix=hostile, citation=Citation(policy=hostile, section=hostile, title=hostile, quote=hostile,
                                                    url=hostile), id=hostile, span=(0, len(hostile)))
    reply = Reply(kind="check", title=hostile, body=hostile, verdict="review", findings=(f,),
                  facts=(Fact(label=hostile, value=hostile),),
                  actions=(Action(id=hostile, label=hostile, args={"x": hostile}),))
    html = render_reply(reply, draft=hostile)
    parser = Tags()
    parser.feed(html)
    assert set(parser.tags) <= ALLOWED_TAGS
    assert not any(name.startswith("on") for name, _ in parser.attrs)
    assert not any(name == "href" for name, _ in parser.attrs)       # a link only for http(s) URLs
    message = {"message_id": hostile, "channel": hostile, "author": hostile, "text": hostile}
    parser = Tags()
    parser.feed(render_message(message))
    assert set(parser.tags) <= ALLOWED_TAGS | {"div"} and not any(n.startswith("on") for n, _ in parser.attrs)


def test_underline_keeps_the_whole_text_in_order_whatever_the_spans() -> None:
    spans = [(12, 14), (0, 5), (3, 8), (40, 999), (-1, 2), (9, 9)]
    fs = [finding(i, (0, 1)).model_copy(update={"span": s}) for i, s in enumerate(spans)]
    html = underline(DRAFT, fs)
    assert re.sub(r"<[^>]+>", "", html) == DRAFT
    assert html.count("<mark") == 3     # (0,5), the rest of (3,8), (12,14); the invalid ones dropped
